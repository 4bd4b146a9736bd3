package indicators

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/casepolicy"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/refdata"
)

func testGeography(t *testing.T) *Geography {
	t.Helper()
	ref, err := refdata.Load()
	if err != nil {
		t.Fatal(err)
	}
	return NewGeography(ref)
}

// TestCatalogueMatchesTheModel: the categories of the breakdowns that the
// registry validates are exactly the registry's values.
func TestCatalogueMatchesTheModel(t *testing.T) {
	c := MustLoadCatalogue()
	for dim, want := range map[string][]string{
		DimServiceType:     model.ServiceTypes,
		DimCEFRLevel:       model.CEFRLevels,
		DimServiceLanguage: {"fi", "sv"},
		DimSex:             {"female", "male", Unknown},
		DimAgeGroup:        {"0-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"},
		DimClosureReason:   {"integration_period_ended", "moved_abroad", "moved_to_unknown", "deceased", "other"},
		DimDeadlineKind:    {casepolicy.PlanPreparation, casepolicy.ServiceGuidance, casepolicy.ReviewDue},
		DimClientGroup: {"international_protection", "quota_refugee", "family_member", "work", "study", "temporary_protection",
			"trafficking_victim", "eu_eea", "other", Unknown},
	} {
		if got := c.CategoryIDs(dim); !slices.Equal(got, want) {
			t.Errorf("%s categories %v, want %v", dim, got, want)
		}
	}
	var groups []string
	for _, g := range m49Groups {
		groups = append(groups, g.group)
	}
	if got := c.CategoryIDs(DimCitizenshipGroup); !slices.Equal(got, append(append([]string{CitizenshipEUEEA}, groups...), Unknown)) {
		t.Errorf("citizenship groups %v", got)
	}
	for _, id := range []string{"clients_registered", "assessments_completed", "plans_started", "services_started", "days_permit_to_assessment"} {
		if c.Indicator(id) == nil {
			t.Errorf("CONTRACT.md's indicator %s is missing", id)
		}
	}
	if got := c.Available(func(string) bool { return false }); slices.ContainsFunc(got, func(i Indicator) bool { return i.ID == "clients_closed" }) {
		t.Error("clients_closed offered without closing data")
	}
}

func TestCitizenshipGroup(t *testing.T) {
	for code, want := range map[string]string{
		"FI": CitizenshipEUEEA, "SE": CitizenshipEUEEA, "NO": CitizenshipEUEEA, "CH": CitizenshipEUEEA, "CY": CitizenshipEUEEA,
		"RU": CitizenshipOtherEurope, "UA": CitizenshipOtherEurope, "GB": CitizenshipOtherEurope,
		"SO": CitizenshipAfrica, "ER": CitizenshipAfrica, "AF": CitizenshipAsia, "SY": CitizenshipAsia, "TR": CitizenshipAsia,
		"US": CitizenshipAmericas, "BR": CitizenshipAmericas, "AU": CitizenshipOceania,
		"XX": Unknown, "ZZ": Unknown, "": Unknown, "fi": Unknown, "FIN": Unknown, "EU": Unknown,
	} {
		if got := CitizenshipGroup(code); got != want {
			t.Errorf("%q: %s, want %s", code, got, want)
		}
	}
	all := CountryGroups()
	if len(all) < 240 || len(all) > 280 {
		t.Errorf("%d countries", len(all))
	}
	for code, g := range all {
		if g == Unknown || len(code) != 2 {
			t.Errorf("%s → %s", code, g)
		}
	}
}

func TestPeriods(t *testing.T) {
	m := MonthOf(model.Date{Year: 2026, Month: 8, Day: 15})
	for level, want := range map[string]string{PeriodMonth: "2026-08", PeriodQuarter: "2026-Q3", PeriodYear: "2026"} {
		if got := PeriodOf(level, m).Label(); got != want {
			t.Errorf("%s: %s, want %s", level, got, want)
		}
	}
	if got := m.LastDay().String(); got != "2026-08-31" {
		t.Errorf("last day %s", got)
	}
	if n := len(Periods(PeriodQuarter, MonthFor(2025, 11), MonthFor(2026, 2))); n != 2 {
		t.Errorf("quarters from Nov 2025 to Feb 2026: %d", n)
	}
	if n := len(Periods(PeriodMonth, MonthFor(2026, 3), MonthFor(2026, 2))); n != 0 {
		t.Errorf("an empty range has %d periods", n)
	}
}

