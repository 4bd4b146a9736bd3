package audit

import (
	"context"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// rebuild rewrites chain shard the way an attacker who can write to the
// database but has no audit key could: it changes events with mutate, keeps
// the first keep events (all when keep < 0), and recomputes every link after
// the change and the chain head (seals are kept as they were), so that
// Verify without the key finds the chain intact.
func rebuild(t *testing.T, ctx context.Context, d *db.DB, shard int, keep int, mutate func(*Event)) {
	t.Helper()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		shown, err := readShownClients(ctx, tx)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, shard, seq, at, actor_account_id, actor_email, actor_organisation, grant_id,
			action, outcome, client_id, municipality_code, result_count, remote_addr, session_ref, request_id, detail, seal, prev_hash, hash
			FROM audit_events WHERE shard = $1 ORDER BY seq`, shard)
		if err != nil {
			return err
		}
		var events []Event
		for rows.Next() {
			e, detail, _, _, err := scanStored(rows)
			if err != nil {
				rows.Close()
				return err
			}
			e.Detail = detail
			events = append(events, e)
		}
		rows.Close()
		if keep >= 0 {
			for _, e := range events[keep:] {
				if _, err := tx.Exec(ctx, `DELETE FROM audit_events WHERE id = $1`, e.ID); err != nil {
					return err
				}
			}
			events = events[:keep]
		}
		prev := make([]byte, sha256.Size)
		for i := range events {
			e := &events[i]
			mutate(e)
			hash := relink(prev, e, shown[e.ID])
			if _, err := tx.Exec(ctx, `UPDATE audit_events SET detail = $2, prev_hash = $3, hash = $4 WHERE id = $1`, e.ID, e.Detail, prev, hash); err != nil {
				return err
			}
			prev = hash
		}
		_, err = tx.Exec(ctx, `UPDATE audit_chain_heads SET seq = $2, hash = $3 WHERE shard = $1`, shard, len(events), prev)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// relink is the hash an attacker computes for e (with its stored detail in
// e.Detail and its seal as it is) after prev.
func relink(prev []byte, e *Event, clients []string) []byte {
	if e.seal == nil {
		return legacyChainHash(prev, e.legacyCanonical(e.Detail))
	}
	return chainHash(prev, chainBody(e.canonicalWith(e.Detail, clients), e.seal), e.ID)
}

// TestPublishedHeadsRevealARebuiltChain: a chain rebuilt by the database's
// owner verifies on its own, but not against heads published before.
func TestPublishedHeadsRevealARebuiltChain(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		d, err := db.Open(ctx, tg.URL) // the owner: may rewrite anything
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		tr := NewTrail(2)
		if err := d.InTx(ctx, func(tx *db.Tx) error { return tr.EnsureChains(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		add := func(n int) {
			for i := range n {
				err := d.InTx(ctx, func(tx *db.Tx) error {
					_, err := tr.Append(ctx, tx, Event{At: now.Add(time.Duration(i) * time.Second), ActorEmail: "operator:test", Action: "account.create", Outcome: Allowed, Detail: "account=1"})
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		add(6) // chains are handed out in turn: 3 events in each
		published, err := CurrentHeads(ctx, d, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(published.Heads) != 2 || published.Heads[0].Seq != 3 || published.Heads[1].Seq != 3 {
			t.Fatalf("heads: %+v", published)
		}
		add(4) // the trail grows: what was published is still there
		if p, _, err := CheckHeads(ctx, d, published); err != nil || len(p) != 0 {
			t.Fatalf("untouched trail: %v %v", p, err)
		}

		// Chain 0: the second event's detail changed and the chain rebuilt.
		rebuild(t, ctx, d, 0, -1, func(e *Event) {
			if e.seq == 2 {
				e.Detail = "account=2"
			}
		})
		// Chain 1: its last three events removed and the head moved back.
		rebuild(t, ctx, d, 1, 2, func(*Event) {})
		if rep, err := Verify(ctx, d); err != nil || rep.Broken != "" {
			t.Fatalf("a consistent rebuild should verify on its own (that is why heads are published): %+v %v", rep, err)
		}
		p, _, err := CheckHeads(ctx, d, published)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != 2 || !strings.Contains(p[0], "chain 0") || !strings.Contains(p[0], "rewritten") ||
			!strings.Contains(p[1], "chain 1") || !strings.Contains(p[1], "no longer in the trail") {
			t.Fatalf("problems found: %q", p)
		}
	})
}
