package audit

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/kotodigi/kotodigi/internal/db"
)

// Report is the result of Verify.
type Report struct {
	Events      int64
	Shards      int
	Checkpoints int
	// KeyChecked: seals were checked with the audit key.
	KeyChecked bool
	// Sealed is the number of events whose seal was checked with the key;
	// Unchecked the number that carry a seal not checked (no key given).
	Sealed, Unchecked int64
	// Unsealed is the number of events written without a seal (before seals
	// existed, or without the key) at the start of their chains, checked by
	// their links only. With the key, an unsealed event after a sealed one
	// breaks the trail.
	Unsealed int64
	// Broken is empty when the trail is intact; otherwise it names the first bad event.
	Broken string
	// BrokenID is the id of the first bad event (0 when the break is not at an event).
	BrokenID int64
}

// Verify walks every shard's chain and recomputes every hash, without the
// audit key (seals are not checked; see VerifyWith).
func Verify(ctx context.Context, d *db.DB) (Report, error) { return VerifyWith(ctx, d, nil) }

// chainState is where Verify is in one chain.
type chainState struct {
	seq      int64
	hash     []byte
	broken   bool
	sealed   bool // an event with a seal was seen
	withSeal bool // an event with a seal column (sealed or not) was seen
	first    bool // the next event is the first after the start
	// firstUnsealed: the chain's first event has no seal.
	firstUnsealed bool
}

type checkpointRow struct {
	seq        int64
	hash, seal []byte
}

