package api_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/api"
	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/casepolicy"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// testClock is a clock the test moves (deadlines, transfer periods, order).
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// set moves the clock to 10:00 UTC (12:00 in Finland) of a date.
func (c *testClock) set(date string) {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	c.now = t.Add(10 * time.Hour)
	c.mu.Unlock()
}

// tick moves the clock one minute on.
func (c *testClock) tick() { c.mu.Lock(); c.now = c.now.Add(time.Minute); c.mu.Unlock() }

// newCaseEnv is newEnv with a movable clock, case policy and a few more
// accounts: a second Helsinki worker and a Vantaa (092) worker.
func newCaseEnv(t *testing.T, tg testdb.Target, policy casepolicy.Policy) (*env, *testClock) {
	t.Helper()
	ctx := context.Background()
	clock := &testClock{now: testNow}
	s, err := store.Open(ctx, tg.URL, store.Options{Clock: clock.Now, Cases: policy})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	logs := &bytes.Buffer{}
	var mu sync.Mutex
	srv := server.New(server.Config{}, s, locale.MustLoad(), slog.New(slog.NewJSONHandler(lockedWriter{&mu, logs}, nil)))
	srv.Mount(api.Routes(srv))
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	e := &env{t: t, s: s, url: ts.URL, tokens: map[string]string{}, logs: logs}
	op := store.OperatorActor()
	for _, a := range []struct {
		email, org string
		roles      []authz.Role
		grant      string
	}{
		{"worker@hel.example", "municipality:091", nil, "091:worker"},
		{"worker2@hel.example", "municipality:091", nil, "091:worker"},
		{"viewer@hel.example", "municipality:091", nil, "091:viewer"},
		{"main@hel.example", "municipality:091", []authz.Role{authz.MainUser}, ""},
		{"worker@espoo.example", "municipality:049", nil, "049:worker"},
		{"worker@vantaa.example", "municipality:092", nil, "092:worker"},
		{"monitor@keha.example", "keha", []authz.Role{authz.LogMonitor}, ""},
	} {
		if _, err := s.CreateAccount(ctx, op, store.NewAccount{Email: a.email, Name: "Test Person", OrganisationID: a.org, Roles: a.roles}); err != nil {
			t.Fatal(err)
		}
		if muni, role, ok := strings.Cut(a.grant, ":"); ok {
			if _, err := s.CreateGrant(ctx, op, store.NewGrant{Email: a.email, Municipality: muni, Role: role, Task: "§ 80(2) task"}); err != nil {
				t.Fatal(err)
			}
		}
		// Long-lived tokens: the tests move the clock by months.
		tok, err := s.CreateToken(ctx, op, a.email, 365*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[a.email] = tok
	}
	return e, clock
}

// syntheticPIC returns a valid personal identity code of someone born on
// 1 January 1985 + n days with an individual number from 900 to 999.
func syntheticPIC(n int) string {
	dob := time.Date(1985, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
	digits := dob.Format("020106")
	ind := 900 + n%100
	num, _ := strconv.Atoi(digits + strconv.Itoa(ind))
	return digits + "-" + strconv.Itoa(ind) + string("0123456789ABCDEFHJKLMNPRSTUVWXY"[num%31])
}

var picSeq int

// register registers a client of municipality muni as email; firstPermit
// "" leaves residence_basis.first_permit_date unknown.
func (e *env) register(email, muni, firstPermit string) string {
	e.t.Helper()
	picSeq++
	rb := map[string]any{"type": "residence_permit", "valid_until": "2029-06-30"}
	if firstPermit != "" {
		rb["first_permit_date"] = firstPermit
	}
	st, c := e.do(email, "POST", "/api/v1/clients", with(client(syntheticPIC(picSeq)), "municipality", muni, "residence_basis", rb))
	if st != 201 {
		e.t.Fatalf("register: %d %v", st, c)
	}
	return c["id"].(string)
}

func assessment(date string, kv ...any) map[string]any {
	return with(map[string]any{
		"date": date,
		"content": map[string]any{
			"literacy": "literate", "finnish_level": "A2", "swedish_level": nil, "education": "Vocational school (nurse)",
			"work_history": "Eight years in health care", "special_skills": "Driving licence", "life_situation": "Family of four",
			"service_needs": "Language training, recognition of qualifications", "integration_plan_needed": true,
		},
		"specifying_measures":           "Apply for integration training in spring",
		"planned_plan_date":             nil,
		"preparers":                     []any{map[string]any{"name": "Liisa Virtanen", "contact": "liisa.virtanen@hel.example"}},
		"sources":                       []any{"client", "migri"},
		"wellbeing_county_participated": false,
		"eligibility_exception":         nil,
	}, kv...)
}

func plan(start, end string, kv ...any) map[string]any {
	return with(map[string]any{
		"start_date": start, "end_date": end,
		"goals":               "Finnish at B1; work in health care",
		"measures":            []any{map[string]any{"service_type": "integration_training", "description": "Integration training, 40 credits"}},
		"preparers":           []any{map[string]any{"name": "Liisa Virtanen", "contact": "+358 9 310 1234"}},
		"planned_review_date": nil,
		"sources":             []any{"client"},
	}, kv...)
}

func service(typ, date string, kv ...any) map[string]any {
	return with(map[string]any{"service_type": typ, "date": date, "provider": "Helsinki adult education centre", "description": "Group A"}, kv...)
}

// timelineKinds returns the kinds of a client's timeline, newest first.
func (e *env) timelineKinds(email, id string) []string {
	e.t.Helper()
	st, tl := e.do(email, "GET", "/api/v1/clients/"+id+"/timeline", nil)
	if st != 200 {
		e.t.Fatalf("timeline: %d %v", st, tl)
	}
	var out []string
	for _, it := range tl["items"].([]any) {
		out = append(out, it.(map[string]any)["kind"].(string))
	}
	return out
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// auditActions counts a client's audit events as "action/outcome".
func (e *env) auditActions(clientID string) map[string]int {
	e.t.Helper()
	items, err := e.s.AuditEvents(context.Background(), store.Actor{Principal: e.principal("monitor@keha.example")},
		store.AuditFilter{ClientID: clientID, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]int{}
	for _, it := range items {
		out[it.Action+"/"+it.Outcome]++
	}
	return out
}

func TestAssessmentEligibility(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, _ := newCaseEnv(t, tg, casepolicy.Policy{})
		w := "worker@hel.example"
		// First permit 2022-06-01: the window ends 2025-06-01, a Sunday, so
		// the last possible day is Monday 2025-06-02.
		id := e.register(w, "091", "2022-06-01")
		unknown := e.register(w, "091", "")
		for _, tc := range []struct {
			name   string
			client string
			body   map[string]any
			want   string // "" = 201
		}{
			{"last day of the window (moved off a Sunday)", id, assessment("2025-06-02"), ""},
			{"a day after the window", id, assessment("2025-06-03"), "date:outside_eligibility_period"},
			{"years after the window", id, assessment("2026-11-20"), "date:outside_eligibility_period"},
			{"after the window, trafficking victim", id, assessment("2026-11-20", "eligibility_exception", "trafficking_victim"), ""},
			{"unknown exception", id, assessment("2026-11-20", "eligibility_exception", "refugee"), "eligibility_exception:invalid_choice"},
			{"first permit date unknown: allowed, not checked", unknown, assessment("2026-11-20"), ""},
			{"missing date", id, assessment("2025-01-01", "date", "<delete>"), "date:required"},
			{"impossible date", id, assessment("2025-02-30"), "date:invalid_date"},
			{"date as number", id, assessment("2025-01-01", "date", 20250101), "date:invalid_type"},
			{"planned plan date before the assessment", id, assessment("2025-01-10", "planned_plan_date", "2025-01-09"), "planned_plan_date:date_order"},
			{"no content", id, assessment("2025-01-01", "content", nil), "content:required"},
			{"language level outside CEFR", id, assessment("2025-01-01", "content", map[string]any{"finnish_level": "D1"}), "content.finnish_level:invalid_choice"},
			{"unknown content member", id, assessment("2025-01-01", "content", map[string]any{"shoe_size": 42}), "shoe_size:unknown_field"},
			{"unknown source", id, assessment("2025-01-01", "sources", []any{"facebook"}), "sources:invalid_choice"},
			{"no sources", id, assessment("2025-01-01", "sources", []any{}), "sources:required"},
			{"preparer without contact", id, assessment("2025-01-01", "preparers", []any{map[string]any{"name": "Liisa"}}), "preparers[0].contact:required"},
			{"no preparers", id, assessment("2025-01-01", "preparers", nil), "preparers:required"},
			{"wrong type", id, assessment("2025-01-01", "wellbeing_county_participated", "yes"), "wellbeing_county_participated:invalid_type"},
			{"unknown field", id, assessment("2025-01-01", "mood", "good"), "mood:unknown_field"},
		} {
			st, got := e.do(w, "POST", "/api/v1/clients/"+tc.client+"/assessments", tc.body)
			switch {
			case tc.want == "" && st != 201:
				t.Errorf("%s: %d %v, want 201", tc.name, st, got)
			case tc.want != "" && (st != 422 || got["code"] != "validation_failed" || !contains(fieldCodes(got), tc.want)):
				t.Errorf("%s: %d %v, want 422 with %s", tc.name, st, got, tc.want)
			}
		}
		// Only the two accepted assessments of this client are stored.
		if n := count(e.timelineKinds(w, id), "assessment"); n != 2 {
			t.Errorf("%d assessments stored for the client, want 2", n)
		}
		st, a := e.do(w, "POST", "/api/v1/clients/"+unknown+"/assessments", assessment("2026-11-20"))
		if st != 201 || a["eligibility_checked"] != false || a["content"].(map[string]any)["finnish_level"] != "A2" || a["client_id"] != unknown {
			t.Errorf("assessment without first permit date: %d %v", st, a)
		}
		st, a = e.do(w, "POST", "/api/v1/clients/"+id+"/assessments", assessment("2025-05-01", "planned_plan_date", "2025-06-15"))
		if st != 201 || a["eligibility_checked"] != true || a["planned_plan_date"] != "2025-06-15" || len(a["preparers"].([]any)) != 1 {
			t.Errorf("assessment echo: %d %v", st, a)
		}
		// Scope: another municipality's worker, a viewer, an unknown client.
		if st, _ := e.do("worker@espoo.example", "POST", "/api/v1/clients/"+id+"/assessments", assessment("2025-05-01")); st != 404 {
			t.Errorf("Espoo worker: %d, want 404", st)
		}
		if st, _ := e.do("viewer@hel.example", "POST", "/api/v1/clients/"+id+"/assessments", assessment("2025-05-01")); st != 403 {
			t.Errorf("viewer: %d, want 403", st)
		}
		if st, _ := e.do(w, "POST", "/api/v1/clients/00000000-0000-0000-0000-000000000000/assessments", assessment("2025-05-01")); st != 404 {
			t.Errorf("unknown client: %d, want 404", st)
		}
		if st, p := e.do(w, "POST", "/api/v1/clients/"+id+"/assessments", "{not json"); st != 400 || p["code"] != "bad_request" {
			t.Errorf("malformed JSON: %d %v", st, p)
		}
	})
}

func TestPlanRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, _ := newCaseEnv(t, tg, casepolicy.Policy{})
		w := "worker@hel.example"
		id := e.register(w, "091", "2025-01-15")
		other := e.register(w, "091", "2025-01-15")
		old := e.register(w, "091", "2020-01-01")
		plans := "/api/v1/clients/" + id + "/plans"
		var firstPlan string
		for _, tc := range []struct {
			name   string
			client string
			body   map[string]any
			want   string
		}{
			{"end before start", id, plan("2026-06-01", "2026-05-31"), "end_date:date_order"},
			{"review before start", id, plan("2026-01-01", "2026-12-31", "planned_review_date", "2025-12-31"), "planned_review_date:date_order"},
			{"first plan longer than a year", id, plan("2026-01-01", "2027-01-02"), "end_date:plan_too_long"},
			{"unknown measure", id, plan("2026-01-01", "2026-12-31", "measures", []any{map[string]any{"service_type": "cooking_class"}}), "measures[0].service_type:invalid_choice"},
			{"no measures", id, plan("2026-01-01", "2026-12-31", "measures", []any{}), "measures:required"},
			{"no goals", id, plan("2026-01-01", "2026-12-31", "goals", " "), "goals:required"},
			{"missing start", id, plan("", "2026-12-31", "start_date", nil), "start_date:required"},
			{"first plan of exactly one year", id, plan("2026-01-01", "2027-01-01", "planned_review_date", "2026-06-30"), ""},
			{"second plan overlapping the first", id, plan("2026-12-01", "2027-06-01"), "start_date:overlapping_plan"},
			{"second plan inside the first", id, plan("2026-03-01", "2026-04-01"), "start_date:overlapping_plan"},
			{"second plan from the day the first ends", id, plan("2027-01-01", "2027-12-01"), ""},
			{"third plan beyond two years in total", id, plan("2027-12-01", "2028-06-01"), "end_date:plans_exceed_two_years"},
			{"third plan beyond two years with a reason", id, plan("2027-12-01", "2028-06-01", "exceeds_two_years_reason", "Integration training interrupted by illness"), ""},
			{"outside the eligibility window", old, plan("2026-01-01", "2026-06-30"), "start_date:outside_eligibility_period"},
			{"outside the window, trafficking victim", old, plan("2026-01-01", "2026-06-30", "eligibility_exception", "trafficking_victim"), ""},
			{"another client's first plan is separate", other, plan("2026-01-01", "2027-01-01"), ""},
		} {
			st, got := e.do(w, "POST", "/api/v1/clients/"+tc.client+"/plans", tc.body)
			switch {
			case tc.want == "" && st != 201:
				t.Errorf("%s: %d %v, want 201", tc.name, st, got)
			case tc.want != "" && (st != 422 || !contains(fieldCodes(got), tc.want)):
				t.Errorf("%s: %d %v, want 422 with %s", tc.name, st, got, tc.want)
			}
			if tc.name == "first plan of exactly one year" {
				firstPlan, _ = got["id"].(string)
			}
		}
		if n := count(e.timelineKinds(w, id), "plan"); n != 3 {
			t.Fatalf("%d plans stored, want 3", n)
		}
		// The message names the configured limit.
		_, p := e.do(w, "POST", "/api/v1/clients/"+e.register(w, "091", "")+"/plans", plan("2026-01-01", "2027-03-01"))
		if errs := p["errors"].([]any); !strings.Contains(errs[0].(map[string]any)["message"].(string), "12 months") {
			t.Errorf("plan_too_long message: %v", errs)
		}
		// A plan the caller may not see or change.
		if st, _ := e.do("worker@espoo.example", "POST", plans, plan("2029-01-01", "2029-02-01")); st != 404 {
			t.Errorf("Espoo worker creates a plan: %d, want 404", st)
		}
		if st, _ := e.do("viewer@hel.example", "POST", plans, plan("2029-01-01", "2029-02-01")); st != 403 {
			t.Errorf("viewer creates a plan: %d, want 403", st)
		}

		// Reviews (Decree 874/2024 § 3).
		reviews := plans + "/" + firstPlan + "/reviews"
		st, r := e.do(w, "POST", reviews, map[string]any{"date": "2026-06-30", "changes": "Training moved to autumn"})
		if st != 201 || r["plan_id"] != firstPlan || r["changes"] != "Training moved to autumn" {
			t.Fatalf("review: %d %v", st, r)
		}
		for _, tc := range []struct {
			name, path string
			body       any
			status     int
			want       string
		}{
			{"another client's plan", "/api/v1/clients/" + other + "/plans/" + firstPlan + "/reviews", map[string]any{"date": "2026-06-30", "changes": "x"}, 404, ""},
			{"malformed plan id", plans + "/42/reviews", map[string]any{"date": "2026-06-30", "changes": "x"}, 404, ""},
			{"before the plan starts", reviews, map[string]any{"date": "2025-12-31", "changes": "x"}, 422, "date:date_order"},
			{"no changes", reviews, map[string]any{"date": "2026-07-01"}, 422, "changes:required"},
			{"unknown field", reviews, map[string]any{"date": "2026-07-01", "changes": "x", "score": 5}, 422, "score:unknown_field"},
		} {
			st, got := e.do(w, "POST", tc.path, tc.body)
			if st != tc.status || (tc.want != "" && !contains(fieldCodes(got), tc.want)) {
				t.Errorf("review %s: %d %v, want %d %s", tc.name, st, got, tc.status, tc.want)
			}
		}
		if st, _ := e.do("worker@espoo.example", "POST", reviews, map[string]any{"date": "2026-07-01", "changes": "x"}); st != 404 {
			t.Errorf("Espoo worker reviews: %d, want 404", st)
		}

		// The printable plan, with its one review; only through its own client.
		st, got := e.do("viewer@hel.example", "GET", plans+"/"+firstPlan, nil)
		if st != 200 || got["start_date"] != "2026-01-01" || got["planned_review_date"] != "2026-06-30" || len(got["reviews"].([]any)) != 1 ||
			got["measures"].([]any)[0].(map[string]any)["service_type"] != "integration_training" {
			t.Errorf("printable plan: %d %v", st, got)
		}
		if st, _ := e.do(w, "GET", "/api/v1/clients/"+other+"/plans/"+firstPlan, nil); st != 404 {
			t.Errorf("plan through another client: %d, want 404", st)
		}
		if st, _ := e.do("worker@espoo.example", "GET", plans+"/"+firstPlan, nil); st != 404 {
			t.Errorf("Espoo worker reads the plan: %d, want 404", st)
		}
		acts := e.auditActions(other)
		if acts["plan.review/denied"] != 1 || acts["plan.read/denied"] != 1 {
			t.Errorf("attempts through another client's path are not audited as denied: %v", acts)
		}
	})
}

