package main

import (
	"bytes"
	"context"
	"database/sql"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

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
		conn := rawConn(t, tg)
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

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func rawConn(t *testing.T, tg testdb.Target) *sql.DB {
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

func TestServeShutsDownGracefully(t *testing.T) {
	tg := testdb.Targets(t)[0]
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out, errOut bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--db", tg.URL, "--addr", addr}, strings.NewReader(""), &out, &errOut)
	}()
	var resp *http.Response
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
	cancel()
	if err := <-done; err != nil {
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
