package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// cli runs the command in-process and returns stdout, stderr and the error
// main would turn into exit status 1.
func cli(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestOperatorCommands(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		db := "--db=" + tg.URL
		if out, _, err := cli(t, "", "migrate", db); err != nil || !strings.Contains(out, "applied") {
			t.Fatalf("migrate: %q %v", out, err)
		}
		if _, _, err := cli(t, "", "migrate", db); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		if _, _, err := cli(t, "a-very-long-password\n", "user", "add", db, "--email", "Main@Hel.Example", "--name", "Paula", "--org", "municipality:091", "--role", "main_user", "--password-stdin"); err != nil {
			t.Fatalf("user add: %v", err)
		}
		if _, _, err := cli(t, "", "user", "add", db, "--email", "w@hel.example", "--name", "Wilma", "--org", "municipality:091"); err != nil {
			t.Fatalf("user add: %v", err)
		}
		_, _, err := cli(t, "", "user", "add", db, "--email", "x@keha.example", "--name", "X", "--org", "keha", "--role", "main_user")
		if err == nil || !strings.Contains(oneLine(err), "main user must be a municipality") {
			t.Errorf("main_user for KEHA: %v", err)
		}
		_, _, err = cli(t, "", "user", "add", db, "--email", "w@hel.example", "--name", "Again", "--org", "municipality:091")
		if err == nil {
			t.Error("duplicate account accepted")
		}
		if _, _, err := cli(t, "", "grant", "add", db, "--email", "w@hel.example", "--municipality", "091", "--role", "worker", "--task", "§ 14", "--until", "2099-12-31"); err != nil {
			t.Fatalf("grant add: %v", err)
		}
		_, _, err = cli(t, "", "grant", "add", db, "--email", "w@hel.example", "--municipality", "049", "--role", "worker", "--task", "§ 14")
		if err == nil || !strings.Contains(oneLine(err), "own staff") {
			t.Errorf("grant from a municipality that does not employ the grantee: %v", err)
		}
		tok, _, err := cli(t, "", "token", "create", db, "--email", "w@hel.example", "--ttl", "1h")
		if err != nil || strings.Count(tok, "\n") != 1 || !strings.HasPrefix(tok, "kd_") {
			t.Fatalf("token create: %q %v", tok, err)
		}
		if out, _, err := cli(t, "", "audit", "verify", db); err != nil || !strings.Contains(out, "intact") {
			t.Fatalf("audit verify: %q %v", out, err)
		}
		// Heads published now are found in the trail later.
		heads, _, err := cli(t, "", "audit", "heads", db)
		if err != nil || !strings.Contains(heads, `"chain": 63`) {
			t.Fatalf("audit heads: %q %v", heads, err)
		}
		file := filepath.Join(t.TempDir(), "heads.json")
		if err := os.WriteFile(file, []byte(heads), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, _, err := cli(t, "", "audit", "verify", db, "--heads", file); err != nil || !strings.Contains(out, "heads published at") {
			t.Fatalf("audit verify --heads: %q %v", out, err)
		}
		if err := os.WriteFile(file, []byte(`{"taken":"2026-11-25T10:00:00Z","heads":[{"chain":0,"seq":1,"hash":"zz"}]}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := cli(t, "", "audit", "verify", db, "--heads", file); err == nil || !strings.Contains(err.Error(), "malformed hash") {
			t.Fatalf("a malformed heads file was accepted: %v", err)
		}
		if _, _, err := cli(t, "", "frobnicate", db); err == nil {
			t.Error("unknown command succeeded")
		}
	})
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		db := "--db=" + tg.URL
		for i, email := range []string{"a@hel.example", "b@hel.example", "c@hel.example"} {
			if _, _, err := cli(t, "", "user", "add", db, "--email", email, "--name", "N", "--org", "municipality:091"); err != nil {
				t.Fatal(i, err)
			}
		}
		conn := tg.Raw(t)
		var id int64
		if err := conn.QueryRow(`SELECT MIN(id) FROM audit_events`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(`UPDATE audit_events SET actor_email = 'someone@else.example' WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		_, _, err := cli(t, "", "audit", "verify", db)
		if err == nil || !strings.Contains(err.Error(), "event "+itoa(id)) {
			t.Fatalf("changed event not named: %v", err)
		}
	})
}

// TestProductionSetUpOnPostgreSQL: with --migrate-db naming the schema's
// owner, every command works with --db as a runtime login that owns nothing
// (each migrates first, through the owner), and that login cannot migrate by
// itself but needs not once the schema is up to date.
func TestProductionSetUpOnPostgreSQL(t *testing.T) {
	base := os.Getenv("KOTODIGI_TEST_POSTGRES")
	if base == "" {
		t.Skip("KOTODIGI_TEST_POSTGRES is not set")
	}
	// The application role is cluster-wide; it exists once any schema is migrated.
	if _, _, err := cli(t, "", "migrate", "--db="+testdb.PostgresSchema(t, base)); err != nil {
		t.Fatal(err)
	}
	owner := testdb.PostgresSchema(t, base)
	runtime := testdb.RuntimeLogin(t, owner, db.AppRole)
	if _, _, err := cli(t, "", "migrate", "--db="+runtime); err == nil {
		t.Fatal("the runtime login created the schema by itself")
	}
	both := []string{"--db=" + runtime, "--migrate-db=" + owner}
	steps := [][]string{
		{"user", "add", "--email", "w@hel.example", "--name", "Wilma", "--org", "municipality:091"},
		{"migrate"},
		{"grant", "add", "--email", "w@hel.example", "--municipality", "091", "--role", "worker", "--task", "§ 14"},
		{"token", "create", "--email", "w@hel.example"},
		{"audit", "verify"},
	}
	for _, step := range steps {
		if out, _, err := cli(t, "", append(step, both...)...); err != nil {
			t.Fatalf("%s: %q %v", strings.Join(step, " "), out, err)
		}
	}
	// Once the schema is up to date, the runtime login alone will do.
	if _, _, err := cli(t, "", "user", "add", "--db="+runtime, "--email", "v@hel.example", "--name", "Ville", "--org", "municipality:091"); err != nil {
		t.Fatalf("user add with the runtime login alone: %v", err)
	}
	var tables, ownedByRuntime int
	if err := (testdb.Target{Name: "postgres", URL: owner}).Raw(t).QueryRow(`SELECT count(*), count(*) FILTER (WHERE tableowner = 'kotodigi_test_runtime')
		FROM pg_tables WHERE schemaname = current_schema()`).Scan(&tables, &ownedByRuntime); err != nil {
		t.Fatal(err)
	}
	if tables < 20 || ownedByRuntime != 0 {
		t.Errorf("%d tables, %d owned by the runtime login", tables, ownedByRuntime)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// serveInBackground runs `kotodigi serve` with args on a free loopback
// address; stop ends it as SIGTERM would and returns what serve returned.
// Read out and errOut only after stop.
func serveInBackground(t *testing.T, args ...string) (addr string, out, errOut *bytes.Buffer, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	out, errOut = &bytes.Buffer{}, &bytes.Buffer{}
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", addr}, args...), strings.NewReader(""), out, errOut)
	}()
	return addr, out, errOut, func() error {
		cancel()
		return <-done
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	tg := testdb.Targets(t)[0]
	addr, out, errOut, stop := serveInBackground(t, "--demo", "--db", tg.URL)
	var resp *http.Response
	var err error
	for i := 0; i < 200; i++ {
		resp, err = http.Get("http://" + addr + "/healthz")
		if err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("server did not come up: %v (%s)", err, errOut.String())
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v after SIGTERM-equivalent", err)
	}
	if !strings.Contains(errOut.String(), "http://"+addr+"/") || !strings.Contains(errOut.String(), "worker@helsinki.demo") {
		t.Errorf("serve --demo did not print where to open it and how to sign in: %s", errOut.String())
	}
	for _, pii := range []string{"-9", "Yusuf", "Nguyễn"} {
		if strings.Contains(out.String(), pii) {
			t.Errorf("stdout log contains %q", pii)
		}
	}
}

func TestImport(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		db := "--db=" + tg.URL
		file := filepath.Join(t.TempDir(), "old-system.csv")
		data := "\ufeffsource_id;last_name;first_names;personal_identity_code;uma_number;date_of_birth;residence_basis_type;residence_valid_until;service_language;email\n" +
			"OLD-1;Yusuf;Amina;010190-999W;;;residence_permit;2099-06-30;fi;\n" +
			"OLD-2;Müller;Jürgen;010190-999X;;;residence_permit;2099-06-30;fi;\n" + // wrong check character
			"OLD-3;Nguyễn;Lan;;AB-77;1985-05-05;temporary_protection;2001-01-01;fi;\n" + // expired
			"OLD-4;García;Ana;;AB-78;1985-05-05;eu_registration;;sv;ana@example.org\n" +
			"OLD-5;Yusuf;Amina;010190-999W;;;residence_permit;2099-06-30;fi;\n" + // same person again
			"OLD-1;Yusuf;Amina;010190-999W;;;residence_permit;2099-06-30;fi;\n" // same source row again
		if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		last := func(out string) string {
			lines := strings.Split(strings.TrimSpace(out), "\n")
			return lines[len(lines)-1]
		}
		out, errOut, err := cli(t, "", "import", db, "--municipality", "091", "--dry-run", file)
		if err != nil || last(out) != "would import 2, skipped 1, rejected 3" {
			t.Fatalf("dry run: %q %q %v", out, errOut, err)
		}
		// Batches of two rows: on PostgreSQL two are stored at once, and
		// the rejections still come in the file's order.
		out, errOut, err = cli(t, "", "import", db, "--municipality", "091", "--batch", "2", file)
		if err != nil || last(out) != "imported 2, skipped 1, rejected 3" {
			t.Fatalf("import: %q %q %v", out, errOut, err)
		}
		at := -1
		for _, want := range []string{"line 3:", "line 4:", "line 6:"} {
			i := strings.Index(errOut, want)
			if i < at {
				t.Errorf("rejections lack %q or are out of order:\n%s", want, errOut)
			}
			at = i
		}
		for _, pii := range []string{"010190-999", "Müller", "Nguyễn", "AB-77"} {
			if strings.Contains(errOut+out, pii) {
				t.Errorf("output contains personal data %q", pii)
			}
		}
		out, _, err = cli(t, "", "import", db, "--municipality", "091", file)
		if err != nil || last(out) != "imported 0, skipped 3, rejected 3" {
			t.Fatalf("second import: %q %v", out, err)
		}
		if _, _, err := cli(t, "", "import", db, "--municipality", "091"); err == nil {
			t.Error("import without a file succeeded")
		}
		bad := filepath.Join(t.TempDir(), "bad.csv")
		_ = os.WriteFile(bad, []byte("name,age\nx,1\n"), 0o600)
		if _, _, err := cli(t, "", "import", db, "--municipality", "091", bad); err == nil {
			t.Error("a file with unknown columns was imported")
		}
	})
}

// TestAuditVerifyIsReadOnly: verify migrates nothing and writes nothing; a
// database that is not migrated (or not there) is said so, with exit 1.
func TestAuditVerifyIsReadOnly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		_, _, err := cli(t, "", "audit", "verify", "--db="+tg.URL)
		if err == nil || !(strings.Contains(err.Error(), "not migrated") || strings.Contains(err.Error(), "no database")) {
			t.Fatalf("verify of an empty database: %v", err)
		}
		if tg.Name == "sqlite" {
			if _, err := os.Stat(strings.TrimPrefix(tg.URL, "sqlite:")); !os.IsNotExist(err) {
				t.Errorf("verify created the database file: %v", err)
			}
		}
		if _, _, err := cli(t, "", "user", "add", "--db="+tg.URL, "--email", "a@hel.example", "--name", "N", "--org", "municipality:091"); err != nil {
			t.Fatal(err)
		}
		conn := tg.Raw(t)
		count := func() (n int) {
			if err := conn.QueryRow(`SELECT COUNT(*) FROM audit_events`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		out, _, err := cli(t, "", "audit", "verify", "--db="+tg.URL)
		if err != nil || !strings.Contains(out, "intact") || !strings.Contains(out, "seals not checked (no audit key given)") {
			t.Fatalf("verify: %q %v", out, err)
		}
		if after := count(); after != before {
			t.Errorf("verify wrote %d audit events", after-before)
		}
	})
}

// TestSealedServeAndVerify: serve with an audit key publishes signed heads
// into the directory given, on its own; verify with the key checks the seals
// and the published heads, and finds a changed event.
func TestSealedServeAndVerify(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		dir := t.TempDir()
		keyFile := filepath.Join(dir, "audit.key")
		if err := os.WriteFile(keyFile, []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		heads := filepath.Join(dir, "heads")
		if err := os.Mkdir(heads, 0o700); err != nil {
			t.Fatal(err)
		}
		keyed := []string{"--db=" + tg.URL, "--audit-key-file=" + keyFile}
		if _, _, err := cli(t, "", append([]string{"user", "add", "--email", "a@hel.example", "--name", "N", "--org", "municipality:091"}, keyed...)...); err != nil {
			t.Fatal(err)
		}
		if _, _, err := cli(t, "", "serve", "--db="+tg.URL, "--audit-heads-dir="+heads); err == nil || !strings.Contains(err.Error(), "needs the audit key") {
			t.Fatalf("heads without a key: %v", err)
		}
		_, out, errOut, stop := serveInBackground(t, append([]string{"--audit-heads-dir", heads}, keyed...)...)
		var files []string
		for i := 0; i < 400 && len(files) == 0; i++ {
			time.Sleep(50 * time.Millisecond)
			files, _ = filepath.Glob(filepath.Join(heads, "*.json"))
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if len(files) != 1 {
			t.Fatalf("serve published %d heads files (%s)", len(files), errOut.String())
		}
		if strings.Contains(out.String(), "no audit key") {
			t.Error("serve with a key warned that it has none")
		}
		res, _, err := cli(t, "", append([]string{"audit", "verify", "--heads", heads}, keyed...)...)
		if err != nil || !strings.Contains(res, "seals checked with the audit key") || !strings.Contains(res, "signature checked") {
			t.Fatalf("verify with the key and the published heads: %q %v", res, err)
		}
		if _, _, err := cli(t, "", "audit", "verify", "--db="+tg.URL, "--audit-key-file="+filepath.Join(dir, "missing")); err == nil {
			t.Error("a missing key file was ignored")
		}
		conn := tg.Raw(t)
		if _, err := conn.Exec(`UPDATE audit_events SET detail = 'x' WHERE id = (SELECT MIN(id) FROM audit_events)`); err != nil {
			t.Fatal(err)
		}
		if _, _, err := cli(t, "", append([]string{"audit", "verify"}, keyed...)...); err == nil || !strings.Contains(err.Error(), "broken") {
			t.Fatalf("changed event: %v", err)
		}
	})
}