func TestPlanLimitsAreConfiguration(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, _ := newCaseEnv(t, tg, casepolicy.Policy{FirstPlanMaxMonths: 6, PlansMaxMonths: 9})
		w := "worker@hel.example"
		id := e.register(w, "091", "")
		st, p := e.do(w, "POST", "/api/v1/clients/"+id+"/plans", plan("2026-01-01", "2026-07-02"))
		if st != 422 || !contains(fieldCodes(p), "end_date:plan_too_long") || !strings.Contains(toJSON(p), "6 months") {
			t.Errorf("7-month first plan with a 6-month limit: %d %v", st, p)
		}
		if st, p := e.do(w, "POST", "/api/v1/clients/"+id+"/plans", plan("2026-01-01", "2026-07-01")); st != 201 {
			t.Fatalf("6-month plan: %d %v", st, p)
		}
		if st, p := e.do(w, "POST", "/api/v1/clients/"+id+"/plans", plan("2026-07-01", "2026-11-01")); st != 422 || !contains(fieldCodes(p), "end_date:plans_exceed_two_years") {
			t.Errorf("10 months in total with a 9-month limit: %d %v", st, p)
		}
	})
}

func TestServicesAndJobseekers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, clock := newCaseEnv(t, tg, casepolicy.Policy{})
		w := "worker@hel.example"
		id := e.register(w, "091", "2025-03-01")
		path := "/api/v1/clients/" + id + "/services"
		for _, tc := range []struct {
			name string
			body map[string]any
			want string
		}{
			{"civic orientation", service("civic_orientation", "2026-01-10"), ""},
			{"integration training with its final test", service("integration_training", "2026-02-01", "end_date", "2026-10-30",
				"attendance", "attended", "final_language_test", map[string]any{"level": "B1", "date": "2026-10-20"}), ""},
			{"language course missed, interpreter booked", service("language_course", "2026-03-01", "attendance", "missed", "missed_with_interpreter_costs", true), ""},
			{"guidance and counselling", service("guidance_and_counselling", "2026-03-05"), ""},
			{"other", service("other", "2026-03-06"), ""},
			{"unknown type", service("cooking_class", "2026-03-06"), "service_type:invalid_choice"},
			{"no type", service("", "2026-03-06"), "service_type:required"},
			{"end before start", service("language_course", "2026-03-06", "end_date", "2026-03-05"), "end_date:date_order"},
			{"final test outside integration training", service("language_course", "2026-03-06", "final_language_test", map[string]any{"level": "B1"}), "final_language_test:not_allowed"},
			{"final test level outside CEFR", service("integration_training", "2026-03-06", "final_language_test", map[string]any{"level": "B3"}), "final_language_test.level:invalid_choice"},
			{"unknown attendance", service("other", "2026-03-06", "attendance", "maybe"), "attendance:invalid_choice"},
			{"interpreter costs without a missed visit", service("other", "2026-03-06", "missed_with_interpreter_costs", true), "missed_with_interpreter_costs:not_allowed"},
			{"provider as a number", service("other", "2026-03-06", "provider", 7), "provider:invalid_type"},
		} {
			st, got := e.do(w, "POST", path, tc.body)
			switch {
			case tc.want == "" && st != 201:
				t.Errorf("%s: %d %v, want 201", tc.name, st, got)
			case tc.want != "" && (st != 422 || !contains(fieldCodes(got), tc.want)):
				t.Errorf("%s: %d %v, want 422 with %s", tc.name, st, got, tc.want)
			}
			if tc.name == "integration training with its final test" && st == 201 {
				if lt := got["final_language_test"].(map[string]any); lt["level"] != "B1" || lt["date"] != "2026-10-20" {
					t.Errorf("final language test echo: %v", lt)
				}
			}
		}
		if n := count(e.timelineKinds(w, id), "service"); n != 5 {
			t.Fatalf("%d services stored, want 5", n)
		}

		// R6: the client becomes a jobseeker.
		clock.tick()
		if st, got := e.do(w, "PATCH", "/api/v1/clients/"+id, map[string]any{"jobseeker": true}); st != 200 || got["jobseeker"] != true {
			t.Fatalf("patch jobseeker: %d %v", st, got)
		}
		for _, typ := range []string{"civic_orientation", "integration_training", "language_course", "other"} {
			st, got := e.do(w, "POST", path, service(typ, "2026-11-20"))
			if st != 422 || got["code"] != "recorded_by_employment_authority" || !strings.Contains(got["detail"].(string), "employment authority") {
				t.Errorf("R6 %s for a jobseeker: %d %v", typ, st, got)
			}
		}
		if st, got := e.do(w, "POST", path, service("guidance_and_counselling", "2026-11-20")); st != 201 {
			t.Errorf("guidance for a jobseeker: %d %v", st, got)
		}
		if n := count(e.timelineKinds(w, id), "service"); n != 6 {
			t.Errorf("%d services stored, want 6: a refused service was stored", n)
		}
		if acts := e.auditActions(id); acts["service.create/denied"] != 4 || acts["service.create/allowed"] != 6 {
			t.Errorf("service audit events: %v", acts)
		}
		// No longer a jobseeker: services may be recorded again.
		clock.tick()
		e.do(w, "PATCH", "/api/v1/clients/"+id, map[string]any{"jobseeker": false})
		if st, got := e.do(w, "POST", path, service("language_course", "2026-11-24")); st != 201 {
			t.Errorf("after jobseeker status ended: %d %v", st, got)
		}

		// The jobseeker history, newest first.
		st, h := e.do("viewer@hel.example", "GET", "/api/v1/clients/"+id+"/jobseeker-history", nil)
		if st != 200 {
			t.Fatalf("jobseeker history: %d %v", st, h)
		}
		var statuses []string
		for _, it := range h["items"].([]any) {
			m := it.(map[string]any)
			statuses = append(statuses, fmt.Sprint(m["jobseeker"], " ", m["recorded_by"]))
		}
		if want := []string{"false worker@hel.example", "true worker@hel.example", "false worker@hel.example"}; !slices.Equal(statuses, want) {
			t.Errorf("jobseeker history %v, want %v", statuses, want)
		}
		if st, _ := e.do("worker@espoo.example", "GET", "/api/v1/clients/"+id+"/jobseeker-history", nil); st != 404 {
			t.Errorf("Espoo worker reads the jobseeker history: %d", st)
		}
		if st, _ := e.do("worker@espoo.example", "POST", path, service("guidance_and_counselling", "2026-11-20")); st != 404 {
			t.Errorf("Espoo worker records a service: %d", st)
		}
	})
}

