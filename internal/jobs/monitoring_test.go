package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/jobs"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// monitoringEnv is a store with a controlled clock and a job runner whose
// log is kept, for walking realistic sequences through the real job loop.
type monitoringEnv struct {
	t    *testing.T
	ctx  context.Context
	s    *store.Store
	run  *jobs.Runner
	logs *syncBuffer
	mu   sync.Mutex
	now  time.Time
}

// syncBuffer is a log sink that the job loop and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

const testPassword = "monitoring-test-password"

func newMonitoringEnv(t *testing.T, tg testdb.Target, start time.Time, cfg jobs.Config) *monitoringEnv {
	t.Helper()
	e := &monitoringEnv{t: t, ctx: context.Background(), now: start, logs: &syncBuffer{}}
	s, err := store.Open(e.ctx, tg.URL, store.Options{Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e.s = s
	e.run = jobs.New(s, cfg, slog.New(slog.NewTextHandler(e.logs, nil)))
	return e
}

func (e *monitoringEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

// at sets the clock to a time in Finland.
func (e *monitoringEnv) at(year int, month time.Month, day, hour, minute int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = time.Date(year, month, day, hour, minute, 0, 0, store.Finland).UTC()
}

func (e *monitoringEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

// staff creates an account of municipality 091 with a password.
func (e *monitoringEnv) staff(email string) {
	e.t.Helper()
	if _, err := e.s.CreateAccount(e.ctx, store.OperatorActor(), store.NewAccount{Email: email, Name: "Staff " + email,
		OrganisationID: "municipality:091", Password: testPassword}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *monitoringEnv) grant(email, muni, role string, until *model.Date) int64 {
	e.t.Helper()
	g, err := e.s.CreateGrant(e.ctx, store.OperatorActor(), store.NewGrant{Email: email, Municipality: muni, Role: role, Task: "§ 80(2) task", ValidUntil: until})
	if err != nil {
		e.t.Fatal(err)
	}
	return g.ID
}

// signIn signs in with the password, as the sign-in page does, and returns
// the actor of the new session.
func (e *monitoringEnv) signIn(email string) store.Actor {
	e.t.Helper()
	_, sess, err := e.s.SignInWithPassword(e.ctx, email, testPassword, store.RequestMeta{RemoteAddr: "192.0.2.10", RequestID: "sign-in"})
	if err != nil {
		e.t.Fatalf("sign-in of %s: %v", email, err)
	}
	return store.Actor{Principal: sess.Principal, Meta: store.RequestMeta{RemoteAddr: "192.0.2.10", SessionRef: sess.Ref}}
}

// request gives the actor a new request id (pages and API calls have one each).
func request(a store.Actor, id string) store.Actor {
	a.Meta.RequestID = id
	return a
}

// register registers a client of municipality muni with a synthetic identity code.
func (e *monitoringEnv) register(a store.Actor, muni string, n int, lastName string) model.Client {
	e.t.Helper()
	code := model.SyntheticIdentityCode(time.Date(1985, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n), 900+n%100)
	until := model.Date{Year: 2030, Month: 12, Day: 31}
	c, err := e.s.RegisterClient(e.ctx, request(a, "register"), model.ClientFields{Municipality: muni, PersonalIdentityCode: &code,
		FirstNames: "Asiakas", LastName: lastName, ResidenceBasis: &model.ResidenceBasis{Type: "residence_permit", ValidUntil: &until},
		ServiceLanguage: "fi", RightToWork: "yes"})
	if err != nil {
		e.t.Fatalf("register client %d: %v", n, err)
	}
	return c
}

// runJobs runs the due jobs once, as every instance's loop does.
func (e *monitoringEnv) runJobs() {
	e.t.Helper()
	if err := e.run.RunDue(e.ctx); err != nil {
		e.t.Fatal(err)
	}
}

// anomalies are the rules of the anomalies a log monitor now sees, sorted.
func (e *monitoringEnv) anomalies() []store.Anomaly {
	e.t.Helper()
	list, err := e.s.Anomalies(e.ctx, store.OperatorActor(), "")
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

func rules(list []store.Anomaly) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.Rule)
	}
	slices.Sort(out)
	return out
}

// TestMonitoringSurvivesRepeatedSignInsAndRevokedGrants is issue 9's first
// finding: on SQLite the job failed for good at an account's second sign-in
// (and at an attempt after a revocation), because it scanned MAX(at), which
// SQLite returns as text. The job must keep running and find both.
func TestMonitoringSurvivesRepeatedSignInsAndRevokedGrants(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newMonitoringEnv(t, tg, time.Time{}, jobs.Config{})
		e.at(2026, time.March, 10, 11, 0) // a Tuesday morning
		e.staff("worker@hel.example")
		gid := e.grant("worker@hel.example", "091", "worker", nil)
		w := e.signIn("worker@hel.example")
		c := e.register(w, "091", 1, "Virtanen")
		e.runJobs()

		// The same account signs in again, after more than 90 days.
		e.at(2026, time.June, 18, 10, 0)
		w = e.signIn("worker@hel.example")
		if _, err := e.s.ClientByID(e.ctx, request(w, "r1"), c.ID); err != nil {
			t.Fatal(err)
		}
		e.runJobs()
		// Its grant is revoked, and it still tries to read the client.
		e.advance(5 * time.Minute)
		if err := e.s.RevokeGrant(e.ctx, store.OperatorActor(), gid); err != nil {
			t.Fatal(err)
		}
		p, err := e.s.PrincipalByAccountID(e.ctx, w.Principal.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		w.Principal = p
		e.advance(time.Minute)
		if _, err := e.s.ClientByID(e.ctx, request(w, "r2"), c.ID); err == nil {
			t.Fatal("a revoked grant still read the client")
		}
		e.runJobs()

		if strings.Contains(e.logs.String(), "job failed") {
			t.Errorf("a job failed:\n%s", e.logs.String())
		}
		got := rules(e.anomalies())
		for _, want := range []string{"dormant_sign_in", "grant_edge"} {
			if !slices.Contains(got, want) {
				t.Errorf("log monitoring found %v, not %s", got, want)
			}
		}
	})
}

// view is one client page view (one store call, one client.read).
func (e *monitoringEnv) view(a store.Actor, request string, clientID string) {
	e.t.Helper()
	a.Meta.RequestID = request
	if _, err := e.s.ClientView(e.ctx, a, clientID); err != nil {
		e.t.Fatalf("%s views a client: %v", a.Principal.Email, err)
	}
}

// refresh reloads the actor's grants, as the next request does.
func (e *monitoringEnv) refresh(a store.Actor) store.Actor {
	e.t.Helper()
	p, err := e.s.PrincipalByAccountID(e.ctx, a.Principal.AccountID)
	if err != nil {
		e.t.Fatal(err)
	}
	a.Principal = p
	return a
}

// job is the anomaly job's status (zero before its first run).
func (e *monitoringEnv) job() store.JobStatus {
	e.t.Helper()
	list, err := e.s.JobStatuses(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, j := range list {
		if j.Name == jobs.AnomalyDetection {
			return j
		}
	}
	return store.JobStatus{}
}

// runMonitoring runs the due jobs a minute after the last step and checks
// that the anomaly job ran, succeeded and examined the whole trail: its
// cursor advanced, and at the end of its run no audit event was left after
// it (the retention job that runs next writes one of its own).
func (e *monitoringEnv) runMonitoring() {
	e.t.Helper()
	e.advance(time.Minute)
	before := e.job().Cursor
	e.runJobs()
	j := e.job()
	switch {
	case j.LastRunAt == nil || !j.LastRunAt.Equal(e.clock()):
		e.t.Fatalf("the anomaly job did not run at %s: %+v", e.clock(), j)
	case j.ConsecutiveFailures != 0 || j.LastSuccessAt == nil || !j.LastSuccessAt.Equal(e.clock()):
		e.t.Fatalf("the anomaly job failed: %+v %s", j, e.logs)
	case j.Cursor <= before || j.Lag == nil || j.Lag.Events != 0:
		e.t.Fatalf("the cursor went from %d to %d, lag %+v", before, j.Cursor, j.Lag)
	}
}

// seen is what a log monitor sees: "rule account-email" of every anomaly,
// sorted.
func seen(list []store.Anomaly) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.Rule+" "+a.ActorEmail)
	}
	slices.Sort(out)
	return out
}