func TestGeography(t *testing.T) {
	g := testGeography(t)
	county90, _ := g.Area(AreaWellbeingCounty, "90")
	if county90.Owner() != "091" || county90.node < 0 {
		t.Errorf("wellbeing county 90 is Helsinki alone: %v", county90)
	}
	uusimaa, _ := g.Area(AreaRegion, "01")
	if len(uusimaa.Municipalities) != 26 || uusimaa.Owner() != "" {
		t.Errorf("region 01: %v", uusimaa)
	}
	// Every area with municipalities is a node of the disclosure hierarchy,
	// and back; a centre whose area is not known has no figures at all.
	for _, level := range AreaLevels {
		for _, a := range g.Areas(level) {
			if (a.node >= 0) != (len(a.Municipalities) > 0) || (a.node >= 0 && g.all[g.byNode[a.node]].Code != a.Code) {
				t.Errorf("%v: node %d", a, a.node)
			}
		}
	}
	v := g.ViewerFor("municipality", "091")
	for _, c := range []struct {
		level, code string
		visible     bool
	}{{AreaMunicipality, "091", true}, {AreaMunicipality, "049", false}, {AreaWellbeingCounty, "90", true},
		{AreaWellbeingCounty, "03", false}, {AreaRegion, "01", true}, {AreaRegion, "02", false}, {AreaCountry, "FI", true}} {
		a, _ := g.Area(c.level, c.code)
		if g.Visible(v, a) != c.visible {
			t.Errorf("Helsinki sees %s %s: %v", c.level, c.code, !c.visible)
		}
	}
	if !v.Owns(county90) || v.Owns(uusimaa) {
		t.Error("Helsinki owns exactly its own areas")
	}
	county := g.ViewerFor("wellbeing_county", "04")
	if len(county.Municipalities) != 2 || county.Owner != "" {
		t.Errorf("county 04: %+v", county)
	}
	if v := g.ViewerFor("service_provider", "x"); len(v.Municipalities) != 0 {
		t.Error("an unknown organisation sees something")
	}
}

func TestParseQuery(t *testing.T) {
	ind := MustLoadCatalogue().Indicator("clients_registered")
	for q, want := range map[string]string{
		"area=region&period=year&from=2026-01-01&to=2026-12-31":                   "",
		"area=region&period=year&from=2026-01-01&to=2026-12-31&by=sex&format=csv": "",
		"period=year&from=2026-01-01&to=2026-12-31":                               "bad_request area:required",
		"area=street&period=year&from=2026-01-01&to=2026-12-31":                   "bad_request area:invalid_choice",
		"area=region&period=week&from=2026-01-01&to=2026-12-31":                   "bad_request period:invalid_choice",
		"area=region&period=year&from=2026-02-30&to=2026-12-31":                   "bad_request from:invalid_date",
		"area=region&period=year&from=2026-01-01&to=2026-12-31&group_by=x":        "bad_request group_by:unknown_field",
		"area=region&period=year&from=2026-01-01&to=2026-12-31&area=country":      "bad_request area:not_allowed",
		"area=region&period=year&from=2026-01-01&to=2026-12-31&format=pdf":        "bad_request format:invalid_choice",
		"area=region&period=year&from=2026-01-01&to=2026-12-31&by=service_type":   "validation_failed by:invalid_choice",
		"area=region&period=year&from=2026-12-31&to=2026-01-01":                   "validation_failed to:date_order",
		"area=region&period=month&from=2016-01-01&to=2026-12-31":                  "validation_failed to:too_many_items",
	} {
		vals, _ := url.ParseQuery(q)
		_, err := ParseQuery(ind, vals)
		got := ""
		if e, ok := err.(*model.Error); ok {
			got = e.Code
			for _, f := range e.Fields {
				got += " " + f.Field + ":" + f.Code
			}
		} else if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("%s: %q, want %q", q, got, want)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		hist map[int]int64
		want float64
	}{{map[int]int64{5: 1}, 5}, {map[int]int64{1: 1, 10: 1}, 5.5}, {map[int]int64{1: 2, 3: 1}, 1}, {map[int]int64{-2: 1, 4: 3}, 4}} {
		if got := median(c.hist); got != c.want {
			t.Errorf("median %v = %v, want %v", c.hist, got, c.want)
		}
	}
}

// randomFacts generates counts of one indicator in a few municipalities of
// Uusimaa over 2025–2026 with random categories.
func randomFacts(rng *rand.Rand, id string) []Fact {
	munis := []string{"091", "049", "092", "245", "235", "257", "186"}
	var out []Fact
	for range 300 {
		f := Fact{Indicator: id, Municipality: munis[rng.IntN(len(munis))], Month: MonthFor(2025, 1) + Month(rng.IntN(23)), Count: int64(1 + rng.IntN(3))}
		f.Cat[DimIndex(DimSex)] = []string{"female", "male", Unknown}[rng.IntN(3)]
		f.Cat[DimIndex(DimServiceLanguage)] = []string{"fi", "sv"}[rng.IntN(2)]
		out = append(out, f)
	}
	return out
}

