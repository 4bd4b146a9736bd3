package audit_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// trailDigest is everything the audit trail holds, as the owner sees it.
func trailDigest(t *testing.T, owner *sql.DB) string {
	t.Helper()
	var events, clients, checkpoints string
	if err := owner.QueryRow(`SELECT count(*) || ':' || COALESCE(md5(string_agg(id || ',' || shard || ',' || seq || ',' || detail || ',' || encode(hash, 'hex'), ';' ORDER BY id)), '')
		FROM audit_events`).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if err := owner.QueryRow(`SELECT count(*) || ':' || COALESCE(md5(string_agg(event_id || ',' || client_id, ';' ORDER BY event_id, client_id)), '')
		FROM audit_event_clients`).Scan(&clients); err != nil {
		t.Fatal(err)
	}
	if err := owner.QueryRow(`SELECT count(*) || ':' || COALESCE(md5(string_agg(shard || ',' || seq || ',' || encode(hash, 'hex'), ';' ORDER BY shard)), '')
		FROM audit_checkpoints`).Scan(&checkpoints); err != nil {
		t.Fatal(err)
	}
	return "events " + events + " clients " + clients + " checkpoints " + checkpoints
}

// hostileValues are argument values to call a SECURITY DEFINER function
// with, by argument type: what an attacker holding the application role
// would try (times in the future or at infinity, negative and zero periods,
// extreme numbers, empty and wildcard text). NULL is tried for every type.
var hostileValues = map[string][]string{
	"interval": {`'-1000 years'`, `'-1 day'`, `'0'`, `'1 microsecond'`, `'1 day'`, `'364 days 23:59:59'`, `'11 months'`, `'-infinity'`},
	"timestamp with time zone": {`'infinity'`, `'-infinity'`, `now() + interval '1 day'`, `now() + interval '367 days'`,
		`now() + interval '1000 years'`, `'1970-01-01'`},
	"timestamp without time zone": {`'infinity'`, `'-infinity'`, `now() + interval '367 days'`, `'1970-01-01'`},
	"date":                        {`'infinity'`, `'-infinity'`, `current_date + 367`},
	"integer":                     {`-1`, `0`, `2147483647`},
	"bigint":                      {`-1`, `0`, `9223372036854775807`},
	"smallint":                    {`-1`, `0`, `32767`},
	"numeric":                     {`-1`, `0`, `1e100`},
	"text":                        {`''`, `'*'`, `'x''; DELETE FROM audit_events; --'`},
	"boolean":                     {`true`, `false`},
	"bytea":                       {`'\x'`, `'\x00'`},
	"uuid":                        {`'00000000-0000-0000-0000-000000000000'`},
}

// argCombinations returns the argument lists to try for a function taking
// types (at most limit of them).
func argCombinations(types []string, limit int) ([][]string, error) {
	combos := [][]string{nil}
	for _, typ := range types {
		vals, ok := hostileValues[typ]
		if !ok {
			return nil, fmt.Errorf("no hostile values for argument type %q: add some to hostileValues", typ)
		}
		vals = append([]string{"NULL"}, vals...)
		var next [][]string
		for _, c := range combos {
			for _, v := range vals {
				if len(next) < limit {
					next = append(next, append(append([]string{}, c...), v+"::"+typ))
				}
			}
		}
		combos = next
	}
	return combos, nil
}