// TestLogMonitoringFindsEveryRuleThroughTheJobLoop walks a week (and a
// summer) of realistic work through the real job loop, one run a minute
// after each step, and checks what a log monitor sees: every rule fires for
// the account that did it, once, and nobody else is reported. Accounts sign
// in again and again, reads are page views, a
// burst of reads and one of reads without work span two runs, a denied
// reader tries five times, a worker works at night and on a Saturday, one
// search shows 35 clients, an account signs in after a summer away, one
// grant is used on its last day and one after its revocation.
func TestLogMonitoringFindsEveryRuleThroughTheJobLoop(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newMonitoringEnv(t, tg, time.Time{}, jobs.Config{})
		e.at(2026, time.March, 9, 8, 0) // Monday morning in Finland
		lastDay := model.Date{Year: 2026, Month: time.March, Day: 10}
		for _, email := range []string{"worker", "reader", "night", "searcher", "dormant", "leaving", "temp"} {
			e.staff(email + "@hel.example")
		}
		e.grant("worker@hel.example", "091", "worker", nil)
		e.grant("reader@hel.example", "091", "viewer", nil)
		e.grant("night@hel.example", "091", "worker", nil)
		e.grant("searcher@hel.example", "091", "viewer", nil)
		e.grant("dormant@hel.example", "091", "viewer", nil)
		e.grant("leaving@hel.example", "091", "viewer", &lastDay)
		tempGrant := e.grant("temp@hel.example", "091", "viewer", nil)
		if _, err := e.s.CreateAccount(e.ctx, store.OperatorActor(), store.NewAccount{Email: "snoop@esp.example", Name: "Snoop",
			OrganisationID: "municipality:049", Password: testPassword}); err != nil {
			t.Fatal(err)
		}
		e.grant("snoop@esp.example", "049", "worker", nil)
		e.runMonitoring()

		// Monday 09:00: the worker registers 35 clients and reads them all.
		e.at(2026, time.March, 9, 9, 0)
		worker := e.signIn("worker@hel.example")
		var clients []model.Client
		for i := range 35 {
			clients = append(clients, e.register(worker, "091", i, "Virtanen"))
		}
		for i, c := range clients[:25] {
			e.view(worker, fmt.Sprintf("w-%d", i), c.ID)
		}
		e.runMonitoring()
		e.at(2026, time.March, 9, 9, 5)
		e.signIn("dormant@hel.example")
		e.runMonitoring()

		// 10:00 a search shows all 35 Virtanens.
		e.at(2026, time.March, 9, 10, 0)
		searcher := e.signIn("searcher@hel.example")
		if found, err := e.s.SearchClients(e.ctx, request(searcher, "s-1"), "virtanen"); err != nil || len(found) != 35 {
			t.Fatalf("search: %d clients, %v", len(found), err)
		}
		e.runMonitoring()

		// 10:10 a viewer opens 30 client pages, a run, then 25 more: 55
		// page views within ten minutes, and 30 clients without work.
		e.at(2026, time.March, 9, 10, 10)
		reader := e.signIn("reader@hel.example")
		for i, c := range clients[:30] {
			e.view(reader, fmt.Sprintf("r-%d", i), c.ID)
		}
		e.runMonitoring()
		for i, c := range clients[:25] {
			e.view(reader, fmt.Sprintf("r-again-%d", i), c.ID)
		}
		e.runMonitoring()

		// 10:30 Espoo's worker tries Helsinki's clients five times.
		e.at(2026, time.March, 9, 10, 30)
		snoop := e.signIn("snoop@esp.example")
		for i := range 5 {
			if _, err := e.s.ClientByID(e.ctx, request(snoop, fmt.Sprintf("x-%d", i)), clients[i].ID); err == nil {
				t.Fatal("another municipality's worker read a client")
			}
			e.advance(30 * time.Second)
		}
		e.runMonitoring()

		// Tuesday: the same people sign in again; a grant is used on its
		// last day, another one after it was revoked.
		e.at(2026, time.March, 10, 8, 30)
		worker = e.signIn("worker@hel.example")
		e.view(worker, "w-tue", clients[0].ID)
		e.runMonitoring()
		e.at(2026, time.March, 10, 12, 0)
		temp := e.signIn("temp@hel.example")
		e.view(temp, "t-1", clients[2].ID)
		e.advance(5 * time.Minute)
		if err := e.s.RevokeGrant(e.ctx, store.OperatorActor(), tempGrant); err != nil {
			t.Fatal(err)
		}
		e.advance(5 * time.Minute)
		if _, err := e.s.ClientByID(e.ctx, request(e.refresh(temp), "t-2"), clients[2].ID); err == nil {
			t.Fatal("a revoked grant still reads")
		}
		e.runMonitoring()

		e.at(2026, time.March, 10, 15, 0)
		leaving := e.signIn("leaving@hel.example")
		e.view(leaving, "l-1", clients[1].ID)
		e.runMonitoring()

		// Tuesday 23:30 and Saturday 11:00: work at night and at a weekend.
		e.at(2026, time.March, 10, 23, 30)
		night := e.signIn("night@hel.example")
		e.view(night, "n-1", clients[3].ID)
		phone := "040 1234567"
		if _, err := e.s.UpdateClient(e.ctx, request(night, "n-2"), clients[3].ID, model.ClientPatch{Phone: model.Set(&phone)}); err != nil {
			t.Fatal(err)
		}
		e.runMonitoring()
		e.at(2026, time.March, 14, 11, 0)
		night = e.signIn("night@hel.example")
		e.view(night, "n-3", clients[3].ID)
		e.runMonitoring()

		// June: the dormant account signs in after 101 days.
		e.at(2026, time.June, 18, 10, 0)
		e.signIn("dormant@hel.example")
		e.runMonitoring()

		want := []string{
			"dormant_sign_in dormant@hel.example",
			"grant_edge leaving@hel.example",
			"grant_edge temp@hel.example",
			"large_search searcher@hel.example",
			"many_reads reader@hel.example",
			"reads_without_work reader@hel.example",
			"repeated_denied snoop@esp.example",
			"unusual_hours night@hel.example",
			"unusual_hours night@hel.example",
		}
		got := e.anomalies()
		if !slices.Equal(seen(got), want) {
			t.Errorf("a log monitor sees\n  %s\nwant\n  %s", strings.Join(seen(got), "\n  "), strings.Join(want, "\n  "))
		}
		for _, a := range got {
			switch a.Rule {
			case "many_reads":
				// 55 page views.
				if a.SummaryArgs[0] != "55" || a.Severity != "high" || len(a.EventIDs) != 55 {
					t.Errorf("many_reads: %v, severity %s, %d events", a.SummaryArgs, a.Severity, len(a.EventIDs))
				}
			case "reads_without_work":
				if a.SummaryArgs[0] != "30" {
					t.Errorf("reads_without_work: %v", a.SummaryArgs)
				}
			case "grant_edge":
				if wantSeverity := map[string]string{"leaving@hel.example": "low", "temp@hel.example": "medium"}[a.ActorEmail]; a.Severity != wantSeverity || *a.Municipality != "091" {
					t.Errorf("grant_edge of %s: %s", a.ActorEmail, a.Severity)
				}
			case "dormant_sign_in":
				if a.SummaryArgs[0] != "101" {
					t.Errorf("dormant_sign_in: %v", a.SummaryArgs)
				}
			case "large_search":
				if a.SummaryArgs[0] != "35" {
					t.Errorf("large_search: %v", a.SummaryArgs)
				}
			}
		}
		if strings.Contains(e.logs.String(), "level=ERROR") {
			t.Errorf("errors logged:\n%s", e.logs)
		}
	})
}

