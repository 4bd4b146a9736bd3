package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/api"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/casepolicy"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
	"github.com/xuri/excelize/v2"
)

// kmCell is one figure as the API answered it.
type kmCell struct {
	value      *float64
	suppressed bool
	forOthers  bool
}

func (c kmCell) String() string {
	switch {
	case c.suppressed:
		return "suppressed"
	case c.value == nil:
		return "null"
	}
	return fmt.Sprint(*c.value)
}

// kmStatistician adds a statistician of org.
func kmStatistician(t *testing.T, e *env, email, org string) {
	t.Helper()
	kmAccount(t, e, email, org, authz.Statistician)
}

// kmAccount adds an account of org with roles and a token valid for a year
// (the tests move the clock by months).
func kmAccount(t *testing.T, e *env, email, org string, roles ...authz.Role) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.s.CreateAccount(ctx, store.OperatorActor(), store.NewAccount{Email: email, Name: "S", OrganisationID: org, Roles: roles}); err != nil {
		t.Fatalf("%s of %s: %v", email, org, err)
	}
	tok, err := e.s.CreateToken(ctx, store.OperatorActor(), email, 365*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.tokens[email] = tok
}

// figures asks GET /api/v1/indicators/{id}/data as who and returns the
// cells by "area period" or "area period by".
func (e *env) figures(who, id, query string) map[string]kmCell {
	e.t.Helper()
	st, got := e.do(who, "GET", "/api/v1/indicators/"+id+"/data?"+query, nil)
	if st != 200 {
		e.t.Fatalf("%s %s?%s: %d %v", who, id, query, st, got)
	}
	if got["indicator"] != id {
		e.t.Fatalf("answer for %v, want %s", got["indicator"], id)
	}
	out := map[string]kmCell{}
	for _, x := range got["cells"].([]any) {
		m := x.(map[string]any)
		k := m["area"].(string) + " " + m["period"].(string)
		if by, ok := m["by"].(string); ok {
			k += " " + by
		}
		if _, dup := out[k]; dup {
			e.t.Fatalf("%s: cell %s twice", id, k)
		}
		c := kmCell{suppressed: m["suppressed"].(bool), forOthers: m["suppressed_for_others"] == true}
		if v, ok := m["value"].(float64); ok {
			c.value = &v
		}
		if c.suppressed && c.value != nil {
			e.t.Fatalf("%s: suppressed cell %s has a value", id, k)
		}
		out[k] = c
	}
	return out
}

// expect checks cells against "key=value" pairs ("key=-" for a suppressed
// cell, "key=null" for no value).
func expect(t *testing.T, what string, cells map[string]kmCell, pairs ...string) {
	t.Helper()
	for _, p := range pairs {
		k, want, _ := strings.Cut(p, "=")
		c, ok := cells[k]
		switch {
		case !ok:
			t.Errorf("%s: no cell %q (%d cells)", what, k, len(cells))
		case want == "-" && !c.suppressed:
			t.Errorf("%s %s = %s, want suppressed", what, k, c)
		case want != "-" && c.String() != want:
			t.Errorf("%s %s = %s, want %s", what, k, c, want)
		}
	}
}

// kmWorld records a realistic half year of three municipalities' work. The
// clock is left at 2026-04-20.
//
//	091 Helsinki: H1–H4 registered 12 Jan, H5 10 Feb (no first-permit date)
//	092 Vantaa:   V1 12 Jan, V2 10 Feb (Somali and Finnish citizen, family
//	              member), V2 transferred to 049 Espoo 10 Apr
func kmWorld(t *testing.T, e *env, clock *testClock) map[string]string {
	t.Helper()
	hel, van := "worker@hel.example", "worker@vantaa.example"
	ids := map[string]string{}
	reg := func(name, who, muni string, n int, firstPermit string, background ...any) {
		rb := map[string]any{"type": "residence_permit", "valid_until": "2029-06-30"}
		if firstPermit != "" {
			rb["first_permit_date"] = firstPermit
		}
		st, c := e.do(who, "POST", "/api/v1/clients", with(with(client(syntheticPIC(n)), "municipality", muni, "residence_basis", rb), background...))
		if st != 201 {
			t.Fatalf("register %s: %d %v", name, st, c)
		}
		ids[name] = c["id"].(string)
	}
	post := func(who, name, what string, body map[string]any) string {
		st, got := e.do(who, "POST", "/api/v1/clients/"+ids[name]+"/"+what, body)
		if st != 201 {
			t.Fatalf("%s %s: %d %v", name, what, st, got)
		}
		return got["id"].(string)
	}
	// syntheticPIC(n): born 1985-01-01 + n days; even n female, odd n male.
	clock.set("2026-01-12")
	reg("H1", hel, "091", 0, "2025-12-01")
	reg("H2", hel, "091", 1, "2025-12-01")
	reg("H3", hel, "091", 2, "2025-12-01")
	reg("H4", hel, "091", 3, "2025-12-01")
	reg("V1", van, "092", 4, "2025-11-15")
	clock.set("2026-01-20")
	post(hel, "H1", "assessments", assessment("2026-01-20"))
	clock.set("2026-02-10")
	reg("H5", hel, "091", 5, "")
	reg("V2", van, "092", 6, "2026-01-20", "citizenships", []string{"SO", "FI"}, "client_group", "family_member")
	post(hel, "H1", "plans", plan("2026-02-01", "2026-07-31", "planned_review_date", "2026-04-30"))
	post(hel, "H2", "assessments", assessment("2026-02-03"))
	post(hel, "H3", "assessments", assessment("2026-02-05"))
	post(hel, "H2", "plans", plan("2026-02-10", "2027-01-31", "planned_review_date", "2026-05-15"))
	clock.set("2026-02-15")
	post(van, "V1", "assessments", assessment("2026-02-12"))
	post(hel, "H5", "assessments", assessment("2026-02-12"))
	post(hel, "H1", "services", service("civic_orientation", "2026-02-15", "end_date", "2026-03-10", "attendance", "attended"))
	clock.set("2026-03-20")
	post(hel, "H1", "assessments", assessment("2026-03-02"))
	post(van, "V1", "plans", plan("2026-03-01", "2026-12-31", "planned_review_date", "2026-06-01"))
	post(hel, "H2", "services", service("integration_training", "2026-03-01", "end_date", "2026-06-30",
		"final_language_test", map[string]any{"level": "B1", "date": "2026-06-20"}))
	post(van, "V1", "services", service("language_course", "2026-03-05"))
	post(hel, "H1", "services", service("guidance_and_counselling", "2026-03-20"))
	if st, got := e.do(hel, "PATCH", "/api/v1/clients/"+ids["H4"], map[string]any{"jobseeker": true}); st != 200 {
		t.Fatalf("jobseeker: %d %v", st, got)
	}
	clock.set("2026-04-10")
	post(van, "V2", "transfer", map[string]any{"municipality": "049", "reason": "The client moved to Espoo"})
	clock.set("2026-04-20")
	return ids
}

