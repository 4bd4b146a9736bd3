package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// typeClass groups column types that the two engines spell differently
// (uuid and jsonb are text in SQLite, booleans are integers there, bigserial
// is an integer).
func typeClass(t string) string {
	t = strings.ToLower(t)
	switch {
	case strings.Contains(t, "int") || t == "bigserial" || t == "serial" || strings.Contains(t, "bool"):
		return "integer"
	case strings.HasPrefix(t, "timestamp"):
		return "timestamp"
	case t == "date":
		return "date"
	case t == "bytea" || t == "blob":
		return "bytes"
	case t == "real" || t == "double precision" || strings.HasPrefix(t, "numeric"):
		return "number"
	case t == "text" || t == "uuid" || t == "jsonb" || t == "json" || strings.HasPrefix(t, "character varying") || strings.HasPrefix(t, "varchar"):
		return "text"
	}
	return t
}

// schema lists "table.column type-class" for every column of every table
// after migration.
func schema(t *testing.T, tg testdb.Target) []string {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, tg.URL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	conn := tg.Raw(t)
	q := `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, column_name`
	if tg.Name == "sqlite" {
		q = `SELECT m.name, p.name, p.type FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY m.name, p.name`
	}
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var table, column string
		var typ sql.NullString
		if err := rows.Scan(&table, &column, &typ); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s.%s %s", table, column, typeClass(typ.String)))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSchemasAgree: after migration SQLite and PostgreSQL have the same
// tables with the same columns, of the same kind of type.
func TestSchemasAgree(t *testing.T) {
	targets := testdb.Targets(t)
	if len(targets) < 2 {
		t.Skip("needs PostgreSQL too (KOTODIGI_TEST_POSTGRES)")
	}
	lite, pg := schema(t, targets[0]), schema(t, targets[1])
	if len(lite) < 50 {
		t.Fatalf("only %d columns found in SQLite", len(lite))
	}
	set := func(xs []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range xs {
			m[x] = true
		}
		return m
	}
	ls, ps := set(lite), set(pg)
	var onlyLite, onlyPG []string
	for _, c := range slices.Sorted(maps.Keys(ls)) {
		if !ps[c] {
			onlyLite = append(onlyLite, c)
		}
	}
	for _, c := range slices.Sorted(maps.Keys(ps)) {
		if !ls[c] {
			onlyPG = append(onlyPG, c)
		}
	}
	if len(onlyLite) > 0 || len(onlyPG) > 0 {
		t.Errorf("schemas differ:\n only SQLite: %s\n only PostgreSQL: %s", strings.Join(onlyLite, "\n   "), strings.Join(onlyPG, "\n   "))
	}
}

// TestMergeSnapshotKeepsEveryClientColumn: a merge keeps the merged record
// in client_merge_snapshots to undo it exactly, so every column of clients
// must be there too, with the same kind of type (a migration that adds a
// column to clients adds it there as well).
func TestMergeSnapshotKeepsEveryClientColumn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		cols := map[string]bool{}
		var clients []string
		for _, c := range schema(t, tg) {
			if rest, ok := strings.CutPrefix(c, "client_merge_snapshots."); ok {
				cols[rest] = true
			}
			if rest, ok := strings.CutPrefix(c, "clients."); ok {
				clients = append(clients, rest)
			}
		}
		if len(clients) < 20 {
			t.Fatalf("clients has %d columns?", len(clients))
		}
		for _, c := range clients {
			if !cols[c] {
				t.Errorf("client_merge_snapshots lacks clients' column %s", c)
			}
		}
	})
}