// TestFailingJobIsNeverSilent: when the anomaly job fails, every run says so
// in the log with a description of the error; the job keeps its last error,
// its failures in a row and how far behind it is; after MaxFailures runs
// readiness names it; and once the cause is gone the next run examines the
// events it missed. Nothing personal reaches the log or the job's record.
func TestFailingJobIsNeverSilent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newMonitoringEnv(t, tg, time.Time{}, jobs.Config{})
		e.at(2026, time.March, 10, 23, 0) // Tuesday night
		e.staff("night@hel.example")
		e.grant("night@hel.example", "091", "worker", nil)
		night := e.signIn("night@hel.example")
		c := e.register(night, "091", 7, "Virtanen")
		raw := tg.Raw(t)
		if _, err := raw.Exec(`ALTER TABLE anomalies RENAME TO anomalies_away`); err != nil {
			t.Fatal(err)
		}
		wantError := map[string]string{"sqlite": "SQLite error 1 SQLITE_ERROR", "postgres": "PostgreSQL error SQLSTATE 42P01"}[tg.Name]
		health := jobs.Health{MaxFailures: 3, Jobs: []string{jobs.AnomalyDetection}}
		for run := 1; run <= 3; run++ {
			e.advance(time.Minute)
			e.runJobs()
			j := e.job()
			if j.ConsecutiveFailures != run || j.LastError == nil || *j.LastError != wantError || j.LastSuccessAt != nil || j.Cursor != 0 {
				t.Fatalf("after failed run %d: %+v (error %v)", run, j, deref(j.LastError))
			}
			if j.Lag == nil || j.Lag.Events == 0 {
				t.Errorf("a failing job shows no lag: %+v", j.Lag)
			}
			failing, _ := health.Unhealthy([]store.JobStatus{j}, e.clock())
			if got := len(failing) == 1; got != (run == 3) {
				t.Errorf("after %d failed runs readiness names %v", run, failing)
			}
		}
		logs := e.logs.String()
		if n := strings.Count(logs, `msg="job failed" job=anomaly_detection error="`+wantError+`"`); n != 3 {
			t.Errorf("%d log lines name the failure, want 3:\n%s", n, logs)
		}
		for _, personal := range []string{"Virtanen", "Asiakas", *c.PersonalIdentityCode, "night@hel.example"} {
			if strings.Contains(logs, personal) {
				t.Errorf("the log holds %q:\n%s", personal, logs)
			}
		}

		// Repaired: the next run examines the night's work.
		if _, err := raw.Exec(`ALTER TABLE anomalies_away RENAME TO anomalies`); err != nil {
			t.Fatal(err)
		}
		e.runMonitoring()
		j := e.job()
		if j.LastError == nil || *j.LastError != wantError || j.LastErrorAt == nil || j.LastErrorAt.Equal(*j.LastSuccessAt) {
			t.Errorf("the last error is not kept after the recovery: %+v", j)
		}
		if got := rules(e.anomalies()); !slices.Equal(got, []string{"unusual_hours"}) {
			t.Errorf("after the repair the job found %v", got)
		}
	})
}

