package jobs_test

import (
	"bytes"
	"context"
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