func TestTimelineOrder(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, clock := newCaseEnv(t, tg, casepolicy.Policy{})
		w := "worker@hel.example"
		id := e.register(w, "091", "2025-03-01")
		base := "/api/v1/clients/" + id
		step := func(method, path string, body any) map[string]any {
			t.Helper()
			clock.tick()
			st, got := e.do(w, method, path, body)
			if st >= 300 {
				t.Fatalf("%s %s: %d %v", method, path, st, got)
			}
			return got
		}
		// Recorded in this order; the record dates deliberately say otherwise.
		step("POST", base+"/assessments", assessment("2026-11-01"))
		p := step("POST", base+"/plans", plan("2026-01-01", "2026-12-31"))
		step("POST", base+"/plans/"+p["id"].(string)+"/reviews", map[string]any{"date": "2026-06-01", "changes": "More language training"})
		step("POST", base+"/services", service("civic_orientation", "2026-02-01"))
		step("PATCH", base, map[string]any{"jobseeker": true})
		step("POST", base+"/transfer", map[string]any{"municipality": "049", "reason": "Moved to Espoo"})

		want := []string{"transfer", "jobseeker_status", "service", "review", "plan", "assessment", "jobseeker_status", "client_registered"}
		if got := e.timelineKinds("worker@espoo.example", id); !slices.Equal(got, want) {
			t.Errorf("timeline %v, want %v", got, want)
		}
		_, tl := e.do("worker@espoo.example", "GET", base+"/timeline", nil)
		items := tl["items"].([]any)
		var prev time.Time
		for i, it := range items {
			m := it.(map[string]any)
			at, err := time.Parse(time.RFC3339Nano, m["time"].(string))
			if err != nil || m["id"] == "" {
				t.Fatalf("item %d: %v", i, m)
			}
			if i > 0 && at.After(prev) {
				t.Errorf("item %d is newer than the one before it", i)
			}
			prev = at
			switch m["kind"] {
			case "review":
				if m["plan_id"] != p["id"] || m["date"] != "2026-06-01" {
					t.Errorf("review item: %v", m)
				}
			case "plan":
				if m["id"] != p["id"] || m["date"] != "2026-01-01" {
					t.Errorf("plan item: %v", m)
				}
			}
		}
		if acts := e.auditActions(id); acts["timeline.read/allowed"] != 2 {
			t.Errorf("timeline reads audited: %v", acts)
		}
		if st, _ := e.do("worker@vantaa.example", "GET", base+"/timeline", nil); st != 404 {
			t.Errorf("Vantaa worker reads the timeline: %d", st)
		}
		if acts := e.auditActions(id); acts["timeline.read/denied"] != 1 {
			t.Errorf("denied timeline read not audited: %v", acts)
		}
	})
}

