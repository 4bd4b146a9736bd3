// Package testdb gives tests real databases: a fresh SQLite file always, and a
// fresh PostgreSQL schema when KOTODIGI_TEST_POSTGRES names a server
// (postgres://user@host:port/db). Only tests import it.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	_ "modernc.org/sqlite"             // the "sqlite" driver
)

// Target is one database to run a test against.
type Target struct {
	Name string // "sqlite" or "postgres"
	URL  string // value for --db
}

// Targets returns a fresh SQLite file and, when configured, a fresh
// PostgreSQL schema, both removed when the test ends.
func Targets(t testing.TB) []Target {
	t.Helper()
	out := []Target{{Name: "sqlite", URL: "sqlite:" + filepath.Join(t.TempDir(), "kotodigi.db")}}
	if pg := os.Getenv("KOTODIGI_TEST_POSTGRES"); pg != "" {
		out = append(out, Target{Name: "postgres", URL: PostgresSchema(t, pg)})
	}
	return out
}

// Each runs fn as a subtest once per target.
func Each(t *testing.T, fn func(t *testing.T, target Target)) {
	t.Helper()
	for _, tg := range Targets(t) {
		t.Run(tg.Name, func(t *testing.T) { fn(t, tg) })
	}
}

// PostgresSchema creates an empty schema on the server named by base and
// returns a URL whose connections use it; the schema is dropped after the test.
func PostgresSchema(t testing.TB, base string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	conn, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	ctx := context.Background()
	if _, err := conn.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		conn.Close()
		t.Fatalf("postgres: KOTODIGI_TEST_POSTGRES is set but the server cannot be used: %v", err)
	}
	t.Cleanup(func() {
		_, _ = conn.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		conn.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres url: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Raw opens a plain connection to the target as its owner, beside kotodigi's
// own (no migrations, no application role): for tests that must reach under
// the application, such as breaking the audit trail as the owner could.
// It is closed when the test ends.
func (tg Target) Raw(t testing.TB) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite", strings.TrimPrefix(tg.URL, "sqlite:")
	if tg.Name == "postgres" {
		driver, dsn = "pgx", tg.URL
	}
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
