package refdata

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func load(t *testing.T) *Data {
	t.Helper()
	d, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return d
}

func TestCounts(t *testing.T) {
	d := load(t)
	if got := len(d.Municipalities); got != 309 {
		t.Errorf("municipalities = %d, want 309", got)
	}
	if got := len(d.WellbeingCounties); got != 23 {
		t.Errorf("wellbeing counties = %d, want 23", got)
	}
	if got := len(d.Regions); got != 19 {
		t.Errorf("regions = %d, want 19", got)
	}
	if d.ClassificationYear != 2023 {
		t.Errorf("ClassificationYear = %d, want 2023", d.ClassificationYear)
	}
	if d.Source == "" {
		t.Error("Source is empty")
	}
	for _, code := range []string{"90", "91"} {
		if _, ok := d.WellbeingCounty(code); !ok {
			t.Errorf("wellbeing county %s missing", code)
		}
	}
	if _, ok := d.Region("03"); ok {
		t.Error("region 03 should be unused")
	}
}

func TestMunicipalities(t *testing.T) {
	d := load(t)
	tests := []struct {
		code, nameFi, nameSv, county, region string
	}{
		{"091", "Helsinki", "Helsingfors", "90", "01"},
		{"049", "Espoo", "Esbo", "03", "01"},
		{"478", "Maarianhamina - Mariehamn", "Mariehamn", "91", "21"},
		{"005", "Alajärvi", "Alajärvi", "16", "14"},
	}
	for _, tt := range tests {
		m, ok := d.Municipality(tt.code)
		if !ok {
			t.Errorf("municipality %s not found", tt.code)
			continue
		}
		want := Municipality{Code: tt.code, NameFi: tt.nameFi, NameSv: tt.nameSv, WellbeingCountyCode: tt.county, RegionCode: tt.region}
		m.Population = 0 // checked in TestPopulations
		if m != want {
			t.Errorf("Municipality(%s) = %+v, want %+v", tt.code, m, want)
		}
	}
	for _, code := range []string{"", "91", "0091", "999"} {
		if _, ok := d.Municipality(code); ok {
			t.Errorf("Municipality(%q) found, want not found", code)
		}
	}

	c, ok := d.WellbeingCounty("90")
	if !ok || c.NameFi != "Helsingin kaupunki" || c.NameSv != "Helsingfors stad" {
		t.Errorf("WellbeingCounty(90) = %+v, %v", c, ok)
	}
	c, ok = d.WellbeingCounty("91")
	if !ok || c.NameFi != "Ahvenanmaa" || c.NameSv != "Åland" {
		t.Errorf("WellbeingCounty(91) = %+v, %v", c, ok)
	}
	r, ok := d.Region("21")
	if !ok || r.NameFi != "Ahvenanmaa" || r.NameSv != "Åland" {
		t.Errorf("Region(21) = %+v, %v", r, ok)
	}
}

func TestCountyAndRegionSplits(t *testing.T) {
	d := load(t)
	uusimaa := map[string]int{}
	perCounty := map[string]int{}
	for _, m := range d.Municipalities {
		perCounty[m.WellbeingCountyCode]++
		if m.RegionCode == "01" {
			uusimaa[m.WellbeingCountyCode]++
		}
		// Åland is both region 21 and county 91.
		if (m.RegionCode == "21") != (m.WellbeingCountyCode == "91") {
			t.Errorf("municipality %s: region %s, county %s", m.Code, m.RegionCode, m.WellbeingCountyCode)
		}
	}
	want := map[string]int{"01": 7, "02": 6, "03": 10, "04": 2, "90": 1}
	for code, n := range want {
		if uusimaa[code] != n {
			t.Errorf("Uusimaa county %s: %d municipalities, want %d", code, uusimaa[code], n)
		}
	}
	if len(uusimaa) != len(want) {
		t.Errorf("Uusimaa counties = %v, want %v", uusimaa, want)
	}
	if perCounty["91"] != 16 {
		t.Errorf("Åland: %d municipalities, want 16", perCounty["91"])
	}
	for _, c := range d.WellbeingCounties {
		if perCounty[c.Code] == 0 {
			t.Errorf("wellbeing county %s has no municipalities", c.Code)
		}
	}
}

