// Package refdata provides Finnish administrative reference data (municipalities,
// wellbeing services counties, regions and regional state centres) embedded from
// the CSV files in data/. Provenance, cross-checks and caveats are documented in
// data/SOURCES.md; the files are copies of the originals and must not be edited
// by hand.
//
// Sources and classification years:
//
//   - Municipalities: Statistics Finland classification kunta_1_20230101
//     (valid from 2023-01-01, 309 municipalities), via koodistot.suomi.fi.
//     Municipality -> wellbeing county from the correspondence
//     kunta_1_20220101#hyvinvointialue_1_20220101, municipality -> region from
//     kunta_1_20220101#maakunta_1_20220101. Newer classifications
//     (kunta_1_20250101, kunta_1_20260101) have not been diffed against this data.
//   - Wellbeing services counties: classification hyvinvointialue_1_20211013
//     (codes 01–21; 90 = City of Helsinki, which organises the services itself,
//     91 = Åland; neither is a wellbeing county).
//   - Regions (maakunnat): classification maakunta_1_20220101 (code 03 unused,
//     21 = Åland).
//   - ELY centres: 15 centres, valid until 2025-12-31. Names and region coverage
//     come from a third-party source; codes and Swedish names were not found
//     and are left empty.
//   - Elinvoimakeskukset: 10 successor centres from 2026-01-01. Areas are
//     partly incomplete: each centre carries its area evidence ("stated",
//     "inferred" or "not_found"); not_found centres have no region codes.
//     Codes and Swedish names were not found and are left empty.
//   - Countries of citizenship (ISO 3166-1 alpha-2) and languages (ISO 639-1
//     and the living languages of ISO 639-3): Debian iso-codes 4.15.0 (2023),
//     named in fi/sv/en through CLDR (golang.org/x/text); see background.go.
package refdata

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed data/*.csv
var files embed.FS

// Kinds of RegionalCentre.
const (
	KindELY             = "ely"
	KindElinvoimakeskus = "elinvoimakeskus"
)

// Area evidence values of RegionalCentre.AreaEvidence for elinvoimakeskukset.
// ELY centres have no evidence column in the source and carry "".
const (
	EvidenceStated   = "stated"
	EvidenceInferred = "inferred"
	EvidenceNotFound = "not_found"
)

// Municipality is one municipality of kunta_1_20230101.
type Municipality struct {
	Code                string // 3 digits, zero-padded, e.g. "091"
	NameFi              string
	NameSv              string
	WellbeingCountyCode string // 2 digits, e.g. "90" for Helsinki
	RegionCode          string // 2 digits, e.g. "01"
	// Population is the number of inhabitants at the end of 2020
	// (municipality_population.csv; for the synthetic data generator's
	// proportions, not for statistics).
	Population int
}

// WellbeingCounty is one entry of hyvinvointialue_1_20211013.
// Code 90 = Helsinki (organises the services itself), 91 = Åland.
type WellbeingCounty struct {
	Code   string // 2 digits
	NameFi string
	NameSv string
}

// Region is one region (maakunta) of maakunta_1_20220101.
type Region struct {
	Code   string // 2 digits
	NameFi string
	NameSv string
}

// RegionalCentre is an ELY centre (until 2025-12-31) or an elinvoimakeskus
// (from 2026-01-01).
type RegionalCentre struct {
	Slug        string // derived from NameFi, e.g. "uudenmaan-ely-keskus"
	NameFi      string
	NameSv      string // empty: not found in any source
	RegionCodes []string
	// ValidFrom and ValidUntil are YYYY-MM-DD or "" when not given.
	ValidFrom  string
	ValidUntil string
	Kind       string // KindELY or KindElinvoimakeskus
	// AreaEvidence is "stated", "inferred" or "not_found" for
	// elinvoimakeskukset and "" for ELY centres.
	AreaEvidence string
}

// Data holds the parsed reference data.
type Data struct {
	Municipalities     []Municipality
	WellbeingCounties  []WellbeingCounty
	Regions            []Region
	RegionalCentres    []RegionalCentre
	Source             string // short provenance line
	ClassificationYear int    // municipality classification year (2023)

	municipalityIdx map[string]int
	countyIdx       map[string]int
	regionIdx       map[string]int
}

// Source is the short provenance line stored in Data.Source.
const Source = "Statistics Finland classifications kunta_1_20230101, hyvinvointialue_1_20211013, " +
	"maakunta_1_20220101 (via koodistot.suomi.fi); ELY centres until 2025-12-31 and " +
	"elinvoimakeskukset from 2026-01-01 (partly incomplete areas); see data/SOURCES.md"

// ClassificationYear is the year of the municipality classification.
const ClassificationYear = 2023

// Load parses and validates the embedded files. Each call returns a fresh
// copy that the caller may modify.
func Load() (*Data, error) {
	return loadFS(files)
}

// loadFS parses data/*.csv from fsys (the embedded files, or test fixtures).
func loadFS(fsys fs.FS) (*Data, error) {
	d := &Data{Source: Source, ClassificationYear: ClassificationYear}

	var err error
	if d.WellbeingCounties, d.countyIdx, err = loadCoded(fsys, "wellbeing_counties.csv", func(code, fi, sv string) WellbeingCounty { return WellbeingCounty{Code: code, NameFi: fi, NameSv: sv} }); err != nil {
		return nil, err
	}
	if d.Regions, d.regionIdx, err = loadCoded(fsys, "regions.csv", func(code, fi, sv string) Region { return Region{Code: code, NameFi: fi, NameSv: sv} }); err != nil {
		return nil, err
	}
	if d.Municipalities, d.municipalityIdx, err = loadMunicipalities(fsys, d.countyIdx, d.regionIdx); err != nil {
		return nil, err
	}
	if d.RegionalCentres, err = loadCentres(fsys, d.Regions, d.regionIdx); err != nil {
		return nil, err
	}
	return d, nil
}

// Municipality returns the municipality with the given 3-digit code.
func (d *Data) Municipality(code string) (Municipality, bool) {
	i, ok := lookup(d.municipalityIdx, d.Municipalities, code, func(m Municipality) string { return m.Code })
	if !ok {
		return Municipality{}, false
	}
	return d.Municipalities[i], true
}

// WellbeingCounty returns the wellbeing county with the given 2-digit code.
func (d *Data) WellbeingCounty(code string) (WellbeingCounty, bool) {
	i, ok := lookup(d.countyIdx, d.WellbeingCounties, code, func(c WellbeingCounty) string { return c.Code })
	if !ok {
		return WellbeingCounty{}, false
	}
	return d.WellbeingCounties[i], true
}

// Region returns the region with the given 2-digit code.
func (d *Data) Region(code string) (Region, bool) {
	i, ok := lookup(d.regionIdx, d.Regions, code, func(r Region) string { return r.Code })
	if !ok {
		return Region{}, false
	}
	return d.Regions[i], true
}

// lookup uses the index built by Load and falls back to a linear scan for a
// Data value that was not created by Load (or whose slices were modified).
func lookup[T any](idx map[string]int, items []T, code string, key func(T) string) (int, bool) {
	if i, ok := idx[code]; ok && i < len(items) && key(items[i]) == code {
		return i, true
	}
	for i, it := range items {
		if key(it) == code {
			return i, true
		}
	}
	return 0, false
}

// Slug derives a regional centre slug from its Finnish name: lower-case,
// ä→a, ö→o, å→a, and every run of other non-alphanumeric characters
// (spaces, hyphens) → a single "-".
func Slug(nameFi string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(nameFi) {
		switch r {
		case 'ä', 'å':
			r = 'a'
		case 'ö':
			r = 'o'
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

// loadCoded reads a classification of two-digit codes with Finnish and
// Swedish names (wellbeing services counties, regions): every code valid and
// unique, every Finnish name given. It returns the entries in file order and
// their index by code.
func loadCoded[T any](fsys fs.FS, file string, entry func(code, nameFi, nameSv string) T) ([]T, map[string]int, error) {
	rows, err := readCSV(fsys, file, "code", "name_fi", "name_sv")
	if err != nil {
		return nil, nil, err
	}
	out := make([]T, 0, len(rows))
	idx := make(map[string]int, len(rows))
	for i, r := range rows {
		if err := checkCode(file, i, "code", r[0], 2); err != nil {
			return nil, nil, err
		}
		if r[1] == "" {
			return nil, nil, rowErr(file, i, "empty name_fi")
		}
		if _, dup := idx[r[0]]; dup {
			return nil, nil, rowErr(file, i, "duplicate code %q", r[0])
		}
		idx[r[0]] = len(out)
		out = append(out, entry(r[0], r[1], r[2]))
	}
	return out, idx, nil
}

func loadMunicipalities(fsys fs.FS, counties, regions map[string]int) ([]Municipality, map[string]int, error) {
	const file = "municipalities.csv"
	rows, err := readCSV(fsys, file, "code", "name_fi", "name_sv", "wellbeing_county_code")
	if err != nil {
		return nil, nil, err
	}
	out := make([]Municipality, 0, len(rows))
	idx := make(map[string]int, len(rows))
	for i, r := range rows {
		m := Municipality{Code: r[0], NameFi: r[1], NameSv: r[2], WellbeingCountyCode: r[3]}
		if err := checkCode(file, i, "code", m.Code, 3); err != nil {
			return nil, nil, err
		}
		if err := checkCode(file, i, "wellbeing_county_code", m.WellbeingCountyCode, 2); err != nil {
			return nil, nil, err
		}
		if m.NameFi == "" {
			return nil, nil, rowErr(file, i, "empty name_fi")
		}
		if _, dup := idx[m.Code]; dup {
			return nil, nil, rowErr(file, i, "duplicate code %q", m.Code)
		}
		if _, ok := counties[m.WellbeingCountyCode]; !ok {
			return nil, nil, rowErr(file, i, "municipality %s: unknown wellbeing county %q", m.Code, m.WellbeingCountyCode)
		}
		idx[m.Code] = len(out)
		out = append(out, m)
	}

	const rfile = "municipality_regions.csv"
	rows, err = readCSV(fsys, rfile, "municipality_code", "region_code")
	if err != nil {
		return nil, nil, err
	}
	for i, r := range rows {
		code, region := r[0], r[1]
		if err := checkCode(rfile, i, "municipality_code", code, 3); err != nil {
			return nil, nil, err
		}
		if err := checkCode(rfile, i, "region_code", region, 2); err != nil {
			return nil, nil, err
		}
		mi, ok := idx[code]
		if !ok {
			return nil, nil, rowErr(rfile, i, "unknown municipality %q", code)
		}
		if out[mi].RegionCode != "" {
			return nil, nil, rowErr(rfile, i, "duplicate municipality %q", code)
		}
		if _, ok := regions[region]; !ok {
			return nil, nil, rowErr(rfile, i, "municipality %s: unknown region %q", code, region)
		}
		out[mi].RegionCode = region
	}
	for _, m := range out {
		if m.RegionCode == "" {
			return nil, nil, fmt.Errorf("refdata: municipality %s (%s) has no region in %s", m.Code, m.NameFi, rfile)
		}
	}
	if err := loadPopulations(fsys, out, idx); err != nil {
		return nil, nil, err
	}
	return out, idx, nil
}

// loadPopulations fills every municipality's population.
func loadPopulations(fsys fs.FS, out []Municipality, idx map[string]int) error {
	const file = "municipality_population.csv"
	rows, err := readCSV(fsys, file, "code", "population")
	if err != nil {
		return err
	}
	for i, r := range rows {
		if err := checkCode(file, i, "code", r[0], 3); err != nil {
			return err
		}
		mi, ok := idx[r[0]]
		if !ok {
			return rowErr(file, i, "unknown municipality %q", r[0])
		}
		n, err := strconv.Atoi(r[1])
		if err != nil || n <= 0 {
			return rowErr(file, i, "population %q is not a positive number", r[1])
		}
		if out[mi].Population != 0 {
			return rowErr(file, i, "duplicate municipality %q", r[0])
		}
		out[mi].Population = n
	}
	for _, m := range out {
		if m.Population == 0 {
			return fmt.Errorf("refdata: municipality %s (%s) has no population in %s", m.Code, m.NameFi, file)
		}
	}
	return nil
}

func loadCentres(fsys fs.FS, regions []Region, regionIdx map[string]int) ([]RegionalCentre, error) {
	var out []RegionalCentre
	slugs := make(map[string]bool)
	add := func(file string, i int, c RegionalCentre, regionNames string) error {
		if c.NameFi == "" {
			return rowErr(file, i, "empty name_fi")
		}
		c.Slug = Slug(c.NameFi)
		if slugs[c.Slug] {
			return rowErr(file, i, "duplicate slug %q", c.Slug)
		}
		slugs[c.Slug] = true
		// region_names_fi is redundant with region_codes; cross-check it.
		var names []string
		if regionNames != "" {
			names = strings.Split(regionNames, "|")
		}
		if len(names) != len(c.RegionCodes) {
			return rowErr(file, i, "%d region codes but %d region names", len(c.RegionCodes), len(names))
		}
		seen := make(map[string]bool)
		for j, rc := range c.RegionCodes {
			if err := checkCode(file, i, "region_codes", rc, 2); err != nil {
				return err
			}
			ri, ok := regionIdx[rc]
			if !ok {
				return rowErr(file, i, "unknown region %q", rc)
			}
			if seen[rc] {
				return rowErr(file, i, "duplicate region %q", rc)
			}
			seen[rc] = true
			if regions[ri].NameFi != names[j] {
				return rowErr(file, i, "region %s is %q, file says %q", rc, regions[ri].NameFi, names[j])
			}
		}
		for _, date := range []string{c.ValidFrom, c.ValidUntil} {
			if date != "" && !isDate(date) {
				return rowErr(file, i, "invalid date %q", date)
			}
		}
		out = append(out, c)
		return nil
	}

	const ely = "ely_centres.csv"
	rows, err := readCSV(fsys, ely, "code", "name_fi", "name_sv", "region_codes", "region_names_fi", "valid_until")
	if err != nil {
		return nil, err
	}
	for i, r := range rows {
		c := RegionalCentre{
			NameFi:      r[1],
			NameSv:      r[2],
			RegionCodes: strings.Fields(r[3]),
			ValidUntil:  r[5],
			Kind:        KindELY,
		}
		if err := add(ely, i, c, r[4]); err != nil {
			return nil, err
		}
	}

	const ev = "elinvoimakeskukset_2026.csv"
	rows, err = readCSV(fsys, ev, "code", "name_fi", "name_sv", "region_codes", "region_names_fi", "area_evidence", "valid_from")
	if err != nil {
		return nil, err
	}
	for i, r := range rows {
		c := RegionalCentre{
			NameFi:       r[1],
			NameSv:       r[2],
			RegionCodes:  strings.Fields(r[3]),
			ValidFrom:    r[6],
			Kind:         KindElinvoimakeskus,
			AreaEvidence: r[5],
		}
		switch c.AreaEvidence {
		case EvidenceStated, EvidenceInferred:
			if len(c.RegionCodes) == 0 {
				return nil, rowErr(ev, i, "area evidence %q without region codes", c.AreaEvidence)
			}
		case EvidenceNotFound:
			if len(c.RegionCodes) != 0 {
				return nil, rowErr(ev, i, "area evidence %q with region codes", c.AreaEvidence)
			}
		default:
			return nil, rowErr(ev, i, "unknown area_evidence %q", c.AreaEvidence)
		}
		if err := add(ev, i, c, r[4]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readCSV reads an embedded CSV file, checks its header and returns the data
// rows (without header).
func readCSV(fsys fs.FS, file string, header ...string) ([][]string, error) {
	b, err := fs.ReadFile(fsys, "data/"+file)
	if err != nil {
		return nil, fmt.Errorf("refdata: %w", err)
	}
	b = bytes.TrimPrefix(b, []byte("\uFEFF"))
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = len(header)
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("refdata: %s: %w", file, err)
	}
	if len(rows) == 0 || !slices.Equal(rows[0], header) {
		return nil, fmt.Errorf("refdata: %s: unexpected header, want %q", file, header)
	}
	return rows[1:], nil
}

// rowErr reports an error for data row i (0-based, header excluded); the
// message uses the 1-based file line number.
func rowErr(file string, i int, format string, args ...any) error {
	return fmt.Errorf("refdata: %s line %d: %s", file, i+2, fmt.Sprintf(format, args...))
}

func checkCode(file string, i int, field, code string, n int) error {
	if len(code) != n || !isDigits(code) {
		return rowErr(file, i, "%s %q is not a %d-digit code", field, code, n)
	}
	return nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isDate reports whether s is a valid date of the form YYYY-MM-DD.
func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}
