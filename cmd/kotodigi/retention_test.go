package main

import (
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestRetentionCommand: the dry run and the run print counts by class, and
// an audit retention under a year is refused.
func TestRetentionCommand(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		out, _, err := cli(t, "", "retention", "--dry-run", "--db="+tg.URL)
		if err != nil || !strings.HasSuffix(strings.TrimSpace(out), "would remove 0 clients, 0 case records, 0 audit events, 0 sign-in records") {
			t.Fatalf("dry run: %q %v", out, err)
		}
		out, _, err = cli(t, "", "retention", "--db="+tg.URL, "--retention-clients=43800h")
		if err != nil || !strings.Contains(out, "removed 0 clients") {
			t.Fatalf("run: %q %v", out, err)
		}
		if _, _, err := cli(t, "", "retention", "--db="+tg.URL, "--audit-retention=100h"); err == nil {
			t.Error("an audit retention of 100h was accepted")
		}
	})
}