// TestJobErrorsNeverQuoteData: a row whose value breaks the job (here an
// audit event's result count that holds a name and an identity code, on
// SQLite, which stores any value in any column) makes the job fail, and
// neither the log nor the job's record quotes the value.
func TestJobErrorsNeverQuoteData(t *testing.T) {
	tg := testdb.Targets(t)[0]
	e := newMonitoringEnv(t, tg, time.Time{}, jobs.Config{})
	e.at(2026, time.March, 10, 10, 0)
	e.staff("worker@hel.example")
	e.grant("worker@hel.example", "091", "worker", nil)
	w := e.signIn("worker@hel.example")
	c := e.register(w, "091", 3, "Virtanen")
	if _, err := e.s.SearchClients(e.ctx, request(w, "s"), "virtanen"); err != nil {
		t.Fatal(err)
	}
	secret := "Virtanen " + *c.PersonalIdentityCode
	if _, err := tg.Raw(t).Exec(`UPDATE audit_events SET result_count = $1 WHERE action = 'client.search'`, secret); err != nil {
		t.Fatal(err)
	}
	e.advance(time.Minute)
	e.runJobs()
	j := e.job()
	want := `cannot scan column 9 "result_count": the value does not convert (*errors.errorString)`
	if j.LastError == nil || *j.LastError != want {
		t.Errorf("last error %q, want %q", deref(j.LastError), want)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "job failed") || strings.Contains(logs, "Virtanen") || strings.Contains(logs, *c.PersonalIdentityCode) {
		t.Errorf("log:\n%s", logs)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
