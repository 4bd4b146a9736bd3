package monitoring

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/model"
)

// trail builds audit events with increasing ids.
type trail struct{ next int64 }

// fi is a time in Finland.
func fi(year int, month time.Month, day, hour, minute, second int) time.Time {
	return time.Date(year, month, day, hour, minute, second, 0, finland)
}

// Tuesday 10 March 2026, 10:00 in Finland: an ordinary working morning.
var morning = fi(2026, time.March, 10, 10, 0, 0)

func (tr *trail) ev(account int64, action authz.Action, at time.Time, opts ...func(*Event)) Event {
	tr.next++
	e := Event{ID: tr.next, At: at.UTC(), Account: account, Email: fmt.Sprintf("user%d@hel.example", account), Action: action,
		Municipality: "091", Request: fmt.Sprintf("req-%d", tr.next)}
	for _, o := range opts {
		o(&e)
	}
	return e
}

func client(id string) func(*Event)  { return func(e *Event) { e.Client = id } }
func request(id string) func(*Event) { return func(e *Event) { e.Request = id } }
func grant(id int64) func(*Event)    { return func(e *Event) { e.Grant = id } }
func denied(e *Event)                { e.Denied = true }
func shown(n int) func(*Event)       { return func(e *Event) { e.ResultCount = n } }

// reads are n reads by account, one every step from start, each of its own
// client and request unless opts say otherwise.
func (tr *trail) reads(account int64, n int, start time.Time, step time.Duration, opts ...func(i int, e *Event)) []Event {
	var out []Event
	for i := range n {
		e := tr.ev(account, authz.ClientRead, start.Add(time.Duration(i)*step), client(fmt.Sprintf("c-%d", i)))
		for _, o := range opts {
			o(i, &e)
		}
		out = append(out, e)
	}
	return out
}

// found summarises findings as "rule severity dedup summary".
func found(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule+" "+f.Severity+" "+f.Dedup+" "+f.Summary)
	}
	return out
}

func TestManyReads(t *testing.T) {
	tr := &trail{}
	r := DefaultAnomalyRules
	sameRequestPer3 := func(i int, e *Event) { e.Request, e.Client = fmt.Sprintf("page-%d", i/3), fmt.Sprintf("c-%d", i/3) }
	acrossBuckets := append(tr.reads(1, 30, fi(2026, time.March, 10, 9, 55, 0), 8*time.Second), tr.reads(1, 30, fi(2026, time.March, 10, 10, 0, 0), 8*time.Second)...)
	earlier40 := tr.reads(2, 40, morning, 5*time.Second)
	later11 := tr.reads(2, 11, morning.Add(4*time.Minute), 5*time.Second)
	earlier55 := tr.reads(3, 55, morning, 5*time.Second)
	later5 := tr.reads(3, 5, morning.Add(5*time.Minute), 5*time.Second)
	interleaved := append(tr.reads(4, 30, morning, 10*time.Second), tr.reads(5, 30, morning, 10*time.Second)...)
	for _, tc := range []struct {
		name           string
		earlier, batch []Event
		want           []string // account:peak of each finding
	}{
		{"51 reads in 7 minutes", nil, tr.reads(1, 51, morning, 8*time.Second), []string{"1:51"}},
		{"50 reads are not more than 50", nil, tr.reads(1, 50, morning, 8*time.Second), nil},
		{"80 reads in a burst are one finding", nil, tr.reads(1, 80, morning, 5*time.Second), []string{"1:80"}},
		{"a page reads its client three times: 60 events, 20 reads", nil, tr.reads(1, 60, morning, time.Second, sameRequestPer3), nil},
		{"a burst across a ten-minute boundary", nil, acrossBuckets, []string{"1:60"}},
		{"51 reads over half an hour", nil, tr.reads(1, 51, morning, 36*time.Second), nil},
		{"the burst completes in the next run", earlier40, later11, []string{"2:51"}},
		{"a burst found by the previous run is not found again", earlier55, later5, nil},
		{"two accounts' reads are not added up", nil, interleaved, nil},
		{"denied reads are not reads", nil, tr.reads(1, 60, morning, time.Second, func(_ int, e *Event) { e.Denied = true }), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range r.manyReads(tc.earlier, tc.batch) {
				got = append(got, fmt.Sprintf("%d:%s", f.Account, f.Args[0]))
				if f.Rule != RuleManyReads || f.Severity != High || !strings.HasPrefix(f.Dedup, fmt.Sprintf("many_reads:%d:", f.Account)) || len(f.Events) == 0 {
					t.Errorf("finding %+v", f)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("found %v, want %v", got, tc.want)
			}
		})
	}
	// The finding starts at the batch's read that made 51 and is the same
	// whichever way the runs cut the trail.
	all := tr.reads(9, 60, morning, 5*time.Second)
	whole := r.manyReads(nil, all)
	for cut := 1; cut < len(all); cut += 7 {
		split := append(r.manyReads(nil, all[:cut]), r.manyReads(all[:cut], all[cut:])...)
		if len(split) != 1 || split[0].Dedup != whole[0].Dedup {
			t.Errorf("cut after %d reads: %v, want the one finding %s", cut, found(split), whole[0].Dedup)
		}
	}
	if whole[0].Dedup != fmt.Sprintf("many_reads:9:%d", all[50].ID) || len(whole[0].Events) != 60 {
		t.Errorf("the finding %s with %d events, want it to start at the 51st read and hold all 60", whole[0].Dedup, len(whole[0].Events))
	}
}

