package monitoring

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/calendar"
	"github.com/kotodigi/kotodigi/internal/model"
)

// manyReads: more than ManyReads reads (one per client and request) within
// ManyReadsWindow.
func (r AnomalyRules) manyReads(earlier, batch []Event) []Finding {
	var out []Finding
	for _, b := range bursts(filter(earlier, isRead), filter(batch, isRead), r.ManyReadsWindow, r.ManyReads+1, readKey) {
		out = append(out, Finding{Rule: RuleManyReads, Severity: High, Dedup: fmt.Sprintf("many_reads:%d:%d", b.account, b.start.ID),
			Account: b.account, Email: b.start.Email, Municipality: firstMunicipality(b.events),
			Summary: fmt.Sprintf("%d client reads within %s", b.peak, r.ManyReadsWindow),
			Key:     "many_reads", Args: []string{strconv.Itoa(b.peak), minutes(r.ManyReadsWindow)}, Events: ids(b.events)})
	}
	return out
}

// readsWithoutWork: reads of more than ReadsWithoutWork distinct clients
// within ReadsWithoutWorkWindow with whom the account has recorded no work.
func (r AnomalyRules) readsWithoutWork(earlier, batch []Event, worked map[AccountClient]bool) []Finding {
	idle := func(e Event) bool { return isRead(e) && e.Client != "" && !worked[AccountClient{e.Account, e.Client}] }
	client := func(e Event) string { return e.Client }
	var out []Finding
	for _, b := range bursts(filter(earlier, idle), filter(batch, idle), r.ReadsWithoutWorkWindow, r.ReadsWithoutWork+1, client) {
		out = append(out, Finding{Rule: RuleReadsWithoutWork, Severity: High, Dedup: fmt.Sprintf("reads_without_work:%d:%d", b.account, b.start.ID),
			Account: b.account, Email: b.start.Email, Municipality: firstMunicipality(b.events),
			Summary: fmt.Sprintf("reads of %d clients with no recorded work by the account", b.peak),
			Key:     "reads_without_work", Args: []string{strconv.Itoa(b.peak)}, Events: ids(b.events)})
	}
	return out
}

// repeatedDenied: at least RepeatedDenied denied attempts within DeniedWindow.
func (r AnomalyRules) repeatedDenied(earlier, batch []Event) []Finding {
	each := func(e Event) string { return strconv.FormatInt(e.ID, 10) }
	var out []Finding
	for _, b := range bursts(filter(earlier, isDeniedAttempt), filter(batch, isDeniedAttempt), r.DeniedWindow, r.RepeatedDenied, each) {
		out = append(out, Finding{Rule: RuleRepeatedDenied, Severity: Medium, Dedup: fmt.Sprintf("repeated_denied:%d:%d", b.account, b.start.ID),
			Account: b.account, Email: b.start.Email, Municipality: firstMunicipality(b.events),
			Summary: fmt.Sprintf("%d denied attempts within %s", b.peak, r.DeniedWindow),
			Key:     "repeated_denied", Args: []string{strconv.Itoa(b.peak), minutes(r.DeniedWindow)}, Events: ids(b.events)})
	}
	return out
}

// unusualHours: work with personal data at night, at a weekend or on a
// public holiday in Finland; one finding per account and day.
func (r AnomalyRules) unusualHours(batch []Event) []Finding {
	var out []Finding
	for _, e := range batch {
		if e.Account == 0 || e.Denied || !e.Action.PersonalData() || !r.unusual(e.At) {
			continue
		}
		local := e.At.In(finland)
		out = append(out, Finding{Rule: RuleUnusualHours, Severity: Low, Dedup: fmt.Sprintf("unusual_hours:%d:%s", e.Account, local.Format("2006-01-02")),
			Account: e.Account, Email: e.Email, Municipality: e.Municipality,
			Summary: "activity with personal data at " + local.Format("Mon 15:04"),
			Key:     "unusual_hours", Args: []string{local.Format("2006-01-02 15:04")}, Events: []int64{e.ID}})
	}
	return out
}

// unusual reports whether t is outside working hours in Finland.
func (r AnomalyRules) unusual(t time.Time) bool {
	local := t.In(finland)
	switch local.Weekday() {
	case time.Saturday, time.Sunday:
		return true
	}
	if calendar.IsHoliday(model.DateOf(local)) {
		return true
	}
	h := local.Hour()
	if r.UnusualFrom > r.UnusualTo { // across midnight, e.g. 22–06
		return h >= r.UnusualFrom || h < r.UnusualTo
	}
	return h >= r.UnusualFrom && h < r.UnusualTo
}

// largeSearches: a search that showed at least LargeSearch clients.
func (r AnomalyRules) largeSearches(batch []Event) []Finding {
	var out []Finding
	for _, e := range batch {
		if e.Action != authz.ClientSearch || e.Denied || e.ResultCount < r.LargeSearch {
			continue
		}
		out = append(out, Finding{Rule: RuleLargeSearch, Severity: Medium, Dedup: fmt.Sprintf("large_search:%d", e.ID),
			Account: e.Account, Email: e.Email,
			Summary: fmt.Sprintf("a search returned %d clients", e.ResultCount),
			Key:     "large_search", Args: []string{strconv.Itoa(e.ResultCount)}, Events: []int64{e.ID}})
	}
	return out
}