// VerifyWith walks every chain from its start (its retention checkpoint, if
// any) to its head and recomputes every link; compares the clients each
// event showed with its record; and, with key, checks every event's and
// checkpoint's seal and that no seal occurs twice. It reports the first
// broken event: the lowest event id at which any chain breaks. It only reads.
func VerifyWith(ctx context.Context, d *db.DB, key *Key) (Report, error) {
	rep := Report{KeyChecked: key != nil}
	var breaks []breakAt
	brk := func(id int64, format string, a ...any) {
		breaks = append(breaks, breakAt{id, fmt.Sprintf(format, a...)})
	}
	err := d.InReadTx(ctx, func(tx *db.Tx) error {
		heads, err := readPositions(ctx, tx, `SELECT shard, seq, hash, NULL FROM audit_chain_heads`)
		if err != nil {
			return err
		}
		starts, err := readPositions(ctx, tx, `SELECT shard, seq, hash, seal FROM audit_checkpoints`)
		if err != nil {
			return err
		}
		rep.Shards, rep.Checkpoints = len(heads), len(starts)
		shown, err := readShownClients(ctx, tx)
		if err != nil {
			return err
		}
		chains := map[int]*chainState{}
		state := func(s int) *chainState {
			st := chains[s]
			if st == nil {
				st = &chainState{hash: make([]byte, sha256.Size), first: true}
				if c, ok := starts[s]; ok {
					st.seq, st.hash = c.seq, c.hash
				}
				chains[s] = st
			}
			return st
		}
		rows, err := tx.Query(ctx, `SELECT id, shard, seq, at, actor_account_id, actor_email, actor_organisation, grant_id,
			action, outcome, client_id, municipality_code, result_count, remote_addr, session_ref, request_id, detail, seal, prev_hash, hash
			FROM audit_events ORDER BY shard, seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, detail, prev, hash, err := scanStored(rows)
			if err != nil {
				return err
			}
			rep.Events++
			bad := len(breaks)
			st := state(e.shard)
			hasSeal := len(e.seal) > 1
			if st.first {
				st.first, st.firstUnsealed = false, !hasSeal
			}
			if st.broken {
				continue
			}
			clients := shown[e.ID]
			var want []byte
			switch {
			case e.seq != st.seq+1:
				brk(e.ID, "event %d: position %d of chain %d follows position %d (an event was removed or moved)", e.ID, e.seq, e.shard, st.seq)
			case !bytes.Equal(prev, st.hash):
				brk(e.ID, "event %d: does not link to the previous event of chain %d", e.ID, e.shard)
			case !slices.Equal(clients, clientsInDetail(detail)):
				brk(e.ID, "event %d: the clients it showed do not match its record (rows of audit_event_clients were removed or added)", e.ID)
			case e.seal == nil && st.withSeal:
				brk(e.ID, "event %d: written as before seals existed, unlike the events before it in chain %d (inserted)", e.ID, e.shard)
			case !hasSeal && st.sealed && key != nil:
				brk(e.ID, "event %d: is not sealed, unlike the events before it in chain %d (inserted, or written without the audit key)", e.ID, e.shard)
			case e.seal == nil:
				rep.Unsealed++
				want = legacyChainHash(prev, e.legacyCanonical(detail))
			default:
				st.withSeal, st.sealed = true, st.sealed || hasSeal
				canonical := e.canonicalWith(detail, clients)
				want = chainHash(prev, chainBody(canonical, e.seal), e.ID)
				switch {
				case !bytes.Equal(want, hash):
				case !hasSeal:
					rep.Unsealed++
				case key == nil:
					rep.Unchecked++
				default:
					if p := key.sealProblem(e.seal, canonical); p != "" {
						brk(e.ID, "event %d: %s", e.ID, p)
					}
					rep.Sealed++
				}
			}
			if want != nil && !bytes.Equal(want, hash) {
				brk(e.ID, "event %d: content does not match its hash (changed)", e.ID)
			}
			st.broken = len(breaks) > bad
			st.seq, st.hash = e.seq, hash
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for s, h := range heads {
			st := state(s)
			if !st.broken && (st.seq != h.seq || !bytes.Equal(st.hash, h.hash)) {
				brk(0, "chain %d: ends at position %d but its head says %d (events at the end were removed)", s, st.seq, h.seq)
			}
		}
		for s := range chains {
			if _, ok := heads[s]; !ok {
				brk(0, "chain %d has events but no head", s)
			}
		}
		if key != nil {
			checkCheckpoints(key, starts, chains, brk)
		}
		return findCopies(ctx, tx, brk)
	})
	if err != nil {
		return rep, fmt.Errorf("audit verify: %w", err)
	}
	if len(breaks) > 0 {
		sort.SliceStable(breaks, func(i, j int) bool {
			if (breaks[i].id == 0) != (breaks[j].id == 0) {
				return breaks[j].id == 0
			}
			return breaks[i].id < breaks[j].id
		})
		rep.Broken, rep.BrokenID = breaks[0].what, breaks[0].id
	}
	return rep, nil
}

type breakAt struct {
	id   int64
	what string
}

// checkCheckpoints checks each retention checkpoint's seal. An unsealed one
// is accepted only where the chain goes on with unsealed events too (they
// were all written before the key was used).
func checkCheckpoints(key *Key, starts map[int]checkpointRow, chains map[int]*chainState, brk func(int64, string, ...any)) {
	for s, c := range starts {
		st := chains[s]
		if len(c.seal) <= 1 && st != nil && !st.first && st.firstUnsealed {
			continue
		}
		want := key.sealCheckpoint(Checkpoint{Chain: s, Seq: c.seq, Hash: c.hash})
		switch {
		case len(c.seal) <= 1:
			brk(0, "chain %d: its retention checkpoint (position %d) is not sealed (written without the audit key, or not by retention)", s, c.seq)
		case !hmac.Equal(c.seal, want):
			brk(0, "chain %d: its retention checkpoint (position %d) does not match its seal (written or changed outside retention)", s, c.seq)
		}
	}
}

// findCopies reports events that carry the same seal as another: a seal
// is made with a fresh random nonce for each event, so a second one is a copy.
func findCopies(ctx context.Context, tx *db.Tx, brk func(int64, string, ...any)) error {
	rows, err := tx.Query(ctx, `SELECT MIN(id), MAX(id) FROM audit_events WHERE seal IS NOT NULL AND length(seal) > 1
		GROUP BY seal HAVING COUNT(*) > 1`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var first, copied int64
		if err := rows.Scan(&first, &copied); err != nil {
			return err
		}
		brk(copied, "event %d: a copy of event %d (the same seal)", copied, first)
	}
	return rows.Err()
}

// readPositions reads chain positions (heads or checkpoints) by chain.
func readPositions(ctx context.Context, tx *db.Tx, query string) (map[int]checkpointRow, error) {
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]checkpointRow{}
	for rows.Next() {
		var s int
		var c checkpointRow
		if err := rows.Scan(&s, &c.seq, &c.hash, &c.seal); err != nil {
			return nil, err
		}
		out[s] = c
	}
	return out, rows.Err()
}

// readShownClients reads the clients each event showed, sorted.
func readShownClients(ctx context.Context, tx *db.Tx) (map[int64][]string, error) {
	rows, err := tx.Query(ctx, `SELECT event_id, client_id FROM audit_event_clients`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var c string
		if err := rows.Scan(&id, &c); err != nil {
			return nil, err
		}
		out[id] = append(out[id], c)
	}
	for _, cs := range out {
		slices.Sort(cs)
	}
	return out, rows.Err()
}

// clientsInDetail is the list of shown clients an event's detail ends with
// ("… clients=ID,ID"), sorted and without repeats; nil if none.
func clientsInDetail(detail string) []string {
	i := strings.LastIndex(detail, "clients=")
	if i < 0 || (i > 0 && detail[i-1] != ' ') {
		return nil
	}
	list := strings.Split(detail[i+len("clients="):], ",")
	slices.Sort(list)
	return slices.Compact(list)
}

// scanStored reads one stored event with its detail as stored, seal (nil
// for events written before seals), previous hash and hash.
func scanStored(rows *sql.Rows) (e Event, detail string, prev, hash []byte, err error) {
	var actor, grant, count sql.NullInt64
	var client, muni sql.NullString
	if err = rows.Scan(&e.ID, &e.shard, &e.seq, &e.At, &actor, &e.ActorEmail, &e.ActorOrganisation, &grant,
		&e.Action, &e.Outcome, &client, &muni, &count, &e.RemoteAddr, &e.SessionRef, &e.RequestID, &detail, &e.seal, &prev, &hash); err != nil {
		return
	}
	e.ActorAccountID, e.GrantID, e.ClientID, e.Municipality = actor.Int64, grant.Int64, client.String, muni.String
	if count.Valid {
		c := int(count.Int64)
		e.ResultCount = &c
	}
	return
}
