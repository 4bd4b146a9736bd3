package browsertest

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/jobs"
	"github.com/kotodigi/kotodigi/internal/store"
)

// TestJobsPage: KEHA-keskus' administrator and log monitor click from the
// front page to the background jobs page, which shows a failing job with its
// error and passes axe, in Finnish and in English.
func TestJobsPage(t *testing.T) {
	a := startApp(t)
	ctx := context.Background()
	if err := jobs.New(a.st, jobs.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil))).RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	// Another instance's mail job has failed three times in a row.
	if err := a.st.EnsureJob(ctx, jobs.Mail, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, ok, err := a.st.LeaseJob(ctx, jobs.Mail, "other-instance", time.Minute); !ok || err != nil {
			t.Fatalf("lease: %v %v", ok, err)
		}
		if _, _, err := a.st.FinishJob(ctx, jobs.Mail, "other-instance", store.JobRun{Error: "network timeout"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, user := range []string{"admin@keha.demo", "monitor@keha.demo"} {
		b := newBrowser(t, a)
		b.signIn(user)
		b.follow(user+": jobs page", 200, click(`nav a[href="/monitoring/jobs"]`))
		text := eval[string](b, `document.querySelector("main").innerText`)
		for _, want := range []string{msg("fi", "title.jobs"), msg("fi", "jobs.name.anomaly_detection"), msg("fi", "jobs.state.failing"), "network timeout"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the jobs page lacks %q:\n%s", user, want, text)
			}
		}
		b.switchLanguage("en", user+": jobs page in English")
		if text := eval[string](b, `document.querySelector("main").innerText`); !strings.Contains(text, msg("en", "jobs.field_failures")) {
			t.Errorf("%s: the English jobs page lacks %q", user, msg("en", "jobs.field_failures"))
		}
	}
}
