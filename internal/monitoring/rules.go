// Package monitoring holds the pure decisions of log monitoring (R10): which
// audit events KEHA-keskus' log monitor should look at as anomalies. It does
// no I/O. The anomaly job's store method reads the audit events after its
// cursor, asks the rules what else they need to know (Ask, WorkAsked), reads
// that, lets Detect decide and writes down the findings.
//
// Windowed rules (many_reads, reads_without_work, repeated_denied) slide
// their window over the account's earlier events too, so a burst is found
// however the job's runs cut the trail into batches, and it is found once:
// at the event where the window first reaches the threshold.
package monitoring

import (
	"slices"
	"strconv"
	"time"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/calendar"
	"github.com/kotodigi/kotodigi/internal/model"
)

// finland is the time zone of unusual hours and of grants' last days.
var finland = calendar.Finland

// AnomalyRules are the thresholds of log monitoring (documented in the
// README; set with --anomaly-rules). A zero field takes its default.
type AnomalyRules struct {
	// ManyReads: more than ManyReads client reads by one account within ManyReadsWindow.
	ManyReads       int
	ManyReadsWindow time.Duration
	// ReadsWithoutWork: reads of more than this many distinct clients within
	// ReadsWithoutWorkWindow with whom the account has no recorded work
	// (an action whose rule is authz Work: create, change, case record).
	ReadsWithoutWork       int
	ReadsWithoutWorkWindow time.Duration
	// Unusual hours in Finland: work with personal data from UnusualFrom to
	// UnusualTo o'clock, at weekends and on public holidays.
	UnusualFrom, UnusualTo int
	// RepeatedDenied: at least this many denied attempts by one account within DeniedWindow.
	RepeatedDenied int
	DeniedWindow   time.Duration
	// LargeSearch: a search that showed at least this many clients.
	LargeSearch int
	// DormantSignIn: a sign-in after this long without one.
	DormantSignIn time.Duration
	// GrantEdge: use of a grant within this long before its end, or denied
	// attempts within this long after the account's grant from that
	// municipality ended or was revoked.
	GrantEdge time.Duration
}

// DefaultAnomalyRules are the documented defaults.
var DefaultAnomalyRules = AnomalyRules{
	ManyReads: 50, ManyReadsWindow: 10 * time.Minute,
	ReadsWithoutWork: 20, ReadsWithoutWorkWindow: time.Hour,
	UnusualFrom: 22, UnusualTo: 6,
	RepeatedDenied: 5, DeniedWindow: 15 * time.Minute,
	LargeSearch:   30,
	DormantSignIn: 90 * 24 * time.Hour,
	GrantEdge:     24 * time.Hour,
}

// withDefaults fills the zero fields from DefaultAnomalyRules. The unusual
// hours are taken as set when either is set (22–0 and 0–6 are both valid).
func (r AnomalyRules) withDefaults() AnomalyRules {
	d := DefaultAnomalyRules
	fill := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	fillD := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	fill(&r.ManyReads, d.ManyReads)
	fillD(&r.ManyReadsWindow, d.ManyReadsWindow)
	fill(&r.ReadsWithoutWork, d.ReadsWithoutWork)
	fillD(&r.ReadsWithoutWorkWindow, d.ReadsWithoutWorkWindow)
	if r.UnusualFrom == 0 && r.UnusualTo == 0 {
		r.UnusualFrom, r.UnusualTo = d.UnusualFrom, d.UnusualTo
	}
	fill(&r.RepeatedDenied, d.RepeatedDenied)
	fillD(&r.DeniedWindow, d.DeniedWindow)
	fill(&r.LargeSearch, d.LargeSearch)
	fillD(&r.DormantSignIn, d.DormantSignIn)
	fillD(&r.GrantEdge, d.GrantEdge)
	return r
}

// lookBack is how far before a batch the windowed rules need the accounts'
// earlier events: two windows, so that both the first event of a batch and
// the one before it have complete windows (a burst that began before the
// batch is then recognised as already found).
func (r AnomalyRules) lookBack() time.Duration {
	return 2 * max(r.ManyReadsWindow, r.DeniedWindow, r.ReadsWithoutWorkWindow)
}

// Event is an audit event as log monitoring sees it.
type Event struct {
	ID           int64
	At           time.Time
	Account      int64 // 0: no account (the operator, a failed sign-in of an unknown address)
	Email        string
	Grant        int64 // the grant that allowed it (0: none)
	Action       authz.Action
	Denied       bool
	Client       string // "" when the event names no client
	Municipality string
	ResultCount  int    // clients shown by a search or listing
	Request      string // the request id ("" when none)
}

// Grant is one of an account's grants, for the grant_edge rule.
type Grant struct {
	ID           int64
	Municipality string
	Until        *model.Date // its last valid day (nil: no end date)
	Revoked      *time.Time  // nil: not revoked
}

// AccountClient is an account and a client it read.
type AccountClient struct {
	Account int64
	Client  string
}