func TestRegionalCentres(t *testing.T) {
	d := load(t)
	kinds := map[string]int{}
	slugs := map[string]bool{}
	for _, c := range d.RegionalCentres {
		kinds[c.Kind]++
		if c.Slug == "" || slugs[c.Slug] {
			t.Errorf("empty or duplicate slug %q", c.Slug)
		}
		slugs[c.Slug] = true
		if c.Slug != Slug(c.NameFi) {
			t.Errorf("%s: slug %q, want %q", c.NameFi, c.Slug, Slug(c.NameFi))
		}
		if c.NameSv != "" {
			t.Errorf("%s: unexpected Swedish name %q (none in source)", c.NameFi, c.NameSv)
		}
		for _, rc := range c.RegionCodes {
			if _, ok := d.Region(rc); !ok {
				t.Errorf("%s: unknown region %s", c.NameFi, rc)
			}
		}
		switch c.Kind {
		case KindELY:
			if c.ValidFrom != "" || c.ValidUntil != "2025-12-31" || c.AreaEvidence != "" || len(c.RegionCodes) == 0 {
				t.Errorf("ELY centre %+v", c)
			}
		case KindElinvoimakeskus:
			if c.ValidFrom != "2026-01-01" || c.ValidUntil != "" {
				t.Errorf("elinvoimakeskus %+v", c)
			}
			if (c.AreaEvidence == EvidenceNotFound) != (len(c.RegionCodes) == 0) {
				t.Errorf("%s: evidence %q with regions %v", c.NameFi, c.AreaEvidence, c.RegionCodes)
			}
		default:
			t.Errorf("%s: unknown kind %q", c.NameFi, c.Kind)
		}
	}
	if kinds[KindELY] != 15 || kinds[KindElinvoimakeskus] != 10 || len(d.RegionalCentres) != 25 {
		t.Errorf("centres by kind = %v, want 15 ely + 10 elinvoimakeskus", kinds)
	}

	byslug := map[string]RegionalCentre{}
	for _, c := range d.RegionalCentres {
		byslug[c.Slug] = c
	}
	checks := []struct {
		slug, nameFi, evidence string
		regions                []string
	}{
		{"uudenmaan-ely-keskus", "Uudenmaan ELY-keskus", "", []string{"01"}},
		{"hameen-ely-keskus", "Hämeen ELY-keskus", "", []string{"05", "07"}},
		{"pohjanmaan-ely-keskus", "Pohjanmaan ELY-keskus", "", []string{"15", "16"}},
		{"uudenmaan-elinvoimakeskus", "Uudenmaan elinvoimakeskus", EvidenceStated, []string{"01"}},
		{"lounais-suomen-elinvoimakeskus", "Lounais-Suomen elinvoimakeskus", EvidenceStated, []string{"02", "04"}},
		{"kaakkois-suomen-elinvoimakeskus", "Kaakkois-Suomen elinvoimakeskus", EvidenceInferred, []string{"08", "09", "07"}},
		{"lapin-elinvoimakeskus", "Lapin elinvoimakeskus", EvidenceNotFound, nil},
	}
	for _, tt := range checks {
		c, ok := byslug[tt.slug]
		if !ok {
			t.Errorf("slug %q not found", tt.slug)
			continue
		}
		if c.NameFi != tt.nameFi || c.AreaEvidence != tt.evidence || !slices.Equal(c.RegionCodes, tt.regions) {
			t.Errorf("%s = %+v", tt.slug, c)
		}
	}
}

