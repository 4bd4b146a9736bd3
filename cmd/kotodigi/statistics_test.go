package main

import (
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestStatisticsRefresh: `kotodigi statistics refresh` publishes a new
// snapshot each time it runs and exits 0 (CONTRACT.md § 3).
func TestStatisticsRefresh(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		db := "--db=" + tg.URL
		out, _, err := cli(t, "", "statistics", "refresh", db)
		if err != nil || !strings.HasPrefix(out, "statistics refreshed: snapshot 1,") {
			t.Fatalf("first refresh: %q %v", out, err)
		}
		out, _, err = cli(t, "", "statistics", "refresh", db, "--statistics-threshold", "3")
		if err != nil || !strings.HasPrefix(out, "statistics refreshed: snapshot 2,") {
			t.Fatalf("second refresh: %q %v", out, err)
		}
		if _, _, err := cli(t, "", "statistics", "refresh", db, "--statistics-threshold", "1"); err == nil {
			t.Error("a threshold of 1 (no suppression) was accepted")
		}
		if _, _, err := cli(t, "", "statistics", db); err == nil {
			t.Error("statistics without a subcommand succeeded")
		}
	})
}