// TestIndicatorFigures follows the figures of every indicator through a
// realistic sequence and two refreshes, without suppression (threshold 1),
// so that every figure of every area level, period level and breakdown can
// be checked exactly.
func TestIndicatorFigures(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, clock := newCaseEnv(t, tg, casepolicy.Policy{})
		ctx := context.Background()
		open, err := store.Open(ctx, tg.URL, store.Options{Clock: clock.Now, Indicators: store.IndicatorOptions{Threshold: 1}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { open.Close() })
		kmStatistician(t, e, "stats@tem.example", "tem")
		ids := kmWorld(t, e, clock)
		tem := "stats@tem.example"
		if _, err := open.RefreshIndicators(ctx, store.OperatorActor()); err != nil {
			t.Fatal(err)
		}
		q := func(area, period, from, to string, extra ...string) string {
			v := url.Values{"area": {area}, "period": {period}, "from": {from}, "to": {to}}
			for i := 0; i < len(extra); i += 2 {
				v.Set(extra[i], extra[i+1])
			}
			return v.Encode()
		}
		jan, apr := "2026-01-01", "2026-04-30"
		reg := e.figures(tem, "clients_registered", q("municipality", "month", jan, apr))
		if len(reg) != 309*4 {
			t.Errorf("%d cells, want every municipality × 4 months", len(reg))
		}
		expect(t, "registered", reg, "091 2026-01=4", "091 2026-02=1", "091 2026-03=0", "092 2026-01=1", "092 2026-02=1",
			"049 2026-02=0", "837 2026-01=0")
		expect(t, "registered", e.figures(tem, "clients_registered", q("country", "quarter", jan, "2026-06-30")), "FI 2026-Q1=7", "FI 2026-Q2=0")
		expect(t, "registered", e.figures(tem, "clients_registered", q("wellbeing_county", "year", jan, jan)), "90 2026=5", "04 2026=2", "03 2026=0")
		expect(t, "registered by sex", e.figures(tem, "clients_registered", q("region", "year", jan, jan, "by", "sex")),
			"01 2026 female=4", "01 2026 male=3", "01 2026 unknown=0", "02 2026 female=0")
		expect(t, "registered by age", e.figures(tem, "clients_registered", q("regional_centre", "month", jan, jan, "by", "age_group")),
			"uudenmaan-elinvoimakeskus 2026-01 35-44=5", "uudenmaan-elinvoimakeskus 2026-01 18-24=0")
		expect(t, "registered by language", e.figures(tem, "clients_registered", q("country", "year", jan, jan, "by", "service_language")),
			"FI 2026 fi=7", "FI 2026 sv=0")
		expect(t, "registered by client group", e.figures(tem, "clients_registered", q("country", "year", jan, jan, "by", "client_group")),
			"FI 2026 unknown=6", "FI 2026 family_member=1", "FI 2026 work=0")
		expect(t, "registered by citizenship", e.figures(tem, "clients_registered", q("country", "year", jan, jan, "by", "citizenship_group")),
			"FI 2026 unknown=6", "FI 2026 africa=1", "FI 2026 eu_eea=0")

		expect(t, "assessments", e.figures(tem, "assessments_completed", q("wellbeing_county", "month", jan, apr)),
			"90 2026-01=1", "90 2026-02=3", "90 2026-03=1", "04 2026-02=1", "04 2026-03=0")
		// First assessments with a known first-permit date: H1 50 days
		// (January), H2 64, H3 66 and V1 89 (February); H5 has no date.
		expect(t, "days to assessment", e.figures(tem, "days_permit_to_assessment", q("country", "month", jan, "2026-03-31")),
			"FI 2026-01=50", "FI 2026-02=66", "FI 2026-03=-")
		expect(t, "days to assessment", e.figures(tem, "days_permit_to_assessment", q("country", "quarter", jan, jan)), "FI 2026-Q1=65")
		expect(t, "plans started", e.figures(tem, "plans_started", q("municipality", "month", jan, apr)), "091 2026-02=2", "092 2026-03=1", "092 2026-02=0")
		// A stock: plans in force at the end of each period; the running
		// month, quarter and year as at the data date (20 April).
		expect(t, "plans in force", e.figures(tem, "plans_in_force", q("municipality", "month", jan, apr)),
			"091 2026-01=0", "091 2026-02=2", "091 2026-04=2", "092 2026-02=0", "092 2026-03=1")
		expect(t, "plans in force", e.figures(tem, "plans_in_force", q("region", "quarter", jan, "2026-09-30")),
			"01 2026-Q1=3", "01 2026-Q2=3", "01 2026-Q3=0")
		expect(t, "plans in force", e.figures(tem, "plans_in_force", q("country", "year", jan, jan)), "FI 2026=3")
		expect(t, "reviewed on time", e.figures(tem, "plans_reviewed_on_time", q("country", "quarter", "2026-04-01", "2026-06-30")), "FI 2026-Q2=-")
		// Assessment → plan: H1 12 and H2 7 days (February), V1 17 (March).
		expect(t, "days to plan", e.figures(tem, "days_assessment_to_plan", q("country", "month", "2026-02-01", "2026-03-31")),
			"FI 2026-02=9.5", "FI 2026-03=17")
		// Plan → first service: H1 14 (February), H2 19 and V1 4 (March).
		expect(t, "days to service", e.figures(tem, "days_plan_to_first_service", q("country", "month", "2026-02-01", "2026-03-31")),
			"FI 2026-02=14", "FI 2026-03=11.5")
		expect(t, "services by type", e.figures(tem, "services_started", q("municipality", "month", "2026-02-01", "2026-03-31", "by", "service_type")),
			"091 2026-02 civic_orientation=1", "091 2026-03 integration_training=1", "091 2026-03 guidance_and_counselling=1",
			"091 2026-03 civic_orientation=0", "092 2026-03 language_course=1")
		expect(t, "civic orientation", e.figures(tem, "civic_orientation_completed", q("municipality", "month", "2026-02-01", "2026-03-31")),
			"091 2026-02=0", "091 2026-03=1")
		expect(t, "language tests", e.figures(tem, "language_test_levels", q("country", "year", jan, jan, "by", "cefr_level")), "FI 2026 B1=0")
		expect(t, "transfers in", e.figures(tem, "clients_transferred_in", q("municipality", "month", apr, apr)), "049 2026-04=1", "092 2026-04=0")
		expect(t, "transfers out", e.figures(tem, "clients_transferred_out", q("wellbeing_county", "month", apr, apr)), "04 2026-04=1", "03 2026-04=0")
		expect(t, "transfers within the region", e.figures(tem, "clients_transferred_in", q("region", "month", apr, apr)), "01 2026-04=1")
		// Jobseekers at the end of each month: H4 since 20 March; V2 counts
		// for Vantaa until its transfer and for Espoo after it.
		expect(t, "jobseekers", e.figures(tem, "jobseeker_share", q("municipality", "month", jan, apr)),
			"091 2026-01=0", "091 2026-02=0", "091 2026-03=0.2", "092 2026-03=0", "049 2026-03=-", "049 2026-04=0")

		// Overdue deadlines by the worklist's rules: H3's and H5's plans were
		// due 7 April (after Easter) and 13 April.
		expect(t, "overdue", e.figures(tem, "deadlines_overdue", q("municipality", "month", "2026-03-01", apr)),
			"091 2026-03=0", "091 2026-04=2", "092 2026-04=0")
		expect(t, "overdue by kind", e.figures(tem, "deadlines_overdue", q("municipality", "month", apr, apr, "by", "deadline_kind")),
			"091 2026-04 plan_preparation=2", "091 2026-04 review_due=0")

		// More work, then a second refresh: the figures change exactly as
		// the new records say, and no earlier figure changes with a transfer.
		clock.set("2026-04-28")
		hel := "worker@hel.example"
		reviewOf := func(name, date string) {
			_, pl := e.do(hel, "GET", "/api/v1/clients/"+ids[name]+"/timeline", nil)
			for _, it := range pl["items"].([]any) {
				m := it.(map[string]any)
				if m["kind"] == "plan" {
					if st, got := e.do(hel, "POST", "/api/v1/clients/"+ids[name]+"/plans/"+m["id"].(string)+"/reviews",
						map[string]any{"date": date, "changes": "Reviewed"}); st != 201 {
						t.Fatalf("review: %d %v", st, got)
					}
				}
			}
		}
		reviewOf("H1", "2026-04-28")
		clock.set("2026-05-05")
		if st, got := e.do(hel, "POST", "/api/v1/clients", with(client(syntheticPIC(8)), "municipality", "091")); st != 201 {
			t.Fatalf("register H6: %d %v", st, got)
		}
		clock.set("2026-05-20")
		reviewOf("H2", "2026-05-20")
		clock.set("2026-06-02")
		if st, got := e.do(hel, "POST", "/api/v1/clients/"+ids["H3"]+"/transfer", map[string]any{"municipality": "092", "reason": "Moved"}); st != 201 {
			t.Fatalf("transfer H3: %d %v", st, got)
		}
		clock.set("2026-07-15")
		if _, err := open.RefreshIndicators(ctx, store.OperatorActor()); err != nil {
			t.Fatal(err)
		}
		expect(t, "registered after", e.figures(tem, "clients_registered", q("municipality", "month", jan, "2026-07-31")),
			"091 2026-01=4", "091 2026-05=1", "092 2026-01=1")
		expect(t, "transfers after", e.figures(tem, "clients_transferred_out", q("municipality", "month", "2026-06-01", "2026-06-30")), "091 2026-06=1")
		expect(t, "reviewed on time after", e.figures(tem, "plans_reviewed_on_time", q("country", "quarter", "2026-04-01", "2026-06-30")), "FI 2026-Q2=0.333")
		expect(t, "language tests after", e.figures(tem, "language_test_levels", q("municipality", "month", "2026-06-01", "2026-06-30", "by", "cefr_level")),
			"091 2026-06 B1=1", "091 2026-06 B2=0")
		expect(t, "jobseekers after", e.figures(tem, "jobseeker_share", q("municipality", "month", "2026-03-01", "2026-06-30")),
			"091 2026-03=0.2", "091 2026-06=0.2", "092 2026-05=0", "092 2026-06=0")
		expect(t, "plans in force after", e.figures(tem, "plans_in_force", q("municipality", "quarter", "2026-04-01", "2026-09-30")),
			"091 2026-Q2=2", "091 2026-Q3=2", "092 2026-Q3=1")
		// H1's second assessment's plan was due 4 May; H3 moved to Vantaa on
		// 2 June with its overdue plan; V1's review was due 1 June.
		overdue := e.figures(tem, "deadlines_overdue", q("municipality", "month", "2026-05-01", "2026-07-31"))
		expect(t, "overdue after", overdue, "091 2026-05=3", "091 2026-06=2", "092 2026-06=2", "092 2026-07=2")
		expect(t, "overdue by kind after", e.figures(tem, "deadlines_overdue", q("municipality", "month", "2026-07-01", "2026-07-31", "by", "deadline_kind")),
			"092 2026-07 review_due=1", "092 2026-07 plan_preparation=1", "091 2026-07 plan_preparation=2")
		// The running month is the worklist of today.
		for muni, who := range map[string]string{"091": hel, "092": "worker@vantaa.example"} {
			_, wl := e.do(who, "GET", "/api/v1/worklist?municipality="+muni, nil)
			n := 0
			for _, it := range wl["items"].([]any) {
				if it.(map[string]any)["overdue"] == true {
					n++
				}
			}
			if c := overdue[muni+" 2026-07"]; c.value == nil || *c.value != float64(n) {
				t.Errorf("%s: %s overdue deadlines in the indicator, %d in the worklist", muni, c, n)
			}
		}
	})
}