func TestSlug(t *testing.T) {
	tests := map[string]string{
		"Uudenmaan ELY-keskus":             "uudenmaan-ely-keskus",
		"Uudenmaan elinvoimakeskus":        "uudenmaan-elinvoimakeskus",
		"Etelä-Pohjanmaan ELY-keskus":      "etela-pohjanmaan-ely-keskus",
		"Hämeen ELY-keskus":                "hameen-ely-keskus",
		"Åland  Förvaltning":               "aland-forvaltning",
		"Pohjois-Savon ELY-keskus":         "pohjois-savon-ely-keskus",
		" Kaakkois-Suomen elinvoimakeskus": "kaakkois-suomen-elinvoimakeskus",
	}
	for in, want := range tests {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLookupWithoutIndex(t *testing.T) {
	d := load(t)
	bare := &Data{Municipalities: d.Municipalities, WellbeingCounties: d.WellbeingCounties, Regions: d.Regions}
	if m, ok := bare.Municipality("091"); !ok || m.NameFi != "Helsinki" {
		t.Errorf("Municipality(091) on bare Data = %+v, %v", m, ok)
	}
	if _, ok := bare.WellbeingCounty("91"); !ok {
		t.Error("WellbeingCounty(91) on bare Data not found")
	}
	if _, ok := bare.Region("21"); !ok {
		t.Error("Region(21) on bare Data not found")
	}
}

// fixture returns a copy of the embedded files with one file's content
// transformed by edit.
func fixture(t *testing.T, file string, edit func(string) string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	entries, err := fs.Glob(files, "data/*.csv")
	if err != nil || len(entries) != 9 {
		t.Fatalf("embedded files: %v, %v", entries, err)
	}
	for _, name := range entries {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if name == "data/"+file {
			e := edit(s)
			if e == s {
				t.Fatalf("edit of %s changed nothing", file)
			}
			s = e
		}
		m[name] = &fstest.MapFile{Data: []byte(s)}
	}
	return m
}

func TestValidation(t *testing.T) {
	if _, err := loadFS(fixture(t, "regions.csv", func(s string) string { return s + "\n" })); err != nil {
		t.Fatalf("trailing newline should be accepted: %v", err)
	}
	tests := []struct {
		name, file, old, new, wantErr string
	}{
		{"unpadded municipality", "municipalities.csv", "\n091,", "\n91,", "not a 3-digit code"},
		{"non-digit county", "municipalities.csv", "Helsingfors,90", "Helsingfors,9a", "not a 2-digit code"},
		{"unknown county", "municipalities.csv", "Helsingfors,90", "Helsingfors,22", "unknown wellbeing county"},
		{"duplicate municipality", "municipalities.csv", "\n049,Espoo", "\n091,Espoo", "duplicate code"},
		{"unknown region", "municipality_regions.csv", "\n091,01", "\n091,03", "unknown region"},
		{"missing region", "municipality_regions.csv", "\n091,01", "", "has no region"},
		{"missing population", "municipality_population.csv", "\n091,", "\n#091,", "3-digit code"},
		{"bad population", "municipality_population.csv", "\n091,", "\n091,-", "not a positive number"},
		{"duplicate county", "wellbeing_counties.csv", "\n91,", "\n90,", "duplicate code"},
		{"three-digit region", "regions.csv", "\n21,", "\n021,", "not a 2-digit code"},
		{"bad header", "regions.csv", "code,name_fi", "koodi,name_fi", "unexpected header"},
		{"centre unknown region", "ely_centres.csv", ",01,Uusimaa,", ",03,Uusimaa,", "unknown region"},
		{"centre region name mismatch", "ely_centres.csv", ",01,Uusimaa,", ",01,Nyland,", "file says"},
		{"duplicate slug", "elinvoimakeskukset_2026.csv", "Lapin elinvoimakeskus", "Uudenmaan elinvoimakeskus", "duplicate slug"},
		{"not_found with regions", "elinvoimakeskukset_2026.csv", ",Lapin elinvoimakeskus,,,,", ",Lapin elinvoimakeskus,,19,Lappi,", "with region codes"},
		{"bad evidence", "elinvoimakeskukset_2026.csv", ",stated,2026-01-01\n,Lounais", ",maybe,2026-01-01\n,Lounais", "unknown area_evidence"},
		{"bad date", "ely_centres.csv", "Lappi,2025-12-31", "Lappi,2025-13-31", "invalid date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fixture(t, tt.file, func(s string) string { return strings.Replace(s, tt.old, tt.new, 1) })
			_, err := loadFS(fsys)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("loadFS error = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestPopulations(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, m := range d.Municipalities {
		if m.Population <= 0 {
			t.Fatalf("%s has no population", m.Code)
		}
		total += m.Population
	}
	// Yle's December 2020 figures: 5,533,793 in all; Helsinki the largest.
	if total != 5533793 {
		t.Errorf("total population %d", total)
	}
	h, _ := d.Municipality("091")
	if h.Population < 600000 || h.Population > 700000 {
		t.Errorf("Helsinki %d", h.Population)
	}
}