func TestReadsWithoutWork(t *testing.T) {
	tr := &trail{}
	r := DefaultAnomalyRules
	sameClient := func(_ int, e *Event) { e.Client = "c-same" }
	twentyOne := tr.reads(1, 21, morning, time.Minute)
	worked := map[AccountClient]bool{{1, "c-7"}: true}
	for _, tc := range []struct {
		name   string
		batch  []Event
		worked map[AccountClient]bool
		want   int // findings
	}{
		{"21 clients read without work in 21 minutes", twentyOne, nil, 1},
		{"work recorded with one of them leaves 20", twentyOne, worked, 0},
		{"21 clients over three hours", tr.reads(1, 21, morning, 9*time.Minute), nil, 0},
		{"one client read 40 times", tr.reads(1, 40, morning, time.Minute, sameClient), nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := r.readsWithoutWork(nil, tc.batch, tc.worked)
			if len(got) != tc.want {
				t.Fatalf("found %v, want %d", found(got), tc.want)
			}
			if tc.want == 1 && (got[0].Args[0] != "21" || got[0].Severity != High || len(got[0].Events) != 21) {
				t.Errorf("finding %+v", got[0])
			}
		})
	}
	// Reads from the previous run count towards the window.
	earlier := tr.reads(2, 15, morning, time.Minute)
	later := tr.reads(2, 6, morning.Add(20*time.Minute), time.Minute, func(i int, e *Event) { e.Client = fmt.Sprintf("d-%d", i) })
	if got := r.readsWithoutWork(earlier, later, nil); len(got) != 1 || got[0].Dedup != fmt.Sprintf("reads_without_work:2:%d", later[5].ID) {
		t.Errorf("across runs: %v", found(got))
	}
}

