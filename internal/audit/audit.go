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
	// free holds the chains no transaction of this process is appending to
	// (NewTrail); an append takes one and gives it back when its transaction
	// has ended, so that concurrent requests of one instance never wait for
	// each other's chain head. Without it (or when all are taken), a chain is
	// chosen at random.
	free chan int
}

// NewTrail returns a Trail of shards chains that hands out free chains.
func NewTrail(shards int) Trail {
	shards = max(shards, 1)
	t := Trail{Shards: shards, free: make(chan int, shards)}
	for _, s := range rand.Perm(shards) {
		t.free <- s
	}
	return t
}

// takeShard picks the chain for an append; release gives it back.
func (t Trail) takeShard() (shard int, release func()) {
	select {
	case s := <-t.free:
		return s, func() { t.free <- s }
	default:
		return rand.IntN(max(t.Shards, 1)), func() {}
	}
}

// Append writes e in tx. The caller must fail the whole transaction if it errs.
func (t Trail) Append(ctx context.Context, tx *db.Tx, e Event) (int64, error) {
	if e.Action == "" || (e.Outcome != Allowed && e.Outcome != Denied) {
		return 0, errors.New("audit: event without action or outcome")
	}
	if c, ok := tx.AuditChain(); ok {
		e.shard = c // the chain head this transaction already holds
	} else {
		var release func()
		e.shard, release = t.takeShard()
		tx.AfterEnd(release)
		tx.SetAuditChain(e.shard)
	}
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
		// One statement: advance the chain head under its row lock (it keeps
		// the hash before the new one, so no separate SELECT … FOR UPDATE is
		// needed; SET reads the row as locked), SHA-256 of the previous hash and
		// this event, insert the event and the clients it showed. In a scoped
		// transaction it is sent together with COMMIT; it must return the event
		// id, or the commit fails.
		q := `WITH head AS (UPDATE audit_chain_heads SET seq = seq + 1, prev_hash = hash, hash = sha256(hash || $2::bytea)
				WHERE shard = $1 RETURNING seq, prev_hash, hash),
			ins AS (INSERT INTO audit_events (shard, seq, at, actor_account_id, actor_email, actor_organisation, grant_id,
				action, outcome, client_id, municipality_code, result_count, remote_addr, session_ref, request_id, detail, prev_hash, hash)
			SELECT $1, head.seq, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, head.prev_hash, head.hash FROM head
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
	before, between, after := e.canonicalParts()
	b := before
	b = appendField(b, strconv.FormatInt(e.GrantID, 10))
	b = append(b, between...)
	b = appendField(b, e.Municipality)
	return append(b, after...)
}

// canonicalParts is the canonical encoding without its grant id and
// municipality fields: the parts before, between and after them (so that
// PostgreSQL can complete it when the grant and municipality come from the
// same statement; see ReadStatement).
func (e *Event) canonicalParts() (before, between, after []byte) {
	before = appendField(nil, "v2")
	before = appendField(before, e.At.UTC().Format(time.RFC3339Nano))
	before = appendField(before, strconv.FormatInt(e.ActorAccountID, 10))
	before = appendField(before, e.ActorEmail)
	before = appendField(before, e.ActorOrganisation)
	// grant id
	between = appendField(nil, e.Action)
	between = appendField(between, e.Outcome)
	between = appendField(between, e.ClientID)
	// municipality
	if e.ResultCount != nil {
		after = appendField(nil, strconv.Itoa(*e.ResultCount))
	} else {
		after = appendField(nil, "-")
	}
	after = appendField(after, e.RemoteAddr)
	after = appendField(after, e.SessionRef)
	after = appendField(after, e.RequestID)
	after = appendField(after, e.detail())
	return before, between, after
}

// appendField appends s to b with its length as a 4-byte big-endian prefix.
func appendField(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// sqlField is the SQL of appendField for a text expression x.
func sqlField(x string) string {
	return `int4send(octet_length(convert_to(` + x + `, 'UTF8'))) || convert_to(` + x + `, 'UTF8')`
}

// ReadStatement makes one PostgreSQL statement that runs source and appends
// e for the row it read, as an allowed event, to a hash chain: reading and
// recording are then one statement, and with BEGIN and COMMIT one round trip
// (db.QueryRowCommitted). source is a SELECT of at most one row with columns
// grant_id (the grant that allows the read; NULL if none) and
// municipality_code, taking its arguments from $1 on (srcArgs). The event's
// grant id and municipality are taken from that row.
//
// Call release when the statement's transaction has ended.
//
// The statement returns source's row followed by one more column (always 1)
// only if the row had a grant and the event was appended; otherwise it
// returns no row and changes nothing, and the caller takes its usual path
// (which records the denied attempt). If the event cannot be appended (no
// chain head), the statement fails, so the transaction cannot commit.
func (t Trail) ReadStatement(e Event, source string, srcArgs []any) (query string, args []any, release func(), err error) {
	if e.Action == "" || e.Outcome != Allowed || len(e.ClientIDs) > 0 || e.ResultCount != nil {
		return "", nil, nil, errors.New("audit: ReadStatement takes an allowed event about one row")
	}
	e.shard, release = t.takeShard()
	e.At = e.At.UTC().Truncate(time.Microsecond)
	before, between, after := e.canonicalParts()
	n := len(srcArgs)
	p := func(i int) string { return "$" + strconv.Itoa(n+i) }
	q := `WITH src AS MATERIALIZED (` + source + `),
		v AS (SELECT * FROM src WHERE grant_id IS NOT NULL),
		head AS (UPDATE audit_chain_heads SET seq = seq + 1, prev_hash = hash,
				hash = sha256(hash || ` + p(2) + `::bytea || ` + sqlField("v.grant_id::text") + ` || ` + p(3) + `::bytea || ` +
		sqlField("v.municipality_code") + ` || ` + p(4) + `::bytea)
			FROM v WHERE shard = ` + p(1) + ` RETURNING seq, prev_hash, hash, v.grant_id, v.municipality_code),
		ins AS (INSERT INTO audit_events (shard, seq, at, actor_account_id, actor_email, actor_organisation, grant_id,
				action, outcome, client_id, municipality_code, result_count, remote_addr, session_ref, request_id, detail, prev_hash, hash)
			SELECT ` + p(1) + `, head.seq, ` + p(5) + `, ` + p(6) + `, ` + p(7) + `, ` + p(8) + `, head.grant_id, ` + p(9) + `, 'allowed', ` +
		p(10) + `, head.municipality_code, NULL, ` + p(11) + `, ` + p(12) + `, ` + p(13) + `, ` + p(14) + `, head.prev_hash, head.hash FROM head
			RETURNING id)
		SELECT v.*, 1 / (SELECT count(*) FROM ins)::integer FROM v`
	args = append(slices.Clone(srcArgs), e.shard, before, between, after, e.At, nullInt(e.ActorAccountID), e.ActorEmail,
		e.ActorOrganisation, e.Action, nullStr(e.ClientID), e.RemoteAddr, e.SessionRef, e.RequestID, e.detail())
	return q, args, release, nil
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