// Questions are what the rules need to know about a batch beyond its events.
type Questions struct {
	// Earlier: the events of these accounts from Since up to the batch (for
	// the windows).
	Earlier []int64
	Since   time.Time
	// SignIns: accounts whose previous sign-in is needed (dormant_sign_in).
	SignIns []int64
	// Grants: accounts whose grants are needed (grant_edge).
	Grants []int64
}

// Facts are the answers to Questions and WorkAsked.
type Facts struct {
	// Earlier are the events before the batch that Questions.Earlier asks
	// for. They fill the windows; they are never reported on their own.
	Earlier []Event
	// Worked holds the pairs of WorkAsked where the account has recorded work
	// on the client (at any time).
	Worked map[AccountClient]bool
	// PreviousSignIn is each asked account's last sign-in before the batch,
	// or, when it has none, when the account was created.
	PreviousSignIn map[int64]time.Time
	// Grants are each asked account's grants, revoked and expired ones too.
	Grants map[int64][]Grant
}

// Finding is an anomaly to record. Dedup makes recording idempotent: one
// finding per rule and account and burst (or day, grant, event).
type Finding struct {
	Rule, Severity string
	Dedup          string
	Account        int64
	Email          string
	Municipality   string
	// Summary is the English summary; Key and Args say it in any language
	// (the message anomaly.summary.<Key> of the catalogue).
	Summary string
	Key     string
	Args    []string
	Events  []int64 // the evidence
}

// Rule names, as stored and shown.
const (
	RuleManyReads        = "many_reads"
	RuleReadsWithoutWork = "reads_without_work"
	RuleUnusualHours     = "unusual_hours"
	RuleRepeatedDenied   = "repeated_denied"
	RuleLargeSearch      = "large_search"
	RuleDormantSignIn    = "dormant_sign_in"
	RuleGrantEdge        = "grant_edge"
)

// Severities.
const (
	Low    = "low"
	Medium = "medium"
	High   = "high"
)

// Ask says what Detect needs to know about batch (the events after the
// cursor, in id order) beyond the events themselves.
func (r AnomalyRules) Ask(batch []Event) Questions {
	r = r.withDefaults()
	var q Questions
	if len(batch) == 0 {
		return q
	}
	first := batch[0].At
	earlier, signIns, grants := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	for _, e := range batch {
		first = minTime(first, e.At)
		if e.Account == 0 {
			continue
		}
		if isRead(e) || isDeniedAttempt(e) {
			earlier[e.Account] = true
		}
		if e.Action == authz.AuthSignIn && !e.Denied {
			signIns[e.Account] = true
		}
		if e.Action.PersonalData() && (e.Grant != 0 || e.Denied) {
			grants[e.Account] = true
		}
	}
	q.Earlier, q.SignIns, q.Grants = sortedKeys(earlier), sortedKeys(signIns), sortedKeys(grants)
	q.Since = first.Add(-r.lookBack())
	return q
}

// WorkAsked lists the reads' (account, client) pairs whose recorded work
// reads_without_work needs to know, over the earlier events and the batch.
func WorkAsked(earlier, batch []Event) []AccountClient {
	seen := map[AccountClient]bool{}
	var out []AccountClient
	for _, es := range [][]Event{earlier, batch} {
		for _, e := range es {
			p := AccountClient{e.Account, e.Client}
			if isRead(e) && e.Client != "" && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// Detect applies every rule to batch and returns what it finds, rule by rule
// in the order of the events.
func (r AnomalyRules) Detect(batch []Event, f Facts) []Finding {
	r = r.withDefaults()
	var out []Finding
	out = append(out, r.manyReads(f.Earlier, batch)...)
	out = append(out, r.readsWithoutWork(f.Earlier, batch, f.Worked)...)
	out = append(out, r.unusualHours(batch)...)
	out = append(out, r.repeatedDenied(f.Earlier, batch)...)
	out = append(out, r.largeSearches(batch)...)
	out = append(out, r.dormantSignIns(batch, f.PreviousSignIn)...)
	out = append(out, r.grantEdges(batch, f.Grants)...)
	return out
}

// WorkActions are the actions that record work on a client (authz Work),
// sorted: reads_without_work asks whether the account did any of them.
func WorkActions() []authz.Action {
	return slices.DeleteFunc(authz.Actions(), func(a authz.Action) bool { return !a.Work() })
}

// isRead: an allowed read of a client by an account.
func isRead(e Event) bool { return e.Account != 0 && !e.Denied && e.Action == authz.ClientRead }

// isDeniedAttempt: a denied attempt by an account, other than a sign-in
// (failed sign-ins have their own limit).
func isDeniedAttempt(e Event) bool {
	return e.Account != 0 && e.Denied && e.Action != authz.AuthSignIn
}

// minutes renders a rule's window for a summary.
func minutes(d time.Duration) string { return strconv.FormatFloat(d.Minutes(), 'f', -1, 64) }

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