func TestTransfer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, clock := newCaseEnv(t, tg, casepolicy.Policy{})
		w, v, espoo := "worker@hel.example", "viewer@hel.example", "worker@espoo.example"
		id := e.register(w, "091", "2025-03-01")
		base := "/api/v1/clients/" + id
		move := map[string]any{"municipality": "049", "reason": "The client moved to Espoo"}

		// Who may not transfer, and bad input; nothing changes.
		for _, tc := range []struct {
			who    string
			body   any
			status int
			want   string
		}{
			{v, move, 403, ""},
			{espoo, move, 404, ""},
			{"worker@vantaa.example", move, 404, ""},
			{w, map[string]any{"municipality": "091", "reason": "x"}, 422, "municipality:same_municipality"},
			{w, map[string]any{"municipality": "999", "reason": "x"}, 422, "municipality:unknown_municipality"},
			{w, map[string]any{"municipality": "049"}, 422, "reason:required"},
			{w, map[string]any{"municipality": "049", "reason": "x", "urgent": true}, 422, "urgent:unknown_field"},
			{w, "", 400, ""},
		} {
			st, got := e.do(tc.who, "POST", base+"/transfer", tc.body)
			if st != tc.status || (tc.want != "" && !contains(fieldCodes(got), tc.want)) {
				t.Errorf("transfer as %s with %v: %d %v, want %d %s", tc.who, tc.body, st, got, tc.status, tc.want)
			}
		}
		if st, c := e.do(w, "GET", base, nil); st != 200 || c["municipality"] != "091" {
			t.Fatalf("client changed by refused transfers: %d %v", st, c)
		}

		st, tr := e.do(w, "POST", base+"/transfer", move)
		if st != 201 || tr["from_municipality"] != "091" || tr["to_municipality"] != "049" || tr["read_until"] != "2027-02-23" {
			t.Fatalf("transfer: %d %v", st, tr)
		}
		check := func(when string, cases []struct {
			who, method, path string
			body              any
			status            int
		}) {
			t.Helper()
			for _, tc := range cases {
				if st, got := e.do(tc.who, tc.method, tc.path, tc.body); st != tc.status {
					t.Errorf("%s: %s %s as %s: %d %v, want %d", when, tc.method, tc.path, tc.who, st, got, tc.status)
				}
			}
		}
		type call = struct {
			who, method, path string
			body              any
			status            int
		}
		// The new municipality is responsible and writes; the old one reads only.
		check("right after the transfer", []call{
			{espoo, "PATCH", base, map[string]any{"phone": "040 765 4321"}, 200},
			{espoo, "POST", base + "/assessments", assessment("2026-11-25"), 201},
			{espoo, "POST", base + "/services", service("guidance_and_counselling", "2026-11-25"), 201},
			{w, "GET", base, nil, 200},
			{v, "GET", base, nil, 200},
			{w, "GET", base + "/timeline", nil, 200},
			{v, "GET", base + "/jobseeker-history", nil, 200},
			{w, "PATCH", base, map[string]any{"phone": "040 111 2222"}, 403},
			{w, "POST", base + "/assessments", assessment("2026-11-25"), 403},
			{w, "POST", base + "/plans", plan("2026-12-01", "2027-06-01"), 403},
			{w, "POST", base + "/services", service("guidance_and_counselling", "2026-11-25"), 403},
			{w, "POST", base + "/transfer", map[string]any{"municipality": "092", "reason": "x"}, 403},
			{"worker@vantaa.example", "GET", base, nil, 404},
		})
		if _, c := e.do(w, "GET", base, nil); c["municipality"] != "049" || c["phone"] != "0407654321" {
			t.Errorf("after the transfer the old municipality reads %v", c)
		}
		_, found := e.do(w, "POST", "/api/v1/clients/search", map[string]any{"query": "Yusuf"})
		if len(found["items"].([]any)) != 1 {
			t.Errorf("old municipality's search during the read period: %v", found)
		}
		// The last day of the read period, and the day after.
		clock.set("2027-02-23")
		check("on the last day of the read period", []call{{w, "GET", base, nil, 200}, {v, "GET", base + "/timeline", nil, 200}})
		clock.set("2027-02-24")
		check("after the read period", []call{
			{w, "GET", base, nil, 404},
			{v, "GET", base, nil, 404},
			{w, "GET", base + "/timeline", nil, 404},
			{w, "PATCH", base, map[string]any{"phone": "040 111 2222"}, 404},
			{espoo, "GET", base, nil, 200},
			{espoo, "PATCH", base, map[string]any{"phone": "040 111 3333"}, 200},
		})
		_, found = e.do(w, "POST", "/api/v1/clients/search", map[string]any{"query": "Yusuf"})
		if len(found["items"].([]any)) != 0 {
			t.Errorf("old municipality's search after the read period: %v", found)
		}
		// The history keeps the change of municipality; the audit trail the transfer.
		_, h := e.do(espoo, "GET", base+"/history", nil)
		if !slices.ContainsFunc(h["items"].([]any), func(it any) bool {
			m := it.(map[string]any)
			return m["field"] == "municipality" && m["actor_email"] == w && m["old_value"] == "091" && m["new_value"] == "049"
		}) {
			t.Errorf("history lacks the municipality change: %v", h)
		}
		acts := e.auditActions(id)
		if acts["client.transfer/allowed"] != 1 || acts["client.transfer/denied"] < 4 {
			t.Errorf("transfer audit events: %v", acts)
		}
	})
}

