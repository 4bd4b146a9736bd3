// Package audit is the tamper-evident audit trail (R10). Events are written
// inside the caller's transaction, so that data is returned or changed only
// when its audit event commits with it.
//
// The trail is split into shards, each a hash chain: an event's hash is
// SHA-256 over the previous hash of its shard, the event's canonical encoding
// (the clients it showed included), its seal and its id. Appending locks only
// the head row of one chain, so concurrent requests rarely wait for each
// other, while `kotodigi audit verify` still detects any changed, removed,
// inserted, renumbered or reordered event that was not followed by a rewrite
// of the whole rest of its chain. With the audit key (key.go), every event is
// also sealed, so that one made up or changed is detected even then.
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
	seal      []byte
}

// Trail appends events. Shards is the number of hash chains (≥ 1).
type Trail struct {
	Shards int
	// Key seals events and retention checkpoints; nil: not sealed (the
	// demo; production sets a key, see key.go).
	Key *Key
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
	e.ClientIDs = slices.Compact(slices.Sorted(slices.Values(e.ClientIDs)))
	canonical := e.canonical()
	e.seal = t.Key.sealEvent(canonical)
	body := chainBody(canonical, e.seal)

	var result any
	if e.ResultCount != nil {
		result = *e.ResultCount
	}
	detail := e.detail()
	var id int64
	if tx.Dialect == db.Postgres {
		// One statement: advance the chain head under its row lock (it keeps
		// the hash before the new one, so no separate SELECT … FOR UPDATE is
		// needed; SET reads the row as locked), take the event's id from the
		// sequence while holding that lock (so ids grow along each chain),
		// SHA-256 of the previous hash, this event and its id, insert the
		// event and the clients it showed. In a scoped transaction it is sent
		// together with COMMIT; it must return the event id, or the commit
		// fails.
		q := `WITH head AS (UPDATE audit_chain_heads SET seq = seq + 1, prev_hash = hash,
				hash = sha256(hash || $2::bytea || int8send(nextval('audit_events_id_seq')))
				WHERE shard = $1 RETURNING seq, prev_hash, hash),
			ins AS (INSERT INTO audit_events (id, shard, seq, at, actor_account_id, actor_email, actor_organisation, grant_id,
				action, outcome, client_id, municipality_code, result_count, remote_addr, session_ref, request_id, detail, seal, prev_hash, hash)
			SELECT currval('audit_events_id_seq'), $1, head.seq, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $18, head.prev_hash, head.hash FROM head
			RETURNING id),
			shown AS (INSERT INTO audit_event_clients (event_id, client_id) SELECT ins.id, c FROM ins, unnest($17::uuid[]) AS c)
			SELECT max(id) + 0 * (1 / count(*)) FROM ins`
		// (Without a chain head nothing is inserted and 1/count(*) raises an
		// error, so the transaction aborts even when COMMIT is already on its
		// way. currval is the nextval of the head's UPDATE, evaluated again
		// if the UPDATE waited for the lock.)
		args := []any{e.shard, body, e.At, nullInt(e.ActorAccountID), e.ActorEmail, e.ActorOrganisation,
			nullInt(e.GrantID), e.Action, e.Outcome, nullStr(e.ClientID), nullStr(e.Municipality), result,
			e.RemoteAddr, e.SessionRef, e.RequestID, detail, e.ClientIDs, e.seal}
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
	}
	var prev []byte
	err := tx.QueryRow(ctx, `UPDATE audit_chain_heads SET seq = seq + 1 WHERE shard = $1 RETURNING seq, hash`, e.shard).Scan(&e.seq, &prev)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("audit: chain %d has no head (run migrate)", e.shard)
	}
	if err != nil {
		return 0, fmt.Errorf("audit: chain head: %w", err)
	}
	// The id the insert will get (AUTOINCREMENT: past every id ever used);
	// SQLite has one writer, so nobody takes it meanwhile.
	if err := tx.QueryRow(ctx, `SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'), 0),
		COALESCE((SELECT MAX(id) FROM audit_events), 0)) + 1`).Scan(&id); err != nil {
		return 0, fmt.Errorf("audit: next id: %w", err)
	}
	hash := chainHash(prev, body, id)
	if _, err := tx.Exec(ctx, `INSERT INTO audit_events (id, shard, seq, at, actor_account_id, actor_email, actor_organisation, grant_id,
		action, outcome, client_id, municipality_code, result_count, remote_addr, session_ref, request_id, detail, seal, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
		id, e.shard, e.seq, e.At, nullInt(e.ActorAccountID), e.ActorEmail, e.ActorOrganisation,
		nullInt(e.GrantID), e.Action, e.Outcome, nullStr(e.ClientID), nullStr(e.Municipality), result,
		e.RemoteAddr, e.SessionRef, e.RequestID, detail, e.seal, prev, hash); err != nil {
		return 0, fmt.Errorf("audit: insert: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_chain_heads SET hash = $2 WHERE shard = $1`, e.shard, hash); err != nil {
		return 0, fmt.Errorf("audit: chain head: %w", err)
	}
	rows := make([][]any, len(e.ClientIDs))
	for i, c := range e.ClientIDs {
		rows[i] = []any{id, c}
	}
	// Multi-row INSERTs: an import's batch event shows thousands of clients.
	if err := tx.InsertRows(ctx, "audit_event_clients", []string{"event_id bigint", "client_id uuid"}, rows); err != nil {
		return 0, fmt.Errorf("audit: clients: %w", err)
	}
	return id, nil
}

