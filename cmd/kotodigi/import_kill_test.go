package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// buildKotodigi builds the command once for the test.
func buildKotodigi(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kotodigi")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type importCounts struct {
	clients, distinctSources, statuses, auditedRecords, services, distinctServiceSources int
}

func countImported(t *testing.T, s *store.Store) importCounts {
	t.Helper()
	ctx := context.Background()
	var c importCounts
	read := func(fn func(*db.Tx) error) error { return s.DB().InScope(ctx, db.AllMunicipalities, fn) }
	if s.DB().Dialect == db.SQLite {
		read = func(fn func(*db.Tx) error) error { return s.DB().InReadTx(ctx, fn) } // beside the importer's writes
	}
	err := read(func(tx *db.Tx) error {
		for q, dst := range map[string]*int{
			`SELECT COUNT(*) FROM clients`:                   &c.clients,
			`SELECT COUNT(DISTINCT source_id) FROM clients`:  &c.distinctSources,
			`SELECT COUNT(*) FROM jobseeker_statuses`:        &c.statuses,
			`SELECT COUNT(*) FROM services`:                  &c.services,
			`SELECT COUNT(DISTINCT source_id) FROM services`: &c.distinctServiceSources,
		} {
			if err := tx.QueryRow(ctx, q).Scan(dst); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `SELECT detail FROM audit_events WHERE action = 'client.import'`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d string
			if err := rows.Scan(&d); err != nil {
				return err
			}
			for _, f := range strings.Fields(d) {
				if n, ok := strings.CutPrefix(f, "records="); ok {
					k, _ := strconv.Atoi(n)
					c.auditedRecords += k
				}
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// settledCounts counts once the database has settled after a kill: on
// PostgreSQL a COMMIT the killed process had already sent still completes on
// the server after the process is gone, and the counts are separate
// statements, so they are read until two readings agree.
func settledCounts(t *testing.T, s *store.Store) importCounts {
	t.Helper()
	prev := countImported(t, s)
	for range 100 {
		time.Sleep(100 * time.Millisecond)
		c := countImported(t, s)
		if c == prev {
			return c
		}
		prev = c
	}
	t.Fatalf("the counts never settled: %+v", prev)
	return prev
}

// An import killed with SIGKILL at any moment, run again with the same
// command, completes the job with nothing stored twice: every batch is
// wholly stored (clients, their jobseeker status and the batch's audit
// event) or not at all. The built binary runs as a subprocess on a big file
// and is killed several times mid-way, on both engines.
func TestImportSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports a big file")
	}
	bin := buildKotodigi(t)
	const n = 20_000
	clients, _, _, services, err := bigFiles(t.TempDir(), n)
	if err != nil {
		t.Fatal(err)
	}
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		s, err := store.Open(ctx, tg.URL, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for _, file := range []struct {
			kind, path string
			stored     func(importCounts) int
		}{{"clients", clients, func(c importCounts) int { return c.clients }}, {"services", services, func(c importCounts) int { return c.services }}} {
			args := []string{"import", "--db=" + tg.URL, "--municipality", "091", "--kind", file.kind, "--batch", "500", file.path}
			kills := 0
			for target := n / 10; target < n && kills < 3; target += n / 4 {
				cmd := exec.Command(bin, args...)
				var errOut bytes.Buffer
				cmd.Stderr = &errOut
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				deadline := time.Now().Add(2 * time.Minute)
				for file.stored(countImported(t, s)) < target && time.Now().Before(deadline) {
					time.Sleep(5 * time.Millisecond)
				}
				_ = cmd.Process.Signal(syscall.SIGKILL)
				werr := cmd.Wait()
				if werr == nil {
					break // finished before the kill: nothing more to interrupt
				}
				kills++
				c := settledCounts(t, s)
				if c.clients != c.distinctSources || c.clients != c.statuses || c.services != c.distinctServiceSources ||
					c.auditedRecords != c.clients+c.services || file.stored(c)%500 != 0 {
					t.Fatalf("%s killed at %d: half a batch or a duplicate: %+v", file.kind, target, c)
				}
			}
			if kills == 0 {
				t.Logf("%s: the import finished before it could be killed", file.kind)
			}
			out, err := exec.Command(bin, args...).Output()
			if err != nil {
				t.Fatalf("%s after %d kills: %v", file.kind, kills, err)
			}
			c := countImported(t, s)
			last := lastLine(string(out))
			var imported, skipped int
			if _, err := fmt.Sscanf(last, "imported %d, skipped %d, rejected 0", &imported, &skipped); err != nil || imported+skipped != n {
				t.Errorf("%s: %q", file.kind, last)
			}
			if file.stored(c) != n || c.clients != c.distinctSources || c.clients != c.statuses || c.auditedRecords != c.clients+c.services {
				t.Errorf("%s after %d kills and a re-run: %+v", file.kind, kills, c)
			}
			if kills > 0 && skipped == 0 {
				t.Errorf("%s: killed %d times, yet the re-run skipped nothing", file.kind, kills)
			}
		}
	})
}