// kmWorker adds a worker of municipality muni with a token valid for a year.
func kmWorker(t *testing.T, e *env, email, muni string) {
	t.Helper()
	kmAccount(t, e, email, "municipality:"+muni)
	if _, err := e.s.CreateGrant(context.Background(), store.OperatorActor(), store.NewGrant{Email: email, Municipality: muni, Role: "worker", Task: "§ 80(2) task"}); err != nil {
		t.Fatal(err)
	}
}

// kmPublished is every figure of one indicator for 2026 as one caller sees
// it: level/area/period/by/category → cell.
type kmPublished map[string]kmCell

// kmCollect asks for an indicator at every area level, period level and the
// given breakdowns ("" = none).
func (e *env) kmCollect(who, id string, bys ...string) kmPublished {
	e.t.Helper()
	out := kmPublished{}
	for _, level := range []string{"municipality", "wellbeing_county", "region", "regional_centre", "country"} {
		for _, period := range []string{"month", "quarter", "year"} {
			for _, by := range bys {
				v := url.Values{"area": {level}, "period": {period}, "from": {"2026-01-01"}, "to": {"2026-12-31"}}
				if by != "" {
					v.Set("by", by)
				}
				for k, c := range e.figures(who, id, v.Encode()) {
					f := strings.Fields(k)
					cat := ""
					if len(f) == 3 {
						cat = f[2]
					}
					out[level+"/"+f[0]+"/"+f[1]+"/"+by+"/"+cat] = c
				}
			}
		}
	}
	return out
}

