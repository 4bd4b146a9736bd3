package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/jobs"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

func TestJobsRunOnceAcrossInstancesAndResumeFromTheirCursor(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 23, 30, 0, 0, time.UTC) // 01:30 in Finland: unusual hours
		clock := func() time.Time { return now }
		a, err := store.Open(ctx, tg.URL, store.Options{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := store.Open(ctx, tg.URL, store.Options{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		one, two := jobs.New(a, jobs.Config{}, log), jobs.New(b, jobs.Config{}, log)

		// Two instances: a leased job is not taken by the other.
		if err := a.EnsureJob(ctx, "anomaly_detection", time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := a.LeaseJob(ctx, "anomaly_detection", "instance-a", time.Minute); !ok || err != nil {
			t.Fatalf("first lease: %v %v", ok, err)
		}
		if _, ok, _ := b.LeaseJob(ctx, "anomaly_detection", "instance-b", time.Minute); ok {
			t.Fatal("a leased job was taken by a second instance")
		}
		// An instance that died holding the lease does not block the job for ever.
		now = now.Add(2 * time.Minute)

		// Work at night: the detection job finds it.
		id, err := a.CreateAccount(ctx, store.OperatorActor(), store.NewAccount{Email: "w@hel.example", Name: "W", OrganisationID: "municipality:091"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.CreateGrant(ctx, store.OperatorActor(), store.NewGrant{Email: "w@hel.example", Municipality: "091", Role: "worker", Task: "t"}); err != nil {
			t.Fatal(err)
		}
		p, _ := a.PrincipalByAccountID(ctx, id)
		if _, err := a.SearchClients(ctx, store.Actor{Principal: p}, "yusuf"); err != nil {
			t.Fatal(err)
		}
		if err := one.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := a.Anomalies(ctx, store.OperatorActor(), "")
		if err != nil || len(got) != 1 || got[0].Rule != "unusual_hours" {
			t.Fatalf("anomalies after the first run: %+v %v", got, err)
		}
		// Not due again yet: the other instance does nothing; later it resumes after the cursor.
		if err := two.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		now = now.Add(24 * time.Hour)
		if _, err := a.SearchClients(ctx, store.Actor{Principal: p}, "yusuf"); err != nil {
			t.Fatal(err)
		}
		if err := two.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		got, _ = a.Anomalies(ctx, store.OperatorActor(), "")
		if len(got) != 2 {
			t.Fatalf("after the next night: %d anomalies, want 2 (one per night)", len(got))
		}
	})
}
