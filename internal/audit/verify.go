package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"sort"

	"github.com/kotodigi/kotodigi/internal/db"
)

// Report is the result of Verify.
type Report struct {
	Events int64
	Shards int
	// Broken is empty when the trail is intact; otherwise it names the first bad event.
	Broken string
	// BrokenID is the id of the first bad event (0 when the break is a missing tail).
	BrokenID int64
}

// Verify walks every shard's chain and recomputes every hash. It reports the
// first broken event: the lowest event id at which any chain breaks.
func Verify(ctx context.Context, d *db.DB) (Report, error) {
	var rep Report
	type breakAt struct {
		id   int64
		what string
	}
	var breaks []breakAt
	type state struct {
		seq    int64
		hash   []byte
		broken bool
	}
	err := d.InReadTx(ctx, func(tx *db.Tx) error {
		heads := map[int]struct {
			seq  int64
			hash []byte
		}{}
		rows, err := tx.Query(ctx, `SELECT shard, seq, hash FROM audit_chain_heads ORDER BY shard`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var s int
			var h struct {
				seq  int64
				hash []byte
			}
			if err := rows.Scan(&s, &h.seq, &h.hash); err != nil {
				rows.Close()
				return err
			}
			heads[s] = h
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rep.Shards = len(heads)
		// Chains cut by retention start from their checkpoint.
		starts := map[int]struct {
			seq  int64
			hash []byte
		}{}
		rows, err = tx.Query(ctx, `SELECT shard, seq, hash FROM audit_checkpoints`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var s int
			var c struct {
				seq  int64
				hash []byte
			}
			if err := rows.Scan(&s, &c.seq, &c.hash); err != nil {
				rows.Close()
				return err
			}
			starts[s] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		newState := func(s int) *state {
			if c, ok := starts[s]; ok {
				return &state{seq: c.seq, hash: c.hash}
			}
			return &state{hash: make([]byte, sha256.Size)}
		}
		rows, err = tx.Query(ctx, `SELECT id, shard, seq, at, actor_account_id, actor_email, actor_organisation, grant_id,
			action, outcome, client_id, municipality_code, result_count, remote_addr, session_ref, request_id, detail, prev_hash, hash
			FROM audit_events ORDER BY shard, seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		chains := map[int]*state{}
		for rows.Next() {
			var e Event
			var actor, grant sql.NullInt64
			var client, muni sql.NullString
			var count sql.NullInt64
			var prev, hash []byte
			if err := rows.Scan(&e.ID, &e.shard, &e.seq, &e.At, &actor, &e.ActorEmail, &e.ActorOrganisation, &grant,
				&e.Action, &e.Outcome, &client, &muni, &count, &e.RemoteAddr, &e.SessionRef, &e.RequestID, &e.Detail, &prev, &hash); err != nil {
				return err
			}
			rep.Events++
			e.ActorAccountID, e.GrantID, e.ClientID, e.Municipality = actor.Int64, grant.Int64, client.String, muni.String
			if count.Valid {
				c := int(count.Int64)
				e.ResultCount = &c
			}
			// A client list is part of the stored detail and is hashed as written.
			st := chains[e.shard]
			if st == nil {
				st = newState(e.shard)
				chains[e.shard] = st
			}
			if st.broken {
				continue
			}
			switch {
			case e.seq != st.seq+1:
				breaks = append(breaks, breakAt{e.ID, fmt.Sprintf("event %d: position %d of chain %d follows position %d (an event was removed or moved)", e.ID, e.seq, e.shard, st.seq)})
				st.broken = true
			case !bytes.Equal(prev, st.hash):
				breaks = append(breaks, breakAt{e.ID, fmt.Sprintf("event %d: does not link to the previous event of chain %d", e.ID, e.shard)})
				st.broken = true
			case !bytes.Equal(chainHash(prev, e.canonical()), hash):
				breaks = append(breaks, breakAt{e.ID, fmt.Sprintf("event %d: content does not match its hash (changed)", e.ID)})
				st.broken = true
			}
			st.seq, st.hash = e.seq, hash
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for s, h := range heads {
			st := chains[s]
			if st == nil {
				st = newState(s)
			}
			if st.broken {
				continue
			}
			if st.seq != h.seq || !bytes.Equal(st.hash, h.hash) {
				breaks = append(breaks, breakAt{0, fmt.Sprintf("chain %d: ends at position %d but its head says %d (events at the end were removed)", s, st.seq, h.seq)})
			}
		}
		for s := range chains {
			if _, ok := heads[s]; !ok {
				breaks = append(breaks, breakAt{0, fmt.Sprintf("chain %d has events but no head", s)})
			}
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("audit verify: %w", err)
	}
	if len(breaks) > 0 {
		sort.Slice(breaks, func(i, j int) bool {
			if (breaks[i].id == 0) != (breaks[j].id == 0) {
				return breaks[j].id == 0
			}
			return breaks[i].id < breaks[j].id
		})
		rep.Broken, rep.BrokenID = breaks[0].what, breaks[0].id
	}
	return rep, nil
}