// TestRuntimeLoginCannotChangeTheAuditTrail connects as the runtime login of
// the production set-up (kotodigi runs with --db as that login and
// --migrate-db as the owner) and tries everything that login could do to
// audit events: change, delete or truncate them as the application role,
// leave the role with RESET ROLE and try again, become the owner with SET
// ROLE, and call every SECURITY DEFINER function of the schema with hostile
// arguments. None may change or remove an event.
func TestRuntimeLoginCannotChangeTheAuditTrail(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		if tg.Name != "postgres" {
			t.Skip("roles are PostgreSQL's; on SQLite whoever runs kotodigi owns the file (audit.Trail.Retain checks retention in Go)")
		}
		ctx := context.Background()
		owner, err := sql.Open("pgx", tg.URL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { owner.Close() })
		// Migrate as the owner first: the application role must exist
		// before the runtime login can be made a member of it.
		od, err := db.Open(ctx, tg.URL)
		if err != nil {
			t.Fatal(err)
		}
		if err := od.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		od.Close()
		runtimeURL := testdb.RuntimeLogin(t, tg.URL, db.AppRole)

		// kotodigi as the runtime login, migrating through the owner: events
		// written now (by the real clock, so no legitimate retention may
		// remove them), some with shown clients.
		s, err := store.Open(ctx, runtimeURL, store.Options{MigrateDB: tg.URL, Clock: time.Now, AuditShards: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if can, err := s.DB().SessionCanBecomeOwner(ctx); err != nil || can {
			t.Fatalf("the runtime login can become the owner: %v %v", can, err)
		}
		for i := range 6 {
			if _, err := s.CreateAccount(ctx, store.OperatorActor(), store.NewAccount{Email: "r" + strconv.Itoa(i) + "@hel.example", Name: "R", OrganisationID: "municipality:091"}); err != nil {
				t.Fatal(err)
			}
		}
		tr := audit.NewTrail(4)
		if err := s.DB().InTx(ctx, func(tx *db.Tx) error {
			_, err := tr.Append(ctx, tx, audit.Event{At: time.Now(), ActorEmail: "operator:test", Action: "client.search", Outcome: audit.Allowed,
				ClientIDs: []string{"7d3f8a52-3a5e-4d8e-9f45-0a1b2c3d4e5f", "8e4a9b63-4b6f-4e9f-8a56-1b2c3d4e5f60"}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		before := trailDigest(t, owner)
		if !strings.HasPrefix(before, "events 7:") || !strings.Contains(before, "clients 2:") {
			t.Fatalf("trail to attack: %s", before)
		}

		conn, err := sql.Open("pgx", runtimeURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		conn.SetMaxOpenConns(1) // one session: SET ROLE and RESET ROLE stick
		exec := func(q string) error {
			_, err := conn.ExecContext(ctx, q)
			return err
		}
		var ownerRole string
		if err := owner.QueryRow(`SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'audit_events'::regclass`).Scan(&ownerRole); err != nil {
			t.Fatal(err)
		}
		tamper := []string{
			`UPDATE audit_events SET detail = 'nothing to see'`,
			`DELETE FROM audit_events`,
			`TRUNCATE audit_events CASCADE`,
			`UPDATE audit_event_clients SET client_id = '00000000-0000-0000-0000-000000000000'`,
			`DELETE FROM audit_event_clients`,
			`TRUNCATE audit_event_clients`,
			`DELETE FROM audit_chain_heads`,
			`INSERT INTO audit_checkpoints (shard, seq, hash, cut_at, removed) SELECT shard, seq, hash, now(), 0 FROM audit_events`,
			`UPDATE audit_checkpoints SET seq = seq + 1`, // only the seal may be written, by retention
			`ALTER TABLE audit_events DISABLE ROW LEVEL SECURITY`,
			`DROP TABLE audit_event_clients`,
		}
		try := func(as string) {
			t.Helper()
			for _, q := range tamper {
				if err := exec(`BEGIN; SELECT set_config('kotodigi.municipalities', '*', true); ` + q + `; COMMIT`); err == nil {
					t.Errorf("as %s: %q succeeded", as, q)
				}
				_ = exec(`ROLLBACK`)
			}
		}
		if err := exec(`SET ROLE ` + db.AppRole); err != nil {
			t.Fatal(err)
		}
		try("the application role")
		if err := exec(`RESET ROLE`); err != nil {
			t.Fatal(err)
		}
		try("the runtime login after RESET ROLE")
		for _, q := range []string{`SET ROLE ` + ownerRole, `SET ROLE postgres`, `SET SESSION AUTHORIZATION ` + ownerRole} {
			if err := exec(q); err == nil {
				t.Errorf("the runtime login could %q", q)
				try("the owner")
			}
		}
		_ = exec(`RESET ROLE`)

		// Every SECURITY DEFINER function of the schema, with hostile
		// arguments, as the application role and as the bare login.
		rows, err := owner.Query(`SELECT p.oid::regprocedure::text, p.proname,
				COALESCE((SELECT array_to_string(array_agg(format_type(a, NULL) ORDER BY n), ',') FROM unnest(p.proargtypes) WITH ORDINALITY AS x(a, n)), '')
			FROM pg_proc p WHERE p.prosecdef AND p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`)
		if err != nil {
			t.Fatal(err)
		}
		type fn struct{ sig, name, types string }
		var fns []fn
		for rows.Next() {
			var f fn
			if err := rows.Scan(&f.sig, &f.name, &f.types); err != nil {
				t.Fatal(err)
			}
			fns = append(fns, f)
		}
		rows.Close()
		if !slices.ContainsFunc(fns, func(f fn) bool { return f.name == "kotodigi_audit_retention" }) {
			t.Fatalf("SECURITY DEFINER functions found: %v (the enumeration misses the retention function)", fns)
		}
		for _, f := range fns {
			var types []string
			if f.types != "" {
				types = strings.Split(f.types, ",")
			}
			combos, err := argCombinations(types, 300)
			if err != nil {
				t.Errorf("%s: %v", f.sig, err)
				continue
			}
			for _, role := range []string{db.AppRole, ""} {
				for _, args := range combos {
					call := `SELECT * FROM ` + f.name + `(` + strings.Join(args, ", ") + `)`
					setRole := `RESET ROLE`
					if role != "" {
						setRole = `SET ROLE ` + role
					}
					_ = exec(setRole + `; BEGIN; SELECT set_config('kotodigi.municipalities', '*', true); ` + call + `; COMMIT`)
					_ = exec(`ROLLBACK`)
				}
			}
		}
		// The function works for the application role when called as meant
		// (so the calls above were refused for their arguments, not for a
		// lack of rights), and removes nothing that is not old enough.
		if err := exec(`SET ROLE ` + db.AppRole + `; BEGIN; SELECT * FROM kotodigi_audit_retention(interval '365 days'); COMMIT`); err != nil {
			t.Errorf("retention as the application role: %v", err)
		}
		if after := trailDigest(t, owner); after != before {
			t.Errorf("the runtime login changed the audit trail:\nbefore %s\nafter  %s", before, after)
		}
		rep, err := audit.Verify(ctx, s.DB())
		if err != nil || rep.Broken != "" || rep.Events != 7 {
			t.Errorf("verify after the attempts: %+v %v", rep, err)
		}
	})
}