func TestTransferReadPeriodIsConfiguration(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, clock := newCaseEnv(t, tg, casepolicy.Policy{ReadAfterTransferDays: 10})
		id := e.register("worker@hel.example", "091", "")
		st, tr := e.do("worker@hel.example", "POST", "/api/v1/clients/"+id+"/transfer", map[string]any{"municipality": "049", "reason": "Moved"})
		if st != 201 || tr["read_until"] != "2026-12-05" {
			t.Fatalf("transfer: %d %v", st, tr)
		}
		clock.set("2026-12-06")
		if st, _ := e.do("viewer@hel.example", "GET", "/api/v1/clients/"+id, nil); st != 404 {
			t.Errorf("read after a 10-day period: %d", st)
		}
	})
}

// TestWorklist checks the statutory deadlines with Finnish holidays: a due
// date on a weekend or holiday moves to the next business day.
func TestWorklist(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, clock := newCaseEnv(t, tg, casepolicy.Policy{})
		w, w2 := "worker@hel.example", "worker2@hel.example"
		clock.set("2026-11-01")
		post := func(who, path string, body any) map[string]any {
			t.Helper()
			st, got := e.do(who, "POST", path, body)
			if st != 201 {
				t.Fatalf("POST %s: %d %v", path, st, got)
			}
			return got
		}
		name := map[string]string{}
		newClient := func(who, muni, label, firstPermit string) string {
			id := e.register(who, muni, firstPermit)
			name[id] = label
			return id
		}
		// A: assessed 2026-10-24; plan due two months later, 2026-12-24
		// (Christmas Eve) → Monday 2026-12-28.
		a := newClient(w, "091", "A", "")
		post(w, "/api/v1/clients/"+a+"/assessments", assessment("2026-10-24"))
		// A2: the assessment found no need for a plan.
		a2 := newClient(w, "091", "A2", "")
		post(w, "/api/v1/clients/"+a2+"/assessments", assessment("2026-10-01", "content", map[string]any{"integration_plan_needed": false}))
		// B: plan from Midsummer Eve 2026; review planned on Independence Day
		// (a Sunday) → 2026-12-07; guidance to a service due 2026-12-19 (a Saturday) → 2026-12-21.
		b := newClient(w, "091", "B", "")
		pb := post(w, "/api/v1/clients/"+b+"/plans", plan("2026-06-19", "2027-06-18", "planned_review_date", "2026-12-06"))
		// C: first permit 2024-02-01, no plan: the window closes 2027-02-01.
		c := newClient(w, "091", "C", "2024-02-01")
		// D (by the second worker): plan for 2026 without any service.
		d := newClient(w2, "091", "D", "")
		post(w2, "/api/v1/clients/"+d+"/plans", plan("2026-01-01", "2026-12-31"))
		// E: Espoo's client.
		ee := newClient("worker@espoo.example", "049", "E", "")
		post("worker@espoo.example", "/api/v1/clients/"+ee+"/assessments", assessment("2026-10-24"))

		list := func(who, query string) []string {
			t.Helper()
			st, got := e.do(who, "GET", "/api/v1/worklist?"+query, nil)
			if st != 200 {
				t.Fatalf("worklist %s as %s: %d %v", query, who, st, got)
			}
			var out []string
			for _, it := range got["items"].([]any) {
				m := it.(map[string]any)
				out = append(out, fmt.Sprintf("%s %s %s overdue=%v", name[m["client_id"].(string)], m["kind"], m["due_date"], m["overdue"]))
			}
			return out
		}
		for _, tc := range []struct {
			today, who, query string
			want              []string
		}{
			{"2026-11-25", "viewer@hel.example", "municipality=091", []string{
				"D service_guidance 2026-07-01 overdue=true",
				"B review_due 2026-12-07 overdue=false",
				"B service_guidance 2026-12-21 overdue=false",
				"A plan_preparation 2026-12-28 overdue=false",
				"C eligibility_window_closing 2027-02-01 overdue=false",
			}},
			{"2026-11-25", w, "municipality=091&mine=true", []string{
				"B review_due 2026-12-07 overdue=false",
				"B service_guidance 2026-12-21 overdue=false",
				"A plan_preparation 2026-12-28 overdue=false",
				"C eligibility_window_closing 2027-02-01 overdue=false",
			}},
			{"2026-11-25", w2, "municipality=091&mine=true", []string{"D service_guidance 2026-07-01 overdue=true"}},
			{"2026-11-25", "worker@espoo.example", "municipality=049", []string{"E plan_preparation 2026-12-28 overdue=false"}},
			// Sunday 2026-12-27: A's plan was due on Christmas Eve by the
			// calendar, but the deadline is the next business day.
			{"2026-12-27", w, "municipality=091", []string{
				"D service_guidance 2026-07-01 overdue=true",
				"B review_due 2026-12-07 overdue=true",
				"B service_guidance 2026-12-21 overdue=true",
				"A plan_preparation 2026-12-28 overdue=false",
				"D plan_ending 2026-12-31 overdue=false",
				"C eligibility_window_closing 2027-02-01 overdue=false",
			}},
			{"2026-12-29", w, "municipality=091", []string{
				"D service_guidance 2026-07-01 overdue=true",
				"B review_due 2026-12-07 overdue=true",
				"B service_guidance 2026-12-21 overdue=true",
				"A plan_preparation 2026-12-28 overdue=true",
				"D plan_ending 2026-12-31 overdue=false",
				"C eligibility_window_closing 2027-02-01 overdue=false",
			}},
		} {
			clock.set(tc.today)
			if got := list(tc.who, tc.query); !slices.Equal(got, tc.want) {
				t.Errorf("%s, %s as %s:\n got %q\nwant %q", tc.today, tc.query, tc.who, got, tc.want)
			}
		}
		// Doing the work clears the items; A's plan starts the 6-month
		// guidance period: 2027-07-04 is a Sunday → 2027-07-05.
		post(w, "/api/v1/clients/"+b+"/services", service("integration_training", "2026-12-29"))
		post(w, "/api/v1/clients/"+b+"/plans/"+pb["id"].(string)+"/reviews", map[string]any{"date": "2026-12-29", "changes": "None"})
		post(w, "/api/v1/clients/"+a+"/plans", plan("2027-01-04", "2027-12-31"))
		want := []string{
			"D service_guidance 2026-07-01 overdue=true",
			"D plan_ending 2026-12-31 overdue=false",
			"C eligibility_window_closing 2027-02-01 overdue=false",
			"A service_guidance 2027-07-05 overdue=false",
		}
		if got := list(w, "municipality=091"); !slices.Equal(got, want) {
			t.Errorf("after the work:\n got %q\nwant %q", got, want)
		}
		// After the window: no more warning for C.
		clock.set("2027-02-02")
		if got := list(w, "municipality=091"); slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "C ") }) {
			t.Errorf("eligibility warning after the window closed: %q", got)
		}

		// Refusals: no municipality or an unknown one is no worklist; another
		// municipality's is forbidden; a bad filter is a bad request.
		for _, tc := range []struct {
			who, query string
			status     int
		}{
			{w, "", 404}, {w, "municipality=999", 404}, {"worker@espoo.example", "municipality=091", 403},
			{"monitor@keha.example", "municipality=091", 403}, {w, "municipality=091&mine=maybe", 400},
		} {
			if st, got := e.do(tc.who, "GET", "/api/v1/worklist?"+tc.query, nil); st != tc.status {
				t.Errorf("worklist %q as %s: %d %v, want %d", tc.query, tc.who, st, got, tc.status)
			}
		}
		// Audited with the clients shown.
		items, err := e.s.AuditEvents(context.Background(), store.Actor{Principal: e.principal("monitor@keha.example")},
			store.AuditFilter{Action: "worklist.read", Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		outcomes := map[string]int{}
		for _, it := range items {
			outcomes[it.Outcome]++
		}
		if outcomes[audit.Allowed] != 8 || outcomes[audit.Denied] != 4 {
			t.Errorf("worklist audit events: %v", outcomes)
		}
		if acts := e.auditActions(c); acts["worklist.read/allowed"] == 0 {
			t.Errorf("a worklist that showed C is not among C's audit events: %v", acts)
		}
	})
}

