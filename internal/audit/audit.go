// Package audit is the tamper-evident audit trail (R10). Events are written
// inside the caller's transaction, so that data is returned or changed only
// when its audit event commits with it.
//
// The trail is split into shards, each a hash chain: an event's hash is
// SHA-256 over the previous hash of its shard and the event's canonical
// encoding. Appending locks only the head row of one randomly chosen shard, so
// concurrent requests rarely wait for each other, while `kotodigi audit verify`
// still detects any changed, removed, inserted or reordered event.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/db"
)

// Outcomes.
const (
	Allowed = "allowed"
	Denied  = "denied"
)

// Event is one audit event.
type Event struct {
	ID                int64     `json:"id"`
	At                time.Time `json:"time"`
	ActorAccountID    int64     `json:"-"` // 0 = the operator's command line
	ActorEmail        string    `json:"actor_email"`
	ActorOrganisation string    `json:"actor_organisation"`
	GrantID           int64     `json:"grant_id,omitempty"`
	Action            string    `json:"action"`
	Outcome           string    `json:"outcome"`
	ClientID          string    `json:"client_id,omitempty"`
	Municipality      string    `json:"municipality,omitempty"`
	ResultCount       *int      `json:"result_count,omitempty"`
	RemoteAddr        string    `json:"remote_addr,omitempty"`
	SessionRef        string    `json:"session_ref,omitempty"`
	RequestID         string    `json:"request_id,omitempty"`
	// Detail is a short non-personal note (e.g. the changed field names).
	Detail string `json:"detail,omitempty"`
	// ClientIDs are the clients shown by a search or listing; they are hashed
	// with the event and indexed for "who has seen my data".
	ClientIDs []string `json:"-"`
	shard     int
	seq       int64
}

// Trail appends events. Shards is the number of hash chains (≥ 1).
type Trail struct {
	Shards int
}

// Append writes e in tx. The caller must fail the whole transaction if it errs.
func (t Trail) Append(ctx context.Context, tx *db.Tx, e Event) (int64, error) {
	if e.Action == "" || (e.Outcome != Allowed && e.Outcome != Denied) {
		return 0, errors.New("audit: event without action or outcome")
	}
	e.shard = rand.IntN(max(t.Shards, 1))
	e.At = e.At.UTC().Truncate(time.Microsecond)
	slices.Sort(e.ClientIDs)

	var result any
	if e.ResultCount != nil {
		result = *e.ResultCount
	}
	body := e.canonical()
	detail := e.detail()
	var id int64
	if tx.Dialect == db.Postgres {
		// One statement: lock the chain head, advance it with the new hash
		// (SHA-256 of the previous hash and this event), insert the event and
		// the clients it showed. In a scoped transaction it is sent together
		// with COMMIT; it must return the event id, or the commit fails.
		q := `WITH old AS (SELECT hash FROM audit_chain_heads WHERE shard = $1 FOR UPDATE),
			head AS (UPDATE audit_chain_heads SET seq = seq + 1, hash = sha256((SELECT hash FROM old) || $2::bytea) WHERE shard = $1 RETURNING seq, hash),
			ins AS (INSERT INTO audit_events (shard, seq, at, actor_account_id, actor_email, actor_organisation, grant_id,
				action, outcome, client_id, municipality_code, result_count, remote_addr, session_ref, request_id, detail, prev_hash, hash)
			SELECT $1, head.seq, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, old.hash, head.hash FROM head, old
			RETURNING id),
			shown AS (INSERT INTO audit_event_clients (event_id, client_id) SELECT ins.id, c FROM ins, unnest($17::uuid[]) AS c)
			SELECT max(id) + 0 * (1 / count(*)) FROM ins`
		// (Without a chain head nothing is inserted and 1/count(*) raises an
		// error, so the transaction aborts even when COMMIT is already on its way.)
		args := []any{e.shard, body, e.At, nullInt(e.ActorAccountID), e.ActorEmail, e.ActorOrganisation,
			nullInt(e.GrantID), e.Action, e.Outcome, nullStr(e.ClientID), nullStr(e.Municipality), result,
			e.RemoteAddr, e.SessionRef, e.RequestID, detail, slices.Compact(slices.Clone(e.ClientIDs))}
		if e.ClientIDs == nil {
			args[16] = []string{}
		}
		if tx.DeferUntilCommit(q, args...) {
			return 0, nil
		}
		if err := tx.QueryRow(ctx, q, args...).Scan(&id); err != nil {
			return 0, fmt.Errorf("audit: append: %w", err)
		}
		return id, nil
	} else {
		var prev []byte
		err := tx.QueryRow(ctx, `UPDATE audit_chain_heads SET seq = seq + 1 WHERE shard = $1 RETURNING seq, hash`, e.shard).Scan(&e.seq, &prev)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("audit: chain %d has no head (run migrate)", e.shard)
		}
		if err != nil {
			return 0, fmt.Errorf("audit: chain head: %w", err)
		}
		hash := chainHash(prev, body)
		if err := tx.QueryRow(ctx, `INSERT INTO audit_events (shard, seq, at, actor_account_id, actor_email, actor_organisation, grant_id,
			action, outcome, client_id, municipality_code, result_count, remote_addr, session_ref, request_id, detail, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
			e.shard, e.seq, e.At, nullInt(e.ActorAccountID), e.ActorEmail, e.ActorOrganisation,
			nullInt(e.GrantID), e.Action, e.Outcome, nullStr(e.ClientID), nullStr(e.Municipality), result,
			e.RemoteAddr, e.SessionRef, e.RequestID, detail, prev, hash).Scan(&id); err != nil {
			return 0, fmt.Errorf("audit: insert: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE audit_chain_heads SET hash = $2 WHERE shard = $1`, e.shard, hash); err != nil {
			return 0, fmt.Errorf("audit: chain head: %w", err)
		}
	}
	for _, c := range slices.Compact(e.ClientIDs) {
		if _, err := tx.Exec(ctx, `INSERT INTO audit_event_clients (event_id, client_id) VALUES ($1, $2)`, id, c); err != nil {
			return 0, fmt.Errorf("audit: clients: %w", err)
		}
	}
	return id, nil
}