// kmEquations are the additive relations anyone can write down from the
// reference data: every area is the sum of the municipalities, counties and
// regions it consists of, a quarter the sum of its months, a year of its
// quarters and of its months, a total the sum of each breakdown's
// categories. Each equation is [total, parts...] over kmPublished keys.
func kmEquations(e *env, pub kmPublished) [][]string {
	ref := e.s.RefData()
	areas := map[string][]string{} // "level/code" → municipalities
	for _, m := range ref.Municipalities {
		areas["municipality/"+m.Code] = []string{m.Code}
		areas["wellbeing_county/"+m.WellbeingCountyCode] = append(areas["wellbeing_county/"+m.WellbeingCountyCode], m.Code)
		areas["region/"+m.RegionCode] = append(areas["region/"+m.RegionCode], m.Code)
		areas["country/FI"] = append(areas["country/FI"], m.Code)
	}
	for _, c := range ref.RegionalCentres {
		if c.Kind != "elinvoimakeskus" || len(c.RegionCodes) == 0 {
			continue
		}
		for _, r := range c.RegionCodes {
			areas["regional_centre/"+c.Slug] = append(areas["regional_centre/"+c.Slug], areas["region/"+r]...)
		}
	}
	// Area relations: a coarser area = the areas of a finer level inside it, when they cover it.
	type rel struct {
		total string
		parts []string
	}
	var areaRels []rel
	for total, ms := range areas {
		in := map[string]bool{}
		for _, m := range ms {
			in[m] = true
		}
		for _, level := range []string{"municipality", "wellbeing_county", "region"} {
			var parts []string
			n := 0
			for a, ams := range areas {
				if !strings.HasPrefix(a, level+"/") || a == total {
					continue
				}
				inside := true
				for _, m := range ams {
					inside = inside && in[m]
				}
				if inside {
					parts = append(parts, a)
					n += len(ams)
				}
			}
			if n == len(ms) && len(parts) > 0 && !(len(parts) == 1 && parts[0] == total) {
				areaRels = append(areaRels, rel{total, parts})
			}
		}
	}
	// The rest of each key: period/by/category, grouped.
	rest := map[string]bool{}
	for k := range pub {
		f := strings.SplitN(k, "/", 3)
		rest[f[2]] = true
	}
	var eqs [][]string
	for r := range rest {
		for _, ar := range areaRels {
			eq := []string{ar.total + "/" + r}
			for _, p := range ar.parts {
				eq = append(eq, p+"/"+r)
			}
			eqs = append(eqs, eq)
		}
	}
	byCats := map[string]map[string][]string{} // total → by → categories
	for k := range pub {
		f := strings.Split(k, "/") // level, area, period, by, category
		area, period, by, cat := f[0]+"/"+f[1], f[2], f[3], f[4]
		if len(period) == 4 { // a year: its quarters, and its months
			quarters, months := []string{k}, []string{k}
			for i := 1; i <= 12; i++ {
				if i <= 4 {
					quarters = append(quarters, fmt.Sprintf("%s/%s-Q%d/%s/%s", area, period, i, by, cat))
				}
				months = append(months, fmt.Sprintf("%s/%s-%02d/%s/%s", area, period, i, by, cat))
			}
			eqs = append(eqs, quarters, months)
		}
		if len(period) == 7 && period[5] == 'Q' {
			q := int(period[6] - '0')
			eq := []string{k}
			for m := 3*q - 2; m <= 3*q; m++ {
				eq = append(eq, fmt.Sprintf("%s/%s-%02d/%s/%s", area, period[:4], m, by, cat))
			}
			eqs = append(eqs, eq)
		}
		if by != "" { // a total is the sum of each breakdown's categories
			t := area + "/" + period + "//"
			if byCats[t] == nil {
				byCats[t] = map[string][]string{}
			}
			byCats[t][by] = append(byCats[t][by], k)
		}
	}
	for total, m := range byCats {
		for _, parts := range m {
			eqs = append(eqs, append([]string{total}, parts...))
		}
	}
	return eqs
}

