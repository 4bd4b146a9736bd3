package store_test

import (
	"context"
	"testing"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestRowLevelSecurityIsASecondFence shows that on PostgreSQL a query that
// forgets the scoping condition still sees only the municipalities set for the
// transaction, and that the application role cannot rewrite the audit trail.
func TestRowLevelSecurityIsASecondFence(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		if tg.Name != "postgres" {
			t.Skip("row-level security is a PostgreSQL feature; SQLite relies on the scoped SQL")
		}
		f := newFixture(t, tg)
		ctx := context.Background()
		if _, err := f.s.RegisterClient(ctx, f.helsinki, validClient("091", "010190-999W")); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.RegisterClient(ctx, f.espoo, validClient("049", "131052-308T")); err != nil {
			t.Fatal(err)
		}
		count := func(scope db.Scope) int {
			var n int
			err := f.s.DB().InScope(ctx, scope, func(tx *db.Tx) error {
				// Deliberately unscoped SQL.
				return tx.QueryRow(ctx, `SELECT COUNT(*) FROM clients`).Scan(&n)
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(db.NoMunicipalities); n != 0 {
			t.Errorf("no scope: %d clients visible, want 0", n)
		}
		if n := count(db.ScopeOf([]string{"091"})); n != 1 {
			t.Errorf("scope 091: %d clients visible, want 1", n)
		}
		if n := count(db.AllMunicipalities); n != 2 {
			t.Errorf("national scope: %d clients visible, want 2", n)
		}
		// A row of another municipality cannot be written into, either.
		err := f.s.DB().InScope(ctx, db.ScopeOf([]string{"091"}), func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE clients SET last_name = 'X' WHERE municipality_code = '049'`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := count(db.ScopeOf([]string{"049"})); n != 1 {
			t.Fatalf("049 client disappeared")
		}
		// The application role may not change or delete audit events.
		for _, q := range []string{`UPDATE audit_events SET actor_email = 'x'`, `DELETE FROM audit_events`} {
			err := f.s.DB().InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, q)
				return err
			})
			if err == nil {
				t.Errorf("%q succeeded as the application role", q)
			}
		}
	})
}