// dormantSignIns: a sign-in more than DormantSignIn after the account's
// previous one (or its creation, when it never signed in). previous holds
// the last sign-in before the batch; sign-ins within the batch follow on.
func (r AnomalyRules) dormantSignIns(batch []Event, previous map[int64]time.Time) []Finding {
	last := maps.Clone(previous)
	if last == nil {
		last = map[int64]time.Time{}
	}
	var out []Finding
	for _, e := range batch {
		if e.Action != authz.AuthSignIn || e.Denied || e.Account == 0 {
			continue
		}
		if prev, ok := last[e.Account]; ok && e.At.Sub(prev) > r.DormantSignIn {
			days := strconv.Itoa(calendarDays(prev, e.At))
			out = append(out, Finding{Rule: RuleDormantSignIn, Severity: Medium, Dedup: fmt.Sprintf("dormant_sign_in:%d", e.ID),
				Account: e.Account, Email: e.Email,
				Summary: "sign-in after " + days + " days without one",
				Key:     "dormant_sign_in", Args: []string{days}, Events: []int64{e.ID}})
		}
		last[e.Account] = e.At
	}
	return out
}

// calendarDays is the number of days from a's date to b's in Finland.
func calendarDays(a, b time.Time) int {
	da, db := model.DateOf(a.In(finland)), model.DateOf(b.In(finland))
	return int(db.Time().Sub(da.Time()).Hours()) / 24
}

// grantEdges: use of personal data under a grant within GrantEdge before the
// grant's end, and denied attempts on a municipality's data within
// GrantEdge after the account's last grant from it ended or was revoked.
func (r AnomalyRules) grantEdges(batch []Event, grants map[int64][]Grant) []Finding {
	var out []Finding
	for _, e := range batch {
		if e.Account == 0 || !e.Action.PersonalData() {
			continue
		}
		switch {
		case !e.Denied && e.Grant != 0:
			i := slices.IndexFunc(grants[e.Account], func(g Grant) bool { return g.ID == e.Grant })
			if i < 0 || grants[e.Account][i].Until == nil {
				continue
			}
			end := dayAfter(*grants[e.Account][i].Until)
			if e.At.Before(end) && end.Sub(e.At) < r.GrantEdge {
				out = append(out, Finding{Rule: RuleGrantEdge, Severity: Low, Dedup: fmt.Sprintf("grant_edge:%d:%d", e.Account, e.Grant),
					Account: e.Account, Email: e.Email, Municipality: e.Municipality,
					Summary: "use of a grant just before its end", Key: "grant_edge", Events: []int64{e.ID}})
			}
		case e.Denied && e.Municipality != "":
			end, ok := endedBefore(grants[e.Account], e.Municipality, e.At)
			if ok && e.At.Sub(end) < r.GrantEdge {
				out = append(out, Finding{Rule: RuleGrantEdge, Severity: Medium,
					Dedup:   fmt.Sprintf("grant_after_end:%d:%s:%d", e.Account, e.Municipality, end.Unix()),
					Account: e.Account, Email: e.Email, Municipality: e.Municipality,
					Summary: "attempts to use access just after the grant ended", Key: "grant_after_end", Events: []int64{e.ID}})
			}
		}
	}
	return out
}

// dayAfter is the start of the day after d in Finland: when a grant valid
// until d ends.
func dayAfter(d model.Date) time.Time {
	n := d.AddDate(0, 0, 1)
	return time.Date(n.Year, n.Month, n.Day, 0, 0, 0, 0, finland)
}

// endedBefore is when the latest of the account's grants from muni ended
// (revoked, or past its last day) at or before t; false if none had, or if
// a grant from muni was still in force at t (then a denial is not about a
// grant that ended).
func endedBefore(grants []Grant, muni string, t time.Time) (time.Time, bool) {
	var last time.Time
	found := false
	for _, g := range grants {
		if g.Municipality != muni {
			continue
		}
		end, ends := grantEnd(g)
		if !ends || end.After(t) {
			return time.Time{}, false
		}
		if !found || end.After(last) {
			last, found = end, true
		}
	}
	return last, found
}

// grantEnd is when a grant ends: revoked, or past its last day, whichever
// is first; false for a grant in force without an end date.
func grantEnd(g Grant) (time.Time, bool) {
	var end time.Time
	ends := false
	if g.Until != nil {
		end, ends = dayAfter(*g.Until), true
	}
	if g.Revoked != nil && (!ends || g.Revoked.Before(end)) {
		end, ends = *g.Revoked, true
	}
	return end, ends
}

func filter(es []Event, keep func(Event) bool) []Event {
	var out []Event
	for _, e := range es {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}