// kmAttack solves by elimination: any equation with exactly one unknown
// gives it, again and again. known holds what the attacker knows besides the
// published figures (a municipality its own). It returns the suppressed
// figures it worked out.
func kmAttack(pub kmPublished, eqs [][]string, known map[string]float64) []string {
	val := map[string]float64{}
	for k, c := range pub {
		if !c.suppressed && c.value != nil {
			val[k] = *c.value
		}
	}
	for k, v := range known {
		val[k] = v
	}
	var found []string
	for changed := true; changed; {
		changed = false
		for _, eq := range eqs {
			unknown, sum := -1, 0.0
			n := 0
			for i, k := range eq {
				if _, ok := pub[k]; !ok {
					n = 2 // a figure not asked for: the attacker lacks it as well
					break
				}
				if v, ok := val[k]; ok {
					if i == 0 {
						sum += v
					} else {
						sum -= v
					}
				} else {
					unknown = i
					n++
				}
			}
			if n != 1 {
				continue
			}
			k := eq[unknown]
			if unknown == 0 {
				val[k] = -sum
			} else {
				val[k] = sum
			}
			changed = true
			if pub[k].suppressed {
				if _, own := known[k]; !own {
					found = append(found, fmt.Sprintf("%s = %v", k, val[k]))
				}
			}
		}
	}
	return found
}