func TestUnusualHours(t *testing.T) {
	tr := &trail{}
	r := DefaultAnomalyRules
	for _, tc := range []struct {
		name   string
		at     time.Time
		action authz.Action
		deny   bool
		rules  *AnomalyRules
		want   bool
	}{
		{"Tuesday 23:30", fi(2026, time.March, 10, 23, 30, 0), authz.ClientRead, false, nil, true},
		{"Tuesday 14:00", fi(2026, time.March, 10, 14, 0, 0), authz.ClientRead, false, nil, false},
		{"Tuesday 05:59", fi(2026, time.March, 10, 5, 59, 0), authz.ClientUpdate, false, nil, true},
		{"Tuesday 06:00", fi(2026, time.March, 10, 6, 0, 0), authz.ClientUpdate, false, nil, false},
		{"Tuesday 21:59", fi(2026, time.March, 10, 21, 59, 0), authz.PlanCreate, false, nil, false},
		{"Tuesday 22:00", fi(2026, time.March, 10, 22, 0, 0), authz.PlanCreate, false, nil, true},
		{"Saturday noon", fi(2026, time.March, 14, 12, 0, 0), authz.ClientSearch, false, nil, true},
		{"Sunday noon", fi(2026, time.March, 15, 12, 0, 0), authz.AssessmentRead, false, nil, true},
		{"Ascension Day (a Thursday) noon", fi(2026, time.May, 14, 12, 0, 0), authz.ClientRead, false, nil, true},
		{"a denied read at night", fi(2026, time.March, 10, 23, 30, 0), authz.ClientRead, true, nil, false},
		{"a sign-in at night touches no personal data", fi(2026, time.March, 10, 23, 30, 0), authz.AuthSignIn, false, nil, false},
		{"granting access at night touches no personal data", fi(2026, time.March, 10, 23, 30, 0), authz.GrantCreate, false, nil, false},
		{"night 1–5: 03:00", fi(2026, time.March, 10, 3, 0, 0), authz.ClientRead, false, &AnomalyRules{UnusualFrom: 1, UnusualTo: 5}, true},
		{"night 1–5: noon", fi(2026, time.March, 10, 12, 0, 0), authz.ClientRead, false, &AnomalyRules{UnusualFrom: 1, UnusualTo: 5}, false},
		{"night 1–5: 23:00", fi(2026, time.March, 10, 23, 0, 0), authz.ClientRead, false, &AnomalyRules{UnusualFrom: 1, UnusualTo: 5}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules := r
			if tc.rules != nil {
				rules = tc.rules.withDefaults()
			}
			e := tr.ev(1, tc.action, tc.at)
			e.Denied = tc.deny
			got := rules.unusualHours([]Event{e})
			if (len(got) == 1) != tc.want {
				t.Fatalf("found %v, want a finding: %v", found(got), tc.want)
			}
			if tc.want && (got[0].Severity != Low || got[0].Args[0] != tc.at.Format("2006-01-02 15:04")) {
				t.Errorf("finding %+v", got[0])
			}
		})
	}
	// One night's work is one anomaly: the findings share their dedup key.
	night := r.unusualHours([]Event{tr.ev(1, authz.ClientRead, fi(2026, time.March, 10, 23, 0, 0)), tr.ev(1, authz.ClientRead, fi(2026, time.March, 10, 23, 50, 0))})
	if len(night) != 2 || night[0].Dedup != night[1].Dedup {
		t.Errorf("one night: %v", found(night))
	}
}

func TestRepeatedDenied(t *testing.T) {
	tr := &trail{}
	r := DefaultAnomalyRules
	attempts := func(account int64, n int, step time.Duration, action authz.Action) []Event {
		var out []Event
		for i := range n {
			out = append(out, tr.ev(account, action, morning.Add(time.Duration(i)*step), denied))
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		batch []Event
		want  int
	}{
		{"5 denied edits in 4 minutes", attempts(1, 5, time.Minute, authz.ClientUpdate), 1},
		{"4 denied edits", attempts(1, 4, time.Minute, authz.ClientUpdate), 0},
		{"5 denied reads over an hour", attempts(1, 5, 15*time.Minute, authz.ClientRead), 0},
		{"5 failed sign-ins (their own limit)", attempts(1, 5, time.Minute, authz.AuthSignIn), 0},
		{"12 denied in a row are one burst", attempts(1, 12, time.Minute, authz.ClientRead), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := r.repeatedDenied(nil, tc.batch)
			if len(got) != tc.want {
				t.Fatalf("found %v, want %d", found(got), tc.want)
			}
			if tc.want == 1 && (got[0].Severity != Medium || got[0].Municipality != "091" || len(got[0].Events) < 5) {
				t.Errorf("finding %+v", got[0])
			}
		})
	}
}