// chainHash is SHA-256(prev || body || id as 8 bytes big-endian), the
// link of an event (PostgreSQL computes the same with its sha256() in Append
// and ReadStatement).
func chainHash(prev, body []byte, id int64) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(body)
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(id)))
	return h.Sum(nil)
}

// chainBody is what an event adds to its chain besides its id: its
// canonical encoding and its seal.
func chainBody(canonical, seal []byte) []byte {
	return appendField(slices.Clip(canonical), string(seal))
}

// legacyChainHash is the link of an event written before seals (version
// "v2"): SHA-256(prev || canonical).
func legacyChainHash(prev, body []byte) []byte {
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
// different events encode alike: its chain, content and the clients it
// showed (sorted; the rows of audit_event_clients). The position in the chain
// is not part of it: the link to the previous hash fixes the order.
func (e *Event) canonical() []byte { return e.canonicalWith(e.detail(), e.ClientIDs) }

// canonicalWith is canonical with the stored detail and the shown clients
// given (as Verify reads them).
func (e *Event) canonicalWith(detail string, clients []string) []byte {
	b := appendField(nil, "v3")
	b = appendField(b, itoa(int64(e.shard)))
	b = e.appendContent(b, detail)
	return appendField(b, strings.Join(clients, ","))
}

// legacyCanonical is the encoding of events written before seals ("v2");
// their clients are in the detail only.
func (e *Event) legacyCanonical(detail string) []byte {
	return e.appendContent(appendField(nil, "v2"), detail)
}

func (e *Event) appendContent(b []byte, detail string) []byte {
	b = appendField(b, e.At.UTC().Format(time.RFC3339Nano))
	b = appendField(b, itoa(e.ActorAccountID))
	b = appendField(b, e.ActorEmail)
	b = appendField(b, e.ActorOrganisation)
	b = appendField(b, itoa(e.GrantID))
	b = appendField(b, e.Action)
	b = appendField(b, e.Outcome)
	b = appendField(b, e.ClientID)
	b = appendField(b, e.Municipality)
	if e.ResultCount != nil {
		b = appendField(b, strconv.Itoa(*e.ResultCount))
	} else {
		b = appendField(b, "-")
	}
	b = appendField(b, e.RemoteAddr)
	b = appendField(b, e.SessionRef)
	b = appendField(b, e.RequestID)
	return appendField(b, detail)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// appendField appends s to b with its length as a 4-byte big-endian prefix.
func appendField(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// Attribution is a grant an audited read may turn out to use, and the
// municipality of the data it then reads (ReadStatement).
type Attribution struct {
	GrantID      int64
	Municipality string
}

// ReadStatement makes one PostgreSQL statement that runs source and appends
// e for the row it read, as an allowed event, to a hash chain: reading and
// recording are then one statement, and with BEGIN and COMMIT one round trip
// (db.QueryRowCommitted). source is a SELECT of at most one row with columns
// grant_id (the grant that allows the read; NULL if none) and
// municipality_code, taking its arguments from $1 on (srcArgs). The event's
// grant id and municipality are taken from that row.
//
// The event is encoded and sealed in Go before the statement is sent (the
// key never reaches the database), once for each attribution the row may
// have; the statement records the one that matches the row. Usually that is
// the caller's grants, each with its own municipality.
//
// Call release when the statement's transaction has ended.
//
// The statement returns source's row followed by one more column (always 1)
// only if the row had a grant, matched an attribution and the event was
// appended; otherwise it returns no row and changes nothing, and the caller
// takes its usual path (which reads again and records the event with
// Append). If the event cannot be appended (no chain head), the statement
// fails, so the transaction cannot commit.
func (t Trail) ReadStatement(e Event, source string, srcArgs []any, attributions []Attribution) (query string, args []any, release func(), err error) {
	if e.Action == "" || e.Outcome != Allowed || len(e.ClientIDs) > 0 || e.ResultCount != nil {
		return "", nil, nil, errors.New("audit: ReadStatement takes an allowed event about one row")
	}
	e.shard, release = t.takeShard()
	e.At = e.At.UTC().Truncate(time.Microsecond)
	var grants []int64
	var munis []string
	var bodies, seals [][]byte
	for _, a := range attributions {
		e.GrantID, e.Municipality = a.GrantID, a.Municipality
		canonical := e.canonical()
		seal := t.Key.sealEvent(canonical)
		grants, munis = append(grants, a.GrantID), append(munis, a.Municipality)
		bodies, seals = append(bodies, chainBody(canonical, seal)), append(seals, seal)
	}
	n := len(srcArgs)
	p := func(i int) string { return "$" + strconv.Itoa(n+i) }
	q := `WITH src AS MATERIALIZED (` + source + `),
		v AS (SELECT a.* FROM src JOIN unnest(` + p(2) + `::bigint[], ` + p(3) + `::text[], ` + p(4) + `::bytea[], ` + p(5) + `::bytea[])
				AS a(grant_id, municipality_code, body, seal)
			ON a.grant_id = src.grant_id AND a.municipality_code = src.municipality_code LIMIT 1),
		head AS (UPDATE audit_chain_heads SET seq = seq + 1, prev_hash = hash,
				hash = sha256(hash || v.body || int8send(nextval('audit_events_id_seq')))
			FROM v WHERE shard = ` + p(1) + ` RETURNING seq, prev_hash, hash, v.grant_id, v.municipality_code, v.seal),
		ins AS (INSERT INTO audit_events (id, shard, seq, at, actor_account_id, actor_email, actor_organisation, grant_id,
				action, outcome, client_id, municipality_code, result_count, remote_addr, session_ref, request_id, detail, seal, prev_hash, hash)
			SELECT currval('audit_events_id_seq'), ` + p(1) + `, head.seq, ` + p(6) + `, ` + p(7) + `, ` + p(8) + `, ` + p(9) + `, head.grant_id, ` +
		p(10) + `, 'allowed', ` + p(11) + `, head.municipality_code, NULL, ` + p(12) + `, ` + p(13) + `, ` + p(14) + `, ` + p(15) + `,
				head.seal, head.prev_hash, head.hash FROM head
			RETURNING id)
		SELECT src.*, 1 / (SELECT count(*) FROM ins)::integer FROM src WHERE EXISTS (SELECT 1 FROM v)`
	args = append(slices.Clone(srcArgs), e.shard, grants, munis, bodies, seals, e.At, nullInt(e.ActorAccountID), e.ActorEmail,
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
