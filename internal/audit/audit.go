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

	var prev []byte
	advance := func() error {
		return tx.QueryRow(ctx, `UPDATE audit_chain_heads SET seq = seq + 1 WHERE shard = $1 RETURNING seq, hash`, e.shard).Scan(&e.seq, &prev)
	}
	err := advance()
	if errors.Is(err, sql.ErrNoRows) {
		// First event of a new chain; concurrent first events wait for each
		// other on the new head row instead of failing.
		if _, err = tx.Exec(ctx, `INSERT INTO audit_chain_heads (shard, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (shard) DO NOTHING`,
			e.shard, make([]byte, sha256.Size)); err == nil {
			err = advance()
		}
	}
	if err != nil {
		return 0, fmt.Errorf("audit: chain head: %w", err)
	}
	hash := e.chainHash(prev)
	var result any
	if e.ResultCount != nil {
		result = *e.ResultCount
	}
	detail := e.Detail
	if len(e.ClientIDs) > 0 {
		detail = strings.TrimSpace(detail + " clients=" + strings.Join(e.ClientIDs, ","))
	}
	insert := `INSERT INTO audit_events (shard, seq, at, actor_account_id, actor_email, actor_organisation, grant_id,
		action, outcome, client_id, municipality_code, result_count, remote_addr, session_ref, request_id, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`
	if tx.Dialect == db.Postgres {
		// One round trip for the event and the new head.
		insert = `WITH head AS (UPDATE audit_chain_heads SET hash = $18 WHERE shard = $1) ` + insert
	}
	var id int64
	err = tx.QueryRow(ctx, insert, e.shard, e.seq, e.At, nullInt(e.ActorAccountID), e.ActorEmail, e.ActorOrganisation,
		nullInt(e.GrantID), e.Action, e.Outcome, nullStr(e.ClientID), nullStr(e.Municipality), result,
		e.RemoteAddr, e.SessionRef, e.RequestID, detail, prev, hash).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("audit: insert: %w", err)
	}
	if tx.Dialect != db.Postgres {
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

// chainHash is SHA-256(prev || canonical(e)). The canonical form is a sequence
// of length-prefixed fields, so no two different events encode alike.
func (e *Event) chainHash(prev []byte) []byte {
	var b bytes.Buffer
	b.Write(prev)
	field := func(s string) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(s)))
		b.Write(n[:])
		b.WriteString(s)
	}
	field("v1")
	field(strconv.Itoa(e.shard))
	field(strconv.FormatInt(e.seq, 10))
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
	detail := e.Detail
	if len(e.ClientIDs) > 0 {
		detail = strings.TrimSpace(detail + " clients=" + strings.Join(e.ClientIDs, ","))
	}
	field(detail)
	sum := sha256.Sum256(b.Bytes())
	return sum[:]
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