// TestCaseRecordAudit checks that every new endpoint writes its audit event,
// allowed for the worker and denied for another municipality's worker.
func TestCaseRecordAudit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, _ := newCaseEnv(t, tg, casepolicy.Policy{})
		w, outsider := "worker@hel.example", "worker@vantaa.example"
		id := e.register(w, "091", "2025-03-01")
		base := "/api/v1/clients/" + id
		_, p := e.do(w, "POST", base+"/plans", plan("2026-01-01", "2026-12-31"))
		planPath := base + "/plans/" + p["id"].(string)
		calls := []struct {
			method, path string
			body         any
			action       string
		}{
			{"POST", base + "/assessments", assessment("2026-11-01"), "assessment.create"},
			{"POST", base + "/plans", plan("2027-01-01", "2027-06-30"), "plan.create"},
			{"GET", planPath, nil, "plan.read"},
			{"POST", planPath + "/reviews", map[string]any{"date": "2026-11-01", "changes": "x"}, "plan.review"},
			{"POST", base + "/services", service("civic_orientation", "2026-11-01"), "service.create"},
			{"GET", base + "/timeline", nil, "timeline.read"},
			{"GET", base + "/jobseeker-history", nil, "client.read"},
			{"POST", base + "/transfer", map[string]any{"municipality": "049", "reason": "Moved"}, "client.transfer"},
		}
		for _, c := range calls {
			before := e.auditActions(id)
			if st, got := e.do(outsider, c.method, c.path, c.body); st != 404 {
				t.Errorf("%s %s as an outsider: %d %v", c.method, c.path, st, got)
			}
			if st, got := e.do(w, c.method, c.path, c.body); st >= 300 {
				t.Fatalf("%s %s: %d %v", c.method, c.path, st, got)
			}
			after := e.auditActions(id)
			if after[c.action+"/allowed"] != before[c.action+"/allowed"]+1 || after[c.action+"/denied"] != before[c.action+"/denied"]+1 {
				t.Errorf("%s %s: audit %v → %v, want one more %s allowed and denied", c.method, c.path, before, after, c.action)
			}
		}
		rep, err := audit.Verify(context.Background(), e.s.DB())
		if err != nil || rep.Broken != "" {
			t.Errorf("audit verify: %+v %v", rep, err)
		}
	})
}