// TestIndicatorDisclosure: who sees what, and that no suppressed figure
// follows from the published ones — for outsiders, for a municipality that
// knows its own figures, across queries that overlap and after a refresh.
func TestIndicatorDisclosure(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, clock := newCaseEnv(t, tg, casepolicy.Policy{})
		ctx := context.Background()
		kmWorker(t, e, "worker@kerava.example", "245")
		for who, org := range map[string]string{"stats@tem.example": "tem", "stats@hel.example": "municipality:091",
			"stats@espoo.example": "municipality:049", "stats@vkhva.example": "wellbeing_county:04",
			"stats@uusimaa.example": "regional_centre:uudenmaan-elinvoimakeskus"} {
			kmStatistician(t, e, who, org)
		}
		n := 0
		register := func(who, muni string, count int) {
			for range count {
				n++
				if st, got := e.do(who, "POST", "/api/v1/clients", with(client(syntheticPIC(n)), "municipality", muni)); st != 201 {
					t.Fatalf("register: %d %v", st, got)
				}
			}
		}
		clock.set("2026-01-15")
		register("worker@hel.example", "091", 12)
		register("worker@espoo.example", "049", 6)
		register("worker@vantaa.example", "092", 2)
		register("worker@kerava.example", "245", 1)
		clock.set("2026-02-16")
		register("worker@hel.example", "091", 3)
		register("worker@espoo.example", "049", 7)
		clock.set("2026-03-02")
		if _, err := e.s.RefreshIndicators(ctx, store.OperatorActor()); err != nil {
			t.Fatal(err)
		}
		tem, hel := "stats@tem.example", "stats@hel.example"
		months := url.Values{"area": {"municipality"}, "period": {"month"}, "from": {"2026-01-01"}, "to": {"2026-02-28"}}.Encode()
		truth := map[string]float64{"091 2026-01": 12, "091 2026-02": 3, "049 2026-01": 6, "049 2026-02": 7,
			"092 2026-01": 2, "092 2026-02": 0, "245 2026-01": 1, "245 2026-02": 0}
		national := e.figures(tem, "clients_registered", months)
		for k, want := range truth {
			c := national[k]
			if want >= 1 && want <= 4 && !c.suppressed {
				t.Errorf("the ministry sees %s = %s, a count of 1 to 4", k, c)
			}
			if !c.suppressed && (c.value == nil || *c.value != want) {
				t.Errorf("the ministry sees %s = %s, want %v", k, c, want)
			}
		}
		// Helsinki sees its own figures, small ones too, marked as
		// suppressed for everyone else; nothing of another municipality.
		own := e.figures(hel, "clients_registered", months)
		if len(own) != 2 {
			t.Errorf("Helsinki sees %d municipal cells, want its own 2", len(own))
		}
		expect(t, "Helsinki's own", own, "091 2026-01=12", "091 2026-02=3")
		if !own["091 2026-02"].forOthers || own["091 2026-01"].forOthers != national["091 2026-01"].suppressed {
			t.Errorf("Helsinki's own small figure is not marked as suppressed for others: %+v", own)
		}
		expect(t, "Helsinki as main user", e.figures("main@hel.example", "clients_registered", months), "091 2026-02=3")
		// Its comparison areas exactly as outsiders see them.
		for _, level := range []string{"region", "country"} {
			q := url.Values{"area": {level}, "period": {"month"}, "from": {"2026-01-01"}, "to": {"2026-02-28"}}.Encode()
			mine, theirs := e.figures(hel, "clients_registered", q), e.figures(tem, "clients_registered", q)
			if len(mine) != 2 {
				t.Errorf("Helsinki's %s comparison: %d cells", level, len(mine))
			}
			for k, c := range mine {
				if c.String() != theirs[k].String() {
					t.Errorf("Helsinki sees %s %s = %s, the ministry %s", level, k, c, theirs[k])
				}
			}
		}
		espoo := e.figures("stats@espoo.example", "clients_registered", months)
		if _, ok := espoo["091 2026-02"]; ok || len(espoo) != 2 {
			t.Errorf("Espoo's statistician sees %v", espoo)
		}
		// A wellbeing county: its municipalities (Vantaa, Kerava) only.
		county := e.figures("stats@vkhva.example", "clients_registered", months)
		expect(t, "county 04", county, "092 2026-01=-", "245 2026-01=-")
		if len(county) != 4 {
			t.Errorf("county 04 sees %d municipal cells, want 4", len(county))
		}
		if c := e.figures("stats@vkhva.example", "clients_registered", url.Values{"area": {"wellbeing_county"}, "period": {"year"},
			"from": {"2026-01-01"}, "to": {"2026-01-01"}}.Encode()); len(c) != 1 {
			t.Errorf("county 04 sees counties %v", c)
		}
		if c := e.figures("stats@uusimaa.example", "clients_registered", url.Values{"area": {"municipality"}, "period": {"year"},
			"from": {"2026-01-01"}, "to": {"2026-01-01"}}.Encode()); len(c) != 26 {
			t.Errorf("the Uusimaa centre sees %d municipalities, want Uusimaa's 26", len(c))
		}
		if st, _ := e.do("worker@hel.example", "GET", "/api/v1/indicators/clients_registered/data?"+months, nil); st != 403 {
			t.Errorf("a worker reads indicators: %d", st)
		}

		// The same figure asked in overlapping queries is the same.
		narrow := e.figures(tem, "clients_registered", url.Values{"area": {"municipality"}, "period": {"month"}, "from": {"2026-02-01"}, "to": {"2026-02-28"}}.Encode())
		for k, c := range narrow {
			if national[k].String() != c.String() {
				t.Errorf("%s: %s in one query, %s in another", k, national[k], c)
			}
		}

		// Elimination over every published table: nothing suppressed follows,
		// for an outsider or for Helsinki with its own figures.
		bys := []string{"", "sex", "service_language"}
		pub := e.kmCollect(tem, "clients_registered", bys...)
		eqs := kmEquations(e, pub)
		if found := kmAttack(pub, eqs, nil); len(found) > 0 {
			t.Errorf("an outsider works out suppressed figures: %v", found)
		}
		helKnows := map[string]float64{}
		for k, c := range e.kmCollect(hel, "clients_registered", bys...) {
			f := strings.Split(k, "/")
			if (f[0] == "municipality" && f[1] == "091") && c.value != nil {
				helKnows[k] = *c.value
				helKnows["wellbeing_county/90/"+strings.Join(f[2:], "/")] = *c.value
			}
		}
		if len(helKnows) == 0 {
			t.Fatal("Helsinki knows nothing of its own")
		}
		if found := kmAttack(pub, eqs, helKnows); len(found) > 0 {
			t.Errorf("Helsinki works out others' suppressed figures: %v", found)
		}
		suppressed := 0
		for _, c := range pub {
			if c.suppressed {
				suppressed++
			}
		}
		if suppressed == 0 {
			t.Fatal("nothing suppressed: the attack proved nothing")
		}

		// A refresh without new data publishes exactly the same figures.
		if _, err := e.s.RefreshIndicators(ctx, store.OperatorActor()); err != nil {
			t.Fatal(err)
		}
		again := e.kmCollect(tem, "clients_registered", bys...)
		for k, c := range pub {
			if again[k].String() != c.String() {
				t.Errorf("after a refresh without new data %s is %s, was %s", k, again[k], c)
			}
		}
	})
}

// kmFile fetches a table as a file and reads its cells back, keyed as
// figures does (a breakdown category by its English label in the XLSX).
func (e *env) kmFile(who, id, query, format string) map[string]kmCell {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+"/api/v1/indicators/"+id+"/data?"+query+"&format="+format, nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[who])
	req.Header.Set("Accept-Language", "en")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		e.t.Fatalf("%s %s: %d %s", format, query, resp.StatusCode, raw)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		e.t.Errorf("%s: Cache-Control %q", format, cc)
	}
	out := map[string]kmCell{}
	put := func(area, period, by, value string, suppressed bool) {
		k := area + " " + period
		if by != "" {
			k += " " + by
		}
		c := kmCell{suppressed: suppressed}
		if value != "" {
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				e.t.Fatalf("%s: value %q", format, value)
			}
			c.value = &v
		}
		out[k] = c
	}
	switch format {
	case "csv":
		rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
		if err != nil || len(rows) == 0 || strings.Join(rows[0], ",") != "indicator,area,period,by,value,suppressed" {
			e.t.Fatalf("csv: %v %q", err, raw[:min(len(raw), 80)])
		}
		for _, r := range rows[1:] {
			if r[0] != id {
				e.t.Fatalf("csv row of %s", r[0])
			}
			put(r[1], r[2], r[3], r[4], r[5] == "true")
		}
	case "xlsx":
		f, err := excelize.OpenReader(bytes.NewReader(raw))
		if err != nil {
			e.t.Fatal(err)
		}
		rows, err := f.GetRows(f.GetSheetName(0), excelize.Options{RawCellValue: true})
		if err != nil {
			e.t.Fatal(err)
		}
		header := rows[3]
		labelCols := 2
		byCode := map[string]string{}
		if v, _ := url.ParseQuery(query); v.Get("by") != "" {
			labelCols = 3
			for _, c := range e.s.IndicatorCatalogue().Dimension(v.Get("by")).Categories {
				byCode[c.Label.En] = c.ID
			}
		}
		for _, r := range rows[4:] {
			for j, p := range header[labelCols:] {
				v := ""
				if labelCols+j < len(r) {
					v = r[labelCols+j]
				}
				by := ""
				if labelCols == 3 {
					by = byCode[r[2]]
				}
				put(r[0], p, by, strings.ReplaceAll(v, "..", ""), v == "..")
			}
		}
	case "json-stat":
		var js struct {
			Version, Class string
			ID             []string
			Size           []int
			Dimension      map[string]struct {
				Category struct{ Index []string }
			}
			Value  []*float64
			Status map[string]string
		}
		if err := json.Unmarshal(raw, &js); err != nil || js.Version != "2.0" || js.Class != "dataset" {
			e.t.Fatalf("json-stat: %v %+v", err, js)
		}
		for i, v := range js.Value {
			idx, rest := []int{}, i
			for d := len(js.Size) - 1; d >= 0; d-- {
				idx = append([]int{rest % js.Size[d]}, idx...)
				rest /= js.Size[d]
			}
			by := ""
			if len(js.ID) == 4 {
				by = js.Dimension[js.ID[3]].Category.Index[idx[3]]
			}
			c := kmCell{value: v, suppressed: js.Status[strconv.Itoa(i)] == ".."}
			k := js.Dimension["area"].Category.Index[idx[1]] + " " + js.Dimension["period"].Category.Index[idx[2]]
			if by != "" {
				k += " " + by
			}
			out[k] = c
		}
	}
	return out
}