func TestLargeSearch(t *testing.T) {
	tr := &trail{}
	r := DefaultAnomalyRules
	batch := []Event{tr.ev(1, authz.ClientSearch, morning, shown(30)), tr.ev(1, authz.ClientSearch, morning, shown(29)),
		tr.ev(1, authz.ClientSearch, morning, shown(50), denied), tr.ev(1, authz.WorklistRead, morning, shown(200))}
	got := r.largeSearches(batch)
	if len(got) != 1 || got[0].Events[0] != batch[0].ID || got[0].Args[0] != "30" || got[0].Severity != Medium {
		t.Errorf("found %v, want the search that showed 30 clients", found(got))
	}
}

func TestDormantSignIn(t *testing.T) {
	tr := &trail{}
	r := DefaultAnomalyRules
	signIn := func(account int64, at time.Time) Event { return tr.ev(account, authz.AuthSignIn, at) }
	for _, tc := range []struct {
		name     string
		batch    []Event
		previous map[int64]time.Time
		want     []string // days of each finding
	}{
		{"after 91 days", []Event{signIn(1, morning)}, map[int64]time.Time{1: morning.AddDate(0, 0, -91)}, []string{"91"}},
		{"after 89 days", []Event{signIn(1, morning)}, map[int64]time.Time{1: morning.AddDate(0, 0, -89)}, nil},
		{"nothing known before", []Event{signIn(1, morning)}, nil, nil},
		{"a dormant account signs in twice", []Event{signIn(1, morning), signIn(1, morning.Add(time.Hour))},
			map[int64]time.Time{1: morning.AddDate(0, 0, -200)}, []string{"200"}},
		{"sign-ins within the batch follow on", []Event{signIn(1, morning), signIn(1, morning.Add(122*24*time.Hour))}, nil, []string{"122"}},
		{"a failed sign-in is no sign-in", []Event{tr.ev(1, authz.AuthSignIn, morning, denied)}, map[int64]time.Time{1: morning.AddDate(-1, 0, 0)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range r.dormantSignIns(tc.batch, tc.previous) {
				got = append(got, f.Args[0])
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("found %v, want %v", got, tc.want)
			}
		})
	}
}

func TestGrantEdge(t *testing.T) {
	tr := &trail{}
	r := DefaultAnomalyRules
	lastDay := model.Date{Year: 2026, Month: time.March, Day: 10}
	revokedAt := fi(2026, time.March, 10, 9, 0, 0).UTC()
	grants := map[int64][]Grant{
		1: {{ID: 11, Municipality: "091", Until: &lastDay}},
		2: {{ID: 21, Municipality: "091"}},
		3: {{ID: 31, Municipality: "091", Revoked: &revokedAt}},
		4: {{ID: 41, Municipality: "091", Revoked: &revokedAt}, {ID: 42, Municipality: "091"}},
		5: {{ID: 51, Municipality: "091", Until: &model.Date{Year: 2026, Month: time.March, Day: 9}}},
	}
	for _, tc := range []struct {
		name string
		e    Event
		want string // "" or the severity
	}{
		{"a read on the grant's last day, 23:30", tr.ev(1, authz.ClientRead, fi(2026, time.March, 10, 23, 30, 0), grant(11)), Low},
		{"a read on the grant's last day, 00:30", tr.ev(1, authz.ClientRead, fi(2026, time.March, 10, 0, 30, 0), grant(11)), Low},
		{"a read the day before, 23:59", tr.ev(1, authz.ClientRead, fi(2026, time.March, 9, 23, 59, 0), grant(11)), ""},
		{"a grant without an end date", tr.ev(2, authz.ClientRead, morning, grant(21)), ""},
		{"a denied read an hour after the revocation", tr.ev(3, authz.ClientRead, fi(2026, time.March, 10, 10, 0, 0), denied), Medium},
		{"a denied read two days after the revocation", tr.ev(3, authz.ClientRead, fi(2026, time.March, 12, 10, 0, 0), denied), ""},
		{"a denied read of another municipality", tr.ev(3, authz.ClientRead, fi(2026, time.March, 10, 10, 0, 0), denied, func(e *Event) { e.Municipality = "049" }), ""},
		{"a denial while another grant is in force", tr.ev(4, authz.ClientUpdate, fi(2026, time.March, 10, 10, 0, 0), denied), ""},
		{"a denied read the morning after the last day", tr.ev(5, authz.ClientRead, fi(2026, time.March, 10, 8, 0, 0), denied), Medium},
		{"a denied grant change is no use of personal data", tr.ev(3, authz.GrantCreate, fi(2026, time.March, 10, 10, 0, 0), denied), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := r.grantEdges([]Event{tc.e}, grants)
			switch {
			case tc.want == "" && len(got) != 0:
				t.Errorf("found %v, want nothing", found(got))
			case tc.want != "" && (len(got) != 1 || got[0].Severity != tc.want || got[0].Rule != RuleGrantEdge):
				t.Errorf("found %v, want a %s grant_edge", found(got), tc.want)
			}
		})
	}
}

