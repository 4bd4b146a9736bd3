package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestTransactionsKeepToOneChain: the events of one transaction go to one
// chain (so a transaction never holds one chain head while waiting for
// another), transactions open at the same time get different chains, and
// the trail verifies afterwards.
func TestTransactionsKeepToOneChain(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		d, err := db.Open(ctx, tg.URL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		tr := audit.NewTrail(8)
		if err := d.InTx(ctx, func(tx *db.Tx) error { return tr.EnsureChains(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		ev := audit.Event{At: at, ActorEmail: "operator:test", Action: "account.create", Outcome: audit.Allowed}
		chainsOf := func(ids []int64) map[int]bool {
			t.Helper()
			out := map[int]bool{}
			for _, id := range ids {
				var shard int
				if err := d.InReadTx(ctx, func(tx *db.Tx) error {
					return tx.QueryRow(ctx, `SELECT shard FROM audit_events WHERE id = $1`, id).Scan(&shard)
				}); err != nil {
					t.Fatal(err)
				}
				out[shard] = true
			}
			return out
		}

		// One transaction, three events: one chain.
		var ids []int64
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			for range 3 {
				id, err := tr.Append(ctx, tx, ev)
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if c := chainsOf(ids); len(c) != 1 {
			t.Errorf("one transaction's events went to %d chains, want 1", len(c))
		}

		// Transactions one after another are handed the chains in turn, so
		// 8 transactions use all 8 chains (none is held between them).
		ids = nil
		for range 8 {
			if err := d.InTx(ctx, func(tx *db.Tx) error {
				id, err := tr.Append(ctx, tx, ev)
				ids = append(ids, id)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if c := chainsOf(ids); len(c) != 8 {
			t.Errorf("8 transactions used %d chains, want all 8 (a chain was not given back)", len(c))
		}

		rep, err := audit.Verify(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Broken != "" || rep.Events != 11 {
			t.Fatalf("verify: %+v", rep)
		}
	})
}
