package testdb

import (
	"context"
	"database/sql"
	"net/url"
	"testing"
	"time"
)

// The test cluster's runtime login, as the README's production set-up on
// PostgreSQL describes it: it owns nothing, inherits nothing, and is only a
// member of the application role. Roles are cluster-wide, so every test
// process shares this one.
const (
	runtimeLogin    = "kotodigi_test_runtime"
	runtimePassword = "kotodigi-test-runtime"
)

// RuntimeLogin makes sure the runtime login exists and is a member of
// appRole (which the migrations, already applied through ownerURL, created),
// tolerating other processes doing the same at the same moment, and returns
// ownerURL with the runtime login's credentials instead of the owner's.
func RuntimeLogin(t testing.TB, ownerURL, appRole string) string {
	t.Helper()
	ctx := context.Background()
	owner, err := sql.Open("pgx", ownerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	for attempt := 0; ; attempt++ {
		_, err := owner.ExecContext(ctx, `DO $$
			BEGIN
				IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '`+runtimeLogin+`') THEN
					CREATE ROLE `+runtimeLogin+` LOGIN PASSWORD '`+runtimePassword+`' NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
				END IF;
			EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
			END $$`)
		if err == nil {
			_, err = owner.ExecContext(ctx, `GRANT `+appRole+` TO `+runtimeLogin)
		}
		var member bool
		if err == nil {
			err = owner.QueryRowContext(ctx, `SELECT pg_has_role($1, $2, 'MEMBER')`, runtimeLogin, appRole).Scan(&member)
		}
		if err == nil && member {
			break
		}
		if attempt == 20 {
			t.Fatalf("cannot create the runtime login: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // a concurrent CREATE or GRANT ("tuple concurrently updated"): again
	}
	u, err := url.Parse(ownerURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(runtimeLogin, runtimePassword)
	return u.String()
}
