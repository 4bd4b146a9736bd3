package store

import (
	"context"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestWorkIndexFollowsTheRules: reads_without_work asks, for every client an
// account read, whether it did work on the client: the actions whose authz
// rule says Work. The partial index audit_events_work must name exactly
// those actions, in the query's order, or the database cannot use it for
// the query (and every check reads all of the account's events). Adding a
// Work action to authz.Rules needs a migration that re-creates the index.
func TestWorkIndexFollowsTheRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		s, err := Open(ctx, tg.URL, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		def, plan := "", ""
		query := `SELECT EXISTS (SELECT 1 FROM audit_events WHERE actor_account_id = $1 AND client_id = $2
			AND outcome = 'allowed' AND action IN (` + workActions + `))`
		err = s.db.InTx(ctx, func(tx *db.Tx) error {
			if tx.Dialect == db.Postgres {
				if err := tx.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE indexname = 'audit_events_work' AND schemaname = current_schema()`).Scan(&def); err != nil {
					return err
				}
				// Only an index can answer now; the partial one can only if
				// the planner proves the query's condition implies its own.
				if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `SET LOCAL enable_bitmapscan = off`); err != nil {
					return err
				}
				return explain(ctx, tx, `EXPLAIN `+query, &plan, "00000000-0000-0000-0000-000000000000")
			}
			if err := tx.QueryRow(ctx, `SELECT sql FROM sqlite_schema WHERE name = 'audit_events_work'`).Scan(&def); err != nil {
				return err
			}
			return explain(ctx, tx, `EXPLAIN QUERY PLAN `+query, &plan, "00000000-0000-0000-0000-000000000000")
		})
		if err != nil {
			t.Fatal(err)
		}
		flat := strings.Join(strings.Fields(def), " ")
		// PostgreSQL writes the list as = ANY (ARRAY['a'::text, …]).
		want := strings.Join(strings.Fields("("+workActions+")"), " ")
		if tg.Name == "postgres" {
			want = "ARRAY[" + strings.ReplaceAll(workActions, "',", "'::text,") + "::text]"
		}
		if !strings.Contains(flat, want) {
			t.Errorf("audit_events_work is\n  %s\nit must name the Work actions of authz.Rules: %s", flat, want)
		}
		if !strings.Contains(plan, "audit_events_work") {
			t.Errorf("the work query does not use audit_events_work:\n%s", plan)
		}
	})
}

// explain appends the lines of a query plan to plan.
func explain(ctx context.Context, tx *db.Tx, q string, plan *string, client string) error {
	rows, err := tx.Query(ctx, q, int64(1), client)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for _, v := range vals {
			switch x := v.(type) {
			case string:
				*plan += x + " "
			case []byte:
				*plan += string(x) + " "
			}
		}
		*plan += "\n"
	}
	return rows.Err()
}