// TestCaseRecordsReadBack: an assessment and a service read back as they
// were recorded, for a viewer too; another client's record is not found.
func TestCaseRecordsReadBack(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, _ := newCaseEnv(t, tg, casepolicy.Policy{})
		w, v := "worker@hel.example", "viewer@hel.example"
		id := e.register(w, "091", "2025-06-01")
		other := e.register(w, "091", "2025-06-01")
		base := "/api/v1/clients/" + id
		for _, tc := range []struct {
			kind string
			body map[string]any
		}{
			{"assessments", assessment("2026-11-20", "content", map[string]any{"finnish_level": "A2", "literacy": "literate", "integration_plan_needed": true})},
			{"services", service("integration_training", "2026-03-06", "attendance", "attended", "final_language_test", map[string]any{"level": "B1", "date": "2026-10-20"})},
		} {
			st, created := e.do(w, "POST", base+"/"+tc.kind, tc.body)
			if st != 201 {
				t.Fatalf("%s: %d %v", tc.kind, st, created)
			}
			st, got := e.do(v, "GET", base+"/"+tc.kind+"/"+created["id"].(string), nil)
			if st != 200 || !reflect.DeepEqual(got, created) {
				t.Errorf("%s read back: %d\n got  %v\n want %v", tc.kind, st, got, created)
			}
			if st, _ := e.do(w, "GET", "/api/v1/clients/"+other+"/"+tc.kind+"/"+created["id"].(string), nil); st != 404 {
				t.Errorf("%s through another client: %d, want 404", tc.kind, st)
			}
		}
	})
}