// TestBuildRollsUpAndSuppresses: on random data every published figure is
// the sum of its facts, every count from 1 to 4 is suppressed, the plan does
// not depend on the order of the facts, and a second build that knows the
// first one's figures suppresses exactly the same cells.
func TestBuildRollsUpAndSuppresses(t *testing.T) {
	cat, geo := MustLoadCatalogue(), testGeography(t)
	ind := *cat.Indicator("clients_registered")
	for seed := range uint64(5) {
		rng := rand.New(rand.NewPCG(seed, 42))
		facts := randomFacts(rng, ind.ID)
		in := Input{Catalogue: cat, Geography: geo, Indicators: []Indicator{ind}, First: MonthFor(2025, 1), Last: MonthFor(2026, 11), Facts: facts}
		cells, stats, err := Build(in)
		if err != nil {
			t.Fatal(err)
		}
		if stats.Primary == 0 || stats.Suppressed <= stats.Primary {
			t.Errorf("seed %d: %+v: no complementary suppression on small random data", seed, stats)
		}
		want := map[string]float64{}
		for _, f := range facts {
			for _, level := range PeriodLevels {
				p := PeriodOf(level, f.Month).Label()
				for _, a := range geo.ofMunicipality[f.Municipality] {
					area := geo.all[a]
					k := area.Level + "/" + area.Code + "/" + p
					want[k+"//"] += float64(f.Count)
					for _, b := range ind.Breakdowns {
						c := f.Cat[DimIndex(b)]
						if c == "" && slices.Contains(cat.CategoryIDs(b), Unknown) {
							c = Unknown
						}
						if c != "" {
							want[k+"/"+b+"/"+c] += float64(f.Count)
						}
					}
				}
			}
		}
		got := map[string]Cell{}
		for _, c := range cells {
			k := c.AreaLevel + "/" + c.Area + "/" + c.Period + "/" + c.Breakdown + "/" + c.Category
			got[k] = c
			if c.Value != want[k] {
				t.Fatalf("seed %d: %s = %v, want %v", seed, k, c.Value, want[k])
			}
			if c.Value >= 1 && c.Value <= 4 && !c.Suppressed {
				t.Errorf("seed %d: %s = %v published", seed, k, c.Value)
			}
		}
		for k, v := range want {
			if _, ok := got[k]; !ok && v != 0 {
				t.Fatalf("seed %d: %s (%v) not in the snapshot", seed, k, v)
			}
		}
		rng.Shuffle(len(facts), func(i, j int) { facts[i], facts[j] = facts[j], facts[i] })
		again, _, _ := Build(in)
		if fmt.Sprint(again) != fmt.Sprint(cells) {
			t.Errorf("seed %d: the plan depends on the order of the facts", seed)
		}
		in.Previous = map[CellID]Previous{}
		for _, c := range cells {
			in.Previous[c.CellID] = Previous{Value: c.Value, N: c.N, Suppressed: c.Suppressed}
		}
		in.PreviousCovers = func(_, p string) bool { return strings.HasPrefix(p, "2025") || strings.HasPrefix(p, "2026") }
		same, _, _ := Build(in)
		if fmt.Sprint(same) != fmt.Sprint(cells) {
			t.Errorf("seed %d: the same data planned again with the previous snapshot known differs", seed)
		}
		// With the previous threshold known to be the same, every unchanged
		// year keeps its pattern without being planned again.
		in.Threshold, in.PreviousThreshold = DefaultThreshold, DefaultThreshold
		reused, rs, _ := Build(in)
		if fmt.Sprint(reused) != fmt.Sprint(cells) || rs.Parts != 2 || rs.Reused != 2 {
			t.Errorf("seed %d: reusing the unchanged plan: %d of %d parts reused, same cells %v", seed, rs.Reused, rs.Parts, fmt.Sprint(reused) == fmt.Sprint(cells))
		}
		// New facts in the last month: nothing suppressed before and
		// unchanged is published now.
		for range 20 {
			f := randomFacts(rng, ind.ID)[0]
			f.Month = in.Last
			in.Facts = append(in.Facts, f)
		}
		sticky, st, err := Build(in)
		if err != nil {
			t.Fatal(err)
		}
		if st.Reused != 1 { // 2025 unchanged, 2026 planned again
			t.Errorf("seed %d: after new data in the last month %d parts reused, want 1", seed, st.Reused)
		}
		was := map[CellID]Cell{}
		for _, c := range cells {
			was[c.CellID] = c
		}
		now := map[CellID]bool{}
		for _, c := range sticky {
			now[c.CellID] = c.Suppressed
			if w, ok := was[c.CellID]; ok && w.Suppressed && !c.Suppressed && w.Value == c.Value {
				t.Errorf("seed %d: %v was suppressed, published unchanged after a refresh", seed, c.CellID)
			}
		}
		// The changed year is planned from its earlier pattern (Seed):
		// every cell hidden before stays hidden, changed or not.
		for id, w := range was {
			if w.Suppressed && !now[id] {
				t.Errorf("seed %d: %v was suppressed and is shown after new data", seed, id)
			}
		}
		t.Logf("seed %d: first %+v; after new data %+v", seed, stats, st)

	}
}
