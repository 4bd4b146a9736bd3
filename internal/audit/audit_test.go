package audit_test

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// trail makes a store with some audit events (account creations by the
// operator) spread over the chains, and a raw connection as the tables' owner
// (an attacker with database access).
func trail(t *testing.T, tg testdb.Target, now time.Time, events int) (*store.Store, *sql.DB) {
	return trailWith(t, tg, store.Options{Clock: func() time.Time { return now }, AuditShards: 4}, events)
}

// trailWith is trail with the store's options given.
func trailWith(t *testing.T, tg testdb.Target, opts store.Options, events int) (*store.Store, *sql.DB) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, tg.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for i := range events {
		if _, err := s.CreateAccount(ctx, store.OperatorActor(), store.NewAccount{Email: "p" + strconv.Itoa(i) + "@hel.example", Name: "P", OrganisationID: "municipality:091"}); err != nil {
			t.Fatal(err)
		}
	}
	return s, tg.Raw(t)
}

func verify(t *testing.T, s *store.Store) audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), s.DB())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// busiest is the chain with the most events (it has at least 6 of 24 in 4 chains).
const busiest = `(SELECT shard FROM audit_events GROUP BY shard ORDER BY COUNT(*) DESC LIMIT 1)`

func TestVerifyDetectsTampering(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for name, tamper := range map[string]struct {
		sql  []string
		want string // part of the report
	}{
		"changed":          {[]string{`UPDATE audit_events SET detail = 'nothing to see' WHERE id = (SELECT MIN(id) + 3 FROM audit_events)`}, "changed"},
		"removed (middle)": {[]string{`DELETE FROM audit_events WHERE id = (SELECT MIN(id) FROM audit_events WHERE seq = 2)`}, "removed or moved"},
		"removed (end)":    {[]string{`DELETE FROM audit_events WHERE id = (SELECT MAX(id) FROM audit_events)`}, "removed"},
		"inserted": {[]string{`INSERT INTO audit_events (shard, seq, at, actor_email, action, outcome, prev_hash, hash)
			SELECT shard, seq + 1000, at, 'ghost@example.org', 'client.read', 'allowed', hash, hash FROM audit_events WHERE id = (SELECT MAX(id) FROM audit_events)`}, "event"},
		"reordered": {[]string{
			`UPDATE audit_events SET seq = -1 WHERE shard = ` + busiest + ` AND seq = 2`,
			`UPDATE audit_events SET seq = 2 WHERE shard = ` + busiest + ` AND seq = 3`,
			`UPDATE audit_events SET seq = 3 WHERE shard = ` + busiest + ` AND seq = -1`,
		}, "event"},
	} {
		t.Run(name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, tg testdb.Target) {
				s, conn := trail(t, tg, now, 24)
				if rep := verify(t, s); rep.Broken != "" || rep.Events < 24 {
					t.Fatalf("intact trail reported %+v", rep)
				}
				for _, q := range tamper.sql {
					if _, err := conn.Exec(q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				rep := verify(t, s)
				if rep.Broken == "" || !strings.Contains(rep.Broken, tamper.want) {
					t.Fatalf("tampering not detected: %+v", rep)
				}
			})
		})
	}
}

func TestRetentionKeepsTheChainVerifiable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		old := time.Date(2020, 1, 10, 10, 0, 0, 0, time.UTC)
		s, _ := trail(t, tg, old, 10)
		// Six years later: more events, then the retention job.
		now := old.AddDate(6, 0, 0)
		later, err := store.Open(context.Background(), tg.URL, store.Options{Clock: func() time.Time { return now }, AuditShards: 4})
		if err != nil {
			t.Fatal(err)
		}
		defer later.Close()
		for i := range 5 {
			if _, err := later.CreateAccount(context.Background(), store.OperatorActor(), store.NewAccount{Email: "new" + strconv.Itoa(i) + "@hel.example", Name: "N", OrganisationID: "municipality:091"}); err != nil {
				t.Fatal(err)
			}
		}
		before := verify(t, later)
		n, err := later.ApplyAuditRetention(context.Background(), store.DefaultAuditRetention)
		if err != nil {
			t.Fatal(err)
		}
		if n != 10 {
			t.Errorf("removed %d events, want the 10 old ones", n)
		}
		after := verify(t, later)
		if after.Broken != "" {
			t.Fatalf("chain broken after retention: %s", after.Broken)
		}
		if after.Events != before.Events-n+1 {
			t.Errorf("events after retention: %d, want %d (the rest plus the retention record)", after.Events, before.Events-n+1)
		}
		if _, err := later.ApplyAuditRetention(context.Background(), 24*time.Hour); err == nil {
			t.Error("retention shorter than a year was accepted")
		}
		_ = s
	})
}