// TestAsk: the questions name the accounts whose history, sign-ins and
// grants the rules need, and the look-back covers two of the longest window.
func TestAsk(t *testing.T) {
	tr := &trail{}
	batch := []Event{
		tr.ev(1, authz.ClientRead, morning, grant(11), client("c-1")),
		tr.ev(2, authz.AuthSignIn, morning.Add(time.Minute)),
		tr.ev(3, authz.ClientUpdate, morning.Add(2*time.Minute), denied),
		tr.ev(0, authz.ClientImport, morning.Add(3*time.Minute)),
		tr.ev(4, authz.GrantCreate, morning.Add(4*time.Minute)),
	}
	q := DefaultAnomalyRules.Ask(batch)
	if !slices.Equal(q.Earlier, []int64{1, 3}) || !slices.Equal(q.SignIns, []int64{2}) || !slices.Equal(q.Grants, []int64{1, 3}) {
		t.Errorf("questions %+v", q)
	}
	if want := morning.UTC().Add(-2 * time.Hour); !q.Since.Equal(want) {
		t.Errorf("look back to %s, want %s", q.Since, want)
	}
	pairs := WorkAsked([]Event{tr.ev(1, authz.ClientRead, morning, client("c-0"))}, batch)
	if !slices.Equal(pairs, []AccountClient{{1, "c-0"}, {1, "c-1"}}) {
		t.Errorf("work asked %v", pairs)
	}
	if !slices.Contains(WorkActions(), authz.ClientCreate) || slices.Contains(WorkActions(), authz.ClientRead) {
		t.Errorf("work actions %v", WorkActions())
	}
}

// TestDetectUsesEveryRuleAndDefaults: Detect runs every rule, and rules
// with zero fields (an older configuration) take the defaults.
func TestDetectUsesEveryRuleAndDefaults(t *testing.T) {
	tr := &trail{}
	lastDay := model.Date{Year: 2026, Month: time.March, Day: 14}
	batch := tr.reads(1, 51, fi(2026, time.March, 14, 23, 0, 0), time.Second, func(_ int, e *Event) { e.Grant = 11 })
	batch = append(batch, tr.ev(2, authz.ClientSearch, morning, shown(40)), tr.ev(3, authz.AuthSignIn, morning))
	for range 5 {
		batch = append(batch, tr.ev(4, authz.ClientRead, morning, denied))
	}
	facts := Facts{PreviousSignIn: map[int64]time.Time{3: morning.AddDate(-1, 0, 0)}, Grants: map[int64][]Grant{1: {{ID: 11, Municipality: "091", Until: &lastDay}}}}
	var rules []string
	for _, f := range (AnomalyRules{ManyReads: 50}).Detect(batch, facts) {
		if !slices.Contains(rules, f.Rule) {
			rules = append(rules, f.Rule)
		}
	}
	want := []string{RuleManyReads, RuleReadsWithoutWork, RuleUnusualHours, RuleRepeatedDenied, RuleLargeSearch, RuleDormantSignIn, RuleGrantEdge}
	if !slices.Equal(rules, want) {
		t.Errorf("rules found %v, want %v", rules, want)
	}
}