// TestIndicatorFiles: every format holds exactly the JSON answer's cells,
// for an outsider and for a municipality seeing its own figures.
func TestIndicatorFiles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, clock := newCaseEnv(t, tg, casepolicy.Policy{})
		kmStatistician(t, e, "stats@tem.example", "tem")
		kmStatistician(t, e, "stats@hel.example", "municipality:091")
		kmWorld(t, e, clock)
		if _, err := e.s.RefreshIndicators(context.Background(), store.OperatorActor()); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ who, id, query string }{
			{"stats@tem.example", "clients_registered", "area=wellbeing_county&period=month&from=2026-01-01&to=2026-04-30&by=sex"},
			{"stats@tem.example", "days_permit_to_assessment", "area=region&period=quarter&from=2026-01-01&to=2026-06-30"},
			{"stats@hel.example", "jobseeker_share", "area=municipality&period=month&from=2026-01-01&to=2026-04-30"},
			{"stats@hel.example", "services_started", "area=region&period=year&from=2026-01-01&to=2026-12-31&by=service_type"},
		} {
			want := e.figures(c.who, c.id, c.query)
			for _, format := range []string{"csv", "xlsx", "json-stat"} {
				got := e.kmFile(c.who, c.id, c.query, format)
				if len(got) != len(want) {
					t.Errorf("%s %s %s: %d cells, JSON %d", c.who, c.id, format, len(got), len(want))
				}
				for k, w := range want {
					if g, ok := got[k]; !ok || g.String() != w.String() {
						t.Errorf("%s %s %s: %s = %v, JSON %s", c.who, c.id, format, k, g, w)
					}
				}
			}
		}
	})
}

// TestIndicatorAPIConforms: the answers have the documented shape (JSON,
// JSON-stat and problems), and bad parameters are refused with field errors.
func TestIndicatorAPIConforms(t *testing.T) {
	doc := oaDocument(t)
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, clock := newCaseEnv(t, tg, casepolicy.Policy{})
		kmStatistician(t, e, "stats@tem.example", "tem")
		kmWorld(t, e, clock)
		check := func(who, template, path string, status int) map[string]any {
			t.Helper()
			req, _ := http.NewRequest("GET", e.url+path, nil)
			req.Header.Set("Authorization", "Bearer "+e.tokens[who])
			req.Header.Set("Accept-Language", "sv")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != status {
				t.Fatalf("%s: %d, want %d: %s", path, resp.StatusCode, status, raw)
			}
			got, _ := oaCheckResponse(t, doc, "GET "+template, resp, raw).(map[string]any)
			return got
		}
		const list, data = "/api/v1/indicators", "/api/v1/indicators/{id}/data"
		items := check("stats@tem.example", list, list, 200)["items"].([]any)
		if len(items) != 16 {
			t.Errorf("%d indicators listed", len(items))
		}
		base := "/api/v1/indicators/plans_started/data?area=region&period=quarter&from=2026-01-01&to=2026-06-30"
		check("stats@tem.example", data, base, 200)
		check("stats@tem.example", data, base+"&by=sex&format=json-stat", 200)
		check("worker@hel.example", data, base, 403)
		check("stats@tem.example", data, "/api/v1/indicators/no_such/data?area=region&period=year&from=2026-01-01&to=2026-01-01", 404)
		check("stats@tem.example", data, "/api/v1/indicators/clients_closed/data?area=region&period=year&from=2026-01-01&to=2026-01-01&by=closure_reason", 200)
		p := check("stats@tem.example", data, base+"&period=fortnight", 400)
		if p["code"] != "bad_request" || !contains(fieldCodes(p), "period:not_allowed") {
			t.Errorf("two periods: %v", p)
		}
		p = check("stats@tem.example", data, "/api/v1/indicators/plans_started/data?area=region&period=year&from=2026-01-01&to=2025-01-01&by=service_type", 422)
		if p["code"] != "validation_failed" || !contains(fieldCodes(p), "to:date_order") || !contains(fieldCodes(p), "by:invalid_choice") {
			t.Errorf("to before from, and a breakdown the indicator lacks: %v", p)
		}
	})
}

