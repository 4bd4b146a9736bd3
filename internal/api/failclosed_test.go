package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestAuditFailureFailsTheRequest: when the audit trail cannot be written,
// the request fails cleanly, nothing is stored and no personal data is
// returned (same transaction, fail closed).
func TestAuditFailureFailsTheRequest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		w := "worker@hel.example"
		_, c := e.do(w, "POST", "/api/v1/clients", client("010190-999W"))
		id := c["id"].(string)

		// Break the audit trail underneath the application, as the owner would
		// (e.g. a full disk or a locked table makes the insert fail likewise).
		conn := tg.Raw(t)
		if _, err := conn.ExecContext(context.Background(), `DELETE FROM audit_chain_heads`); err != nil {
			t.Fatal(err)
		}

		st, got := e.do(w, "GET", "/api/v1/clients/"+id, nil)
		if st != 500 || strings.Contains(toJSON(got), "Yusuf") || got["code"] != "internal" {
			t.Errorf("read with a broken audit trail: %d %v", st, got)
		}
		st, got = e.do(w, "POST", "/api/v1/clients", client("131052-308T"))
		if st != 500 {
			t.Errorf("registration with a broken audit trail: %d %v", st, got)
		}
		st, got = e.do(w, "PATCH", "/api/v1/clients/"+id, map[string]any{"last_name": "Changed"})
		if st != 500 {
			t.Errorf("change with a broken audit trail: %d %v", st, got)
		}
		var n int
		if err := conn.QueryRow(`SELECT COUNT(*) FROM clients`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		var last string
		if err := conn.QueryRow(`SELECT last_name FROM clients`).Scan(&last); err != nil {
			t.Fatal(err)
		}
		if n != 1 || last != "Yusuf" {
			t.Errorf("stored without an audit event: %d clients, last name %q", n, last)
		}
	})
}
