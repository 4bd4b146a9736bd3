package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/jobs"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestJobsPageShowsFailingJobs: KEHA-keskus' administrator and log monitor
// see each background job's last run, last error, failures in a row and
// lag, in their language, as /readyz judges it; nobody else does.
func TestJobsPageShowsFailingJobs(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		e := newAdminEnvWith(t, tg, store.Options{Clock: func() time.Time { return now }})
		ctx := context.Background()
		s := e.store
		// The retention job fails three runs in a row; the anomaly job runs fine.
		if err := s.EnsureJob(ctx, jobs.AuditRetention, 24*time.Hour); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if _, ok, err := s.LeaseJob(ctx, jobs.AuditRetention, "test", time.Minute); !ok || err != nil {
				t.Fatalf("lease: %v %v", ok, err)
			}
			run := store.JobRun{Error: "PostgreSQL error SQLSTATE 57014"}
			if i == 2 {
				run.Next = 24 * time.Hour
			}
			if _, _, err := s.FinishJob(ctx, jobs.AuditRetention, "test", run); err != nil {
				t.Fatal(err)
			}
		}
		if err := jobs.New(s, jobs.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil))).RunDue(ctx); err != nil {
			t.Fatal(err)
		}

		adm := e.signedIn(kehaAdmin)
		home := adm.get("/")
		mustContain(t, "KEHA admin's navigation", home.body, `<a href="/monitoring/jobs">Taustatyöt</a>`)
		p := adm.get("/monitoring/jobs")
		wantStatus(t, "jobs page", p, http.StatusOK)
		mustContain(t, "jobs page", p.body, "<title>Taustatöiden tila – Koto-digi</title>", `aria-current="page">Taustatyöt</a>`,
			`<h2 id="job-anomaly_detection">Lokivalvonta: poikkeamien tunnistus</h2>`, `<h2 id="job-audit_retention">Lokitapahtumien säilytysaika</h2>`,
			`<span class="tag tag-warning">Epäonnistuu</span>`, `<span class="tag ">Kunnossa</span>`, "<strong>3</strong>",
			`<code lang="en">PostgreSQL error SQLSTATE 57014</code>`, "1 min", "1 vrk",
			// The anomaly job examined the whole trail: nothing waits.
			"0 tapahtumaa, 0 s jäljessä uusimmasta", "25.11.2026 klo 12.00")

		mon := e.signedIn(logMonitor)
		mustContain(t, "log monitor's navigation", mon.get("/").body, `<a href="/monitoring/jobs">Taustatyöt</a>`)
		mon.post("/language", url.Values{"lang": {"sv"}, "next": {"/"}})
		mustContain(t, "jobs page in Swedish", mon.get("/monitoring/jobs").body, `<html lang="sv">`, "Bakgrundsjobbens status", "Misslyckanden i rad", "Misslyckas", "1 dygn")
		mon.post("/language", url.Values{"lang": {"en"}, "next": {"/"}})
		mustContain(t, "jobs page in English", mon.get("/monitoring/jobs").body, `<html lang="en">`, "Background jobs", "Failures in a row", "Failing", "1 d")

		// A worker and a main user have neither the link nor the page.
		for _, who := range []string{helsinkiWorker, helsinkiMain} {
			b := e.signedIn(who)
			mustNotContain(t, who+"'s navigation", b.get("/").body, `href="/monitoring/jobs"`)
			wantStatus(t, who+" opens the jobs page", b.get("/monitoring/jobs"), http.StatusForbidden)
		}
		// Reading the page is audited (a refused national page is refused
		// by the server before the store, as the other national pages are).
		events, err := s.AuditEvents(ctx, store.OperatorActor(), store.AuditFilter{Action: "job.read", Outcome: "allowed"})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 3 || events[0].ActorEmail != logMonitor {
			t.Errorf("job.read events: %d, want the 3 page views", len(events))
		}
	})
}
