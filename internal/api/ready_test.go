package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/api"
	"github.com/kotodigi/kotodigi/internal/jobs"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestReadinessNamesFailingAndStuckJobs: GET /readyz answers 503 naming a
// job that failed MaxFailures runs in a row or is stuck past the threshold,
// and 200 again once it recovers; GET /healthz keeps answering 200 all the
// while (CONTRACT.md). No authentication, and only job names in the body.
func TestReadinessNamesFailingAndStuckJobs(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		var mu sync.Mutex
		now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
		s, err := store.Open(ctx, tg.URL, store.Options{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		srv := server.New(server.Config{}, s, locale.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)))
		srv.JobHealth = jobs.Health{MaxFailures: 2, StaleAfter: 10 * time.Minute}
		srv.Mount(api.Routes(srv))
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(ts.Close)
		get := func(path string) (int, map[string]any) {
			t.Helper()
			resp, err := http.Get(ts.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode, body
		}
		want := func(what string, status int, failing, stuck []any) {
			t.Helper()
			st, body := get("/readyz")
			wantBody := map[string]any{"status": map[bool]string{true: "ok", false: "unavailable"}[status == 200], "failing_jobs": failing, "stuck_jobs": stuck}
			if st != status || !reflect.DeepEqual(body, wantBody) {
				t.Errorf("%s: /readyz %d %v, want %d %v", what, st, body, status, wantBody)
			}
			if st, _ := get("/healthz"); st != 200 {
				t.Errorf("%s: /healthz %d, want 200", what, st)
			}
		}
		none := []any{}
		want("before any job ran", 200, none, none)

		runner := jobs.New(s, jobs.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err := runner.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		want("after a good run", 200, none, none)

		// Another instance's mail job fails: once is not yet a problem,
		// twice is; a success ends it.
		if err := s.EnsureJob(ctx, jobs.Mail, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		mailRun := func(errText string) {
			t.Helper()
			if _, ok, err := s.LeaseJob(ctx, jobs.Mail, "other-instance", time.Minute); !ok || err != nil {
				t.Fatalf("lease: %v %v", ok, err)
			}
			if _, _, err := s.FinishJob(ctx, jobs.Mail, "other-instance", store.JobRun{Error: errText}); err != nil {
				t.Fatal(err)
			}
		}
		mailRun("network timeout")
		want("after one failure", 200, none, none)
		mailRun("network timeout")
		want("after two failures in a row", 503, []any{"mail"}, none)
		mailRun("")
		want("after a success", 200, none, none)

		// No instance runs the jobs any more: stuck once more than ten
		// minutes overdue (the daily retention job is not due yet).
		advance(10 * time.Minute)
		want("ten minutes without a run", 200, none, none)
		advance(2 * time.Minute)
		want("twelve minutes without a run", 503, none, []any{"anomaly_detection", "mail"})
		if err := runner.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		mailRun("")
		want("after the jobs ran again", 200, none, none)

		// A job left in the table that this instance does not run is not judged.
		if err := s.EnsureJob(ctx, "retired", time.Minute); err != nil {
			t.Fatal(err)
		}
		advance(time.Hour)
		srv.JobHealth.Jobs = runner.Names()
		if err := runner.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		want("a retired job an hour overdue", 200, none, none)
		srv.JobHealth.Jobs = nil
		want("judging every job in the table", 503, none, []any{"mail", "retired"})
	})
}
