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

// TestStatisticsRefreshJob: the job publishes a snapshot at once and a new
// one each interval, never more often.
func TestStatisticsRefreshJob(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		s, err := store.Open(ctx, tg.URL, store.Options{Clock: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.PublishedSnapshot(ctx); err == nil {
			t.Fatal("a snapshot before any refresh")
		}
		runner := jobs.New(s, jobs.Config{StatisticsEvery: 15 * time.Minute}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		snapshot := func() int64 {
			t.Helper()
			if err := runner.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
			sn, err := s.PublishedSnapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return sn.ID
		}
		first := snapshot()
		now = now.Add(5 * time.Minute)
		if again := snapshot(); again != first {
			t.Errorf("refreshed again after 5 minutes: %d → %d", first, again)
		}
		now = now.Add(11 * time.Minute)
		if next := snapshot(); next <= first {
			t.Errorf("not refreshed after the interval: %d → %d", first, next)
		}
	})
}