// TestMalformedCaseBodyAfterAccessCheck: a body that does not decode is
// refused only after the access check, so another municipality's worker
// gets 404 (and the attempt is audited) whatever the body holds; the
// client's own worker is told the body is wrong.
func TestMalformedCaseBodyAfterAccessCheck(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, _ := newCaseEnv(t, tg, casepolicy.Policy{})
		w, outsider := "worker@hel.example", "worker@vantaa.example"
		id := e.register(w, "091", "2025-03-01")
		_, p := e.do(w, "POST", "/api/v1/clients/"+id+"/plans", plan("2026-01-01", "2026-12-31"))
		base := "/api/v1/clients/" + id
		for _, c := range []struct{ method, path, action string }{
			{"POST", base + "/assessments", "assessment.create"},
			{"POST", base + "/plans", "plan.create"},
			{"POST", base + "/plans/" + p["id"].(string) + "/reviews", "plan.review"},
			{"POST", base + "/services", "service.create"},
			{"POST", base + "/transfer", "client.transfer"},
			{"PATCH", base, "client.update"},
		} {
			for _, body := range []string{`{"date":`, `{"no_such_member": 1}`} {
				before := e.auditActions(id)
				if st, got := e.do(outsider, c.method, c.path, body); st != 404 {
					t.Errorf("%s %s %s as an outsider: %d %v", c.method, c.path, body, st, got)
				}
				if after := e.auditActions(id); after[c.action+"/denied"] != before[c.action+"/denied"]+1 {
					t.Errorf("%s %s %s as an outsider: not audited (%v → %v)", c.method, c.path, body, before, after)
				}
				if st, got := e.do(w, c.method, c.path, body); st != 400 && st != 422 {
					t.Errorf("%s %s %s: %d %v, want 400 or 422", c.method, c.path, body, st, got)
				}
			}
		}
	})
}