// chainHash is SHA-256(prev || canonical event); PostgreSQL computes the
// same with its sha256() in Append.
func chainHash(prev, body []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(body)
	return h.Sum(nil)
}

// detail is the stored detail: the note plus the shown clients.
func (e *Event) detail() string {
	if len(e.ClientIDs) > 0 {
		return strings.TrimSpace(e.Detail + " clients=" + strings.Join(e.ClientIDs, ","))
	}
	return e.Detail
}

// canonical encodes the event as length-prefixed fields, so that no two
// different events encode alike. The chain position is not part of it: the
// link to the previous hash fixes the order.
func (e *Event) canonical() []byte {
	var b bytes.Buffer
	field := func(s string) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(s)))
		b.Write(n[:])
		b.WriteString(s)
	}
	field("v2")
	field(e.At.UTC().Format(time.RFC3339Nano))
	field(strconv.FormatInt(e.ActorAccountID, 10))
	field(e.ActorEmail)
	field(e.ActorOrganisation)
	field(strconv.FormatInt(e.GrantID, 10))
	field(e.Action)
	field(e.Outcome)
	field(e.ClientID)
	field(e.Municipality)
	if e.ResultCount != nil {
		field(strconv.Itoa(*e.ResultCount))
	} else {
		field("-")
	}
	field(e.RemoteAddr)
	field(e.SessionRef)
	field(e.RequestID)
	field(e.detail())
	return b.Bytes()
}

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// EnsureChains creates the head rows of all chains (idempotent), so that
// appends never have to.
func (t Trail) EnsureChains(ctx context.Context, tx *db.Tx) error {
	for s := range max(t.Shards, 1) {
		if _, err := tx.Exec(ctx, `INSERT INTO audit_chain_heads (shard, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (shard) DO NOTHING`,
			s, make([]byte, sha256.Size)); err != nil {
			return err
		}
	}
	return nil
}