// TestOpenData: off by default; on, the country, regions and counties
// without sign-in, exactly as the ministry sees them, cached by snapshot,
// rate-limited and not audited.
func TestOpenData(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e, clock := newCaseEnv(t, tg, casepolicy.Policy{})
		kmStatistician(t, e, "stats@tem.example", "tem")
		if st, _ := e.do("", "GET", "/api/v1/open/indicators", nil); st != 404 {
			t.Errorf("open data answers when off: %d", st)
		}
		ctx := context.Background()
		s, err := store.Open(ctx, tg.URL, store.Options{Clock: clock.Now, Indicators: store.IndicatorOptions{OpenData: true, OpenDataRate: 4}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		srv := server.New(server.Config{}, s, locale.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)))
		srv.Mount(api.Routes(srv))
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(ts.Close)
		kmWorld(t, e, clock)
		if _, err := e.s.RefreshIndicators(ctx, store.OperatorActor()); err != nil {
			t.Fatal(err)
		}
		get := func(path, etag string) (*http.Response, []byte) {
			t.Helper()
			req, _ := http.NewRequest("GET", ts.URL+path, nil)
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			return resp, raw
		}
		if resp, raw := get("/api/v1/open/indicators", ""); resp.StatusCode != 200 || !strings.Contains(string(raw), `"plans_in_force"`) {
			t.Fatalf("open catalogue: %d %s", resp.StatusCode, raw)
		}
		query := "area=region&period=month&from=2026-01-01&to=2026-04-30"
		resp, raw := get("/api/v1/open/indicators/clients_registered/data?"+query, "")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Cache-Control"), "public") || resp.Header.Get("ETag") == "" {
			t.Fatalf("open figures: %d %v %s", resp.StatusCode, resp.Header, raw)
		}
		var got struct{ Cells []map[string]any }
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		ministry := e.figures("stats@tem.example", "clients_registered", query)
		if len(got.Cells) != len(ministry) || len(got.Cells) != 19*4 {
			t.Errorf("open data has %d cells, the ministry %d", len(got.Cells), len(ministry))
		}
		for _, c := range got.Cells {
			k := c["area"].(string) + " " + c["period"].(string)
			open := kmCell{suppressed: c["suppressed"].(bool)}
			if v, ok := c["value"].(float64); ok {
				open.value = &v
			}
			if open.String() != ministry[k].String() {
				t.Errorf("open %s = %s, the ministry sees %s", k, open, ministry[k])
			}
		}
		if again, _ := get("/api/v1/open/indicators/clients_registered/data?"+query, resp.Header.Get("ETag")); again.StatusCode != 304 {
			t.Errorf("If-None-Match with the current ETag: %d", again.StatusCode)
		}
		if r, _ := get("/api/v1/open/indicators/clients_registered/data?area=municipality&period=year&from=2026-01-01&to=2026-01-01", ""); r.StatusCode != 422 {
			t.Errorf("municipalities as open data: %d", r.StatusCode)
		}
		if r, _ := get("/api/v1/open/indicators/clients_registered/data?"+query+"&format=csv", ""); r.StatusCode != 429 {
			t.Errorf("the fifth request of a minute: %d", r.StatusCode)
		}
		events, err := e.s.AuditEvents(ctx, store.OperatorActor(), store.AuditFilter{Action: "indicator.read", Limit: 100})
		if err != nil || len(events) != 1 { // the ministry's figures() call
			t.Errorf("audit events of indicator reads: %d %v", len(events), err)
		}
	})
}

// TestIndicatorAnswersCachedPerViewer: an answer asked again is the same
// bytes and is audited again; a municipality's own view is never served to
// another organisation; a new snapshot is never answered from an older one.
func TestIndicatorAnswersCachedPerViewer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		e, clock := newCaseEnv(t, tg, casepolicy.Policy{})
		kmStatistician(t, e, "stats@tem.example", "tem")
		kmStatistician(t, e, "stats@hel.example", "municipality:091")
		kmWorld(t, e, clock)
		if _, err := e.s.RefreshIndicators(ctx, store.OperatorActor()); err != nil {
			t.Fatal(err)
		}
		raw := func(who, path string) string {
			t.Helper()
			req, _ := http.NewRequest("GET", e.url+path, nil)
			req.Header.Set("Authorization", "Bearer "+e.tokens[who])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("%s %s: %d, Cache-Control %q", who, path, resp.StatusCode, resp.Header.Get("Cache-Control"))
			}
			return string(b)
		}
		const path = "/api/v1/indicators/jobseeker_share/data?area=municipality&period=month&from=2026-01-01&to=2026-04-30"
		formats := []string{"", "&format=csv", "&format=json-stat", "&format=xlsx"}
		for _, f := range formats {
			own := raw("stats@hel.example", path+f)
			if again := raw("stats@hel.example", path+f); again != own {
				t.Errorf("%q asked again: a different answer", f)
			}
			if raw("stats@tem.example", path+f) == own {
				t.Errorf("%q: the ministry got Helsinki's own view", f)
			}
		}
		events, err := e.s.AuditEvents(ctx, store.OperatorActor(), store.AuditFilter{ActorEmail: "stats@hel.example", Action: "indicator.read", Limit: 100})
		if err != nil || len(events) != 2*len(formats) {
			t.Fatalf("Helsinki's indicator reads audited: %d, want %d (%v)", len(events), 2*len(formats), err)
		}
		for _, ev := range events {
			if ev.ResultCount == nil || *ev.ResultCount == 0 {
				t.Errorf("event %d without the number of figures", ev.ID)
			}
		}
		before := raw("stats@hel.example", path)
		if _, err := e.s.RefreshIndicators(ctx, store.OperatorActor()); err != nil {
			t.Fatal(err)
		}
		var a, b struct {
			Snapshot struct{ ID int64 } `json:"snapshot"`
		}
		_ = json.Unmarshal([]byte(before), &a)
		_ = json.Unmarshal([]byte(raw("stats@hel.example", path)), &b)
		if a.Snapshot.ID == 0 || b.Snapshot.ID <= a.Snapshot.ID {
			t.Errorf("after a refresh the answer names snapshot %d (before %d)", b.Snapshot.ID, a.Snapshot.ID)
		}
	})
}
