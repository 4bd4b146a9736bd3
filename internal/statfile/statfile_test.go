package statfile

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kotodigi/kotodigi/internal/model"
)

// sentinel is the value a suppressed cell carries by mistake in the test
// datasets: it must never reach a file.
const sentinel = 98761

func num(v float64) *float64 { return &v }

// finnishTexts are the words a Finnish caller would pass.
var finnishTexts = Texts{
	TableSheet:       "Taulukko",
	DefinitionsSheet: "Määritelmät",
	Indicator:        "Indikaattori",
	Definition:       "Määritelmä",
	Unit:             "Yksikkö",
	UnitName:         "lukumäärä",
	Source:           "Lähde",
	Updated:          "Tiedot päivitetty",
	Suppression:      "Tietosuoja",
	SuppressionRule:  "Lukumäärät 1–4 ja alle viiden asiakkaan mediaanit on salattu, samoin luvut, joista ne voisi päätellä.",
	Suppressed:       "salassa pidetty tietosuojan vuoksi",
	AreaCode:         "Aluekoodi",
	Note:             "Huomautus",
}

// sample is a small table with a breakdown: a suppressed cell that still
// holds a value, a zero, a cell without a value, a cell the dataset does not
// hold, and labels a spreadsheet or a browser must not run.
func sample() *Dataset {
	return &Dataset{
		Indicator:  "clients_registered",
		Name:       "Rekisteröidyt asiakkaat",
		Definition: "Kauden aikana rekisteröidyt asiakkaat, joiden vastuukunta on alueella.",
		Unit:       Count,
		Lang:       "fi",
		Updated:    time.Date(2026, 11, 25, 8, 30, 0, 0, time.UTC),
		Source:     "Koto-digi",
		Note:       "Tuntematon = asiakas ei ole kertonut.",
		Area: Dimension{ID: "area", Label: "Kunta", Categories: []Category{
			{"091", "Helsinki"}, {"049", "Espoo"}, {"599", `Pedersören <kunta> & "=cmd"`},
		}},
		Period: Dimension{ID: "period", Label: "Vuosi", Categories: []Category{{"2025", "2025"}, {"2026", "2026"}}},
		By: &Dimension{ID: "sex", Label: "Sukupuoli", Categories: []Category{
			{"female", "Nainen"}, {"male", "Mies"}, {"unknown", "Tuntematon"},
		}},
		Cells: []Cell{
			{Area: "091", Period: "2025", By: "female", Value: num(1200)},
			{Area: "091", Period: "2025", By: "male", Value: num(1100)},
			{Area: "091", Period: "2025", By: "unknown", Value: num(37)},
			{Area: "091", Period: "2026", By: "female", Value: num(1310)},
			{Area: "091", Period: "2026", By: "male", Value: num(1290)},
			{Area: "091", Period: "2026", By: "unknown", Value: num(0)},
			{Area: "049", Period: "2025", By: "female", Value: num(410)},
			{Area: "049", Period: "2025", By: "male", Value: num(sentinel), Suppressed: true},
			{Area: "049", Period: "2025", By: "unknown", Suppressed: true},
			{Area: "049", Period: "2026", By: "female", Value: num(433)},
			{Area: "049", Period: "2026", By: "male", Value: num(455)},
			// 049/2026/unknown is not held.
			{Area: "599", Period: "2025", By: "female", Suppressed: true},
			{Area: "599", Period: "2025", By: "male", Value: num(sentinel), Suppressed: true},
			{Area: "599", Period: "2025", By: "unknown", Value: num(5)},
			{Area: "599", Period: "2026", By: "female", Value: num(6)},
			{Area: "599", Period: "2026", By: "male", Value: num(7)},
			{Area: "599", Period: "2026", By: "unknown"},
		},
		Texts: finnishTexts,
	}
}

func TestCSVIsTheContractFormat(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, sample()); err != nil {
		t.Fatal(err)
	}
	want := "indicator,area,period,by,value,suppressed\r\n" +
		"clients_registered,091,2025,female,1200,false\r\n" +
		"clients_registered,091,2025,male,1100,false\r\n" +
		"clients_registered,091,2025,unknown,37,false\r\n" +
		"clients_registered,091,2026,female,1310,false\r\n" +
		"clients_registered,091,2026,male,1290,false\r\n" +
		"clients_registered,091,2026,unknown,0,false\r\n" +
		"clients_registered,049,2025,female,410,false\r\n" +
		"clients_registered,049,2025,male,,true\r\n" +
		"clients_registered,049,2025,unknown,,true\r\n" +
		"clients_registered,049,2026,female,433,false\r\n" +
		"clients_registered,049,2026,male,455,false\r\n" +
		"clients_registered,599,2025,female,,true\r\n" +
		"clients_registered,599,2025,male,,true\r\n" +
		"clients_registered,599,2025,unknown,5,false\r\n" +
		"clients_registered,599,2026,female,6,false\r\n" +
		"clients_registered,599,2026,male,7,false\r\n" +
		"clients_registered,599,2026,unknown,,false\r\n"
	if b.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestCSVWithoutBreakdownAndDecimals(t *testing.T) {
	d := &Dataset{
		Indicator: "days_permit_to_assessment", Name: "Päivät", Unit: MedianDays, Lang: "fi",
		Area:   Dimension{Label: "Alue", Categories: []Category{{"FI", "Koko maa"}, {"=1+1", "kaava"}, {"a,\"b\"", "lainaus"}}},
		Period: Dimension{Label: "Kuukausi", Categories: []Category{{"2026-07", "7/2026"}}},
		Cells: []Cell{
			{Area: "FI", Period: "2026-07", Value: num(42.5)},
			{Area: "=1+1", Period: "2026-07", Value: num(1234567.25)},
			{Area: "a,\"b\"", Period: "2026-07", Value: num(-3)},
		},
		Texts: finnishTexts,
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, d); err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(b.Bytes(), []byte("\ufeff")) {
		t.Error("the CSV starts with a byte order mark; scripts would misread the header")
	}
	want := "indicator,area,period,by,value,suppressed\r\n" +
		"days_permit_to_assessment,FI,2026-07,,42.5,false\r\n" +
		"days_permit_to_assessment,'=1+1,2026-07,,1234567.25,false\r\n" +
		"days_permit_to_assessment,\"a,\"\"b\"\"\",2026-07,,-3,false\r\n"
	if b.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", b.String(), want)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[1][3] != "" || rows[1][4] != "42.5" || rows[2][4] != "1234567.25" {
		t.Errorf("rows %q: want an empty by, dot decimals, no grouping", rows)
	}
	if rows[2][1] != "'=1+1" {
		t.Errorf("a code a spreadsheet would run as a formula came out as %q", rows[2][1])
	}
}

// jsonStat is what a JSON-stat reader decodes.
type jsonStat struct {
	Version   string                       `json:"version"`
	Class     string                       `json:"class"`
	Label     string                       `json:"label"`
	Source    string                       `json:"source"`
	Updated   string                       `json:"updated"`
	Note      []string                     `json:"note"`
	ID        []string                     `json:"id"`
	Size      []int                        `json:"size"`
	Role      map[string][]string          `json:"role"`
	Dimension map[string]jsonStatDimension `json:"dimension"`
	Value     []*float64                   `json:"value"`
	Status    map[string]string            `json:"status"`
	Extension map[string]string            `json:"extension"`
}

type jsonStatDimension struct {
	Label    string `json:"label"`
	Category struct {
		Index []string                   `json:"index"`
		Label map[string]string          `json:"label"`
		Unit  map[string]json.RawMessage `json:"unit"`
	} `json:"category"`
	Extension map[string]string `json:"extension"`
}

func decodeJSONStat(t *testing.T, b []byte) jsonStat {
	t.Helper()
	var js jsonStat
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&js); err != nil {
		t.Fatalf("JSON-stat does not decode: %v\n%s", err, b)
	}
	return js
}

// cellsFromJSONStat reads every value back by its coordinates, as a
// JSON-stat client does: flat index = row-major over id/size.
func cellsFromJSONStat(t *testing.T, js jsonStat) map[[3]string]Cell {
	t.Helper()
	out := map[[3]string]Cell{}
	n := 1
	for _, s := range js.Size {
		n *= s
	}
	for i := range n {
		coord := make([]string, len(js.ID))
		rest := i
		for k := len(js.ID) - 1; k >= 0; k-- {
			coord[k] = js.Dimension[js.ID[k]].Category.Index[rest%js.Size[k]]
			rest /= js.Size[k]
		}
		c := Cell{Area: coord[1], Period: coord[2], Value: js.Value[i]}
		if len(coord) == 4 {
			c.By = coord[3]
		}
		c.Suppressed = js.Status[strconv.Itoa(i)] == SuppressedSymbol
		out[[3]string{c.Area, c.Period, c.By}] = c
	}
	return out
}

func TestJSONStatDataset(t *testing.T) {
	d := sample()
	var b bytes.Buffer
	if err := WriteJSONStat(&b, d); err != nil {
		t.Fatal(err)
	}
	js := decodeJSONStat(t, b.Bytes())
	if js.Version != "2.0" || js.Class != "dataset" || js.Label != d.Name || js.Source != "Koto-digi" || js.Updated != "2026-11-25T08:30:00Z" {
		t.Errorf("header: %+v", js)
	}
	if strings.Join(js.ID, ",") != "indicator,area,period,sex" || len(js.Size) != 4 || js.Size[0] != 1 || js.Size[1] != 3 || js.Size[2] != 2 || js.Size[3] != 3 {
		t.Errorf("id %v size %v", js.ID, js.Size)
	}
	if len(js.Value) != 1*3*2*3 {
		t.Fatalf("%d values for size %v", len(js.Value), js.Size)
	}
	if got := strings.Join(js.Dimension["area"].Category.Index, ","); got != "091,049,599" {
		t.Errorf("area index %s: the dataset's order is lost", got)
	}
	if js.Dimension["area"].Category.Label["599"] != `Pedersören <kunta> & "=cmd"` || js.Dimension["sex"].Label != "Sukupuoli" {
		t.Errorf("labels: %+v", js.Dimension)
	}
	ind := js.Dimension["indicator"]
	if ind.Category.Label["clients_registered"] != d.Name || ind.Extension["definition"] != d.Definition || string(ind.Category.Unit["clients_registered"]) != `{"label":"lukumäärä","decimals":0}` {
		t.Errorf("metric dimension: %+v", ind)
	}
	if js.Role["geo"][0] != "area" || js.Role["time"][0] != "period" || js.Role["metric"][0] != "indicator" {
		t.Errorf("roles %v", js.Role)
	}
	if js.Extension["unit"] != "count" || js.Extension["lang"] != "fi" {
		t.Errorf("extension %v", js.Extension)
	}
	// Row-major: 049 (area 1) / 2025 (period 0) / male (by 1) is 1*6+0*3+1 = 7.
	if js.Value[7] != nil || js.Status["7"] != ".." || js.Value[1] == nil || *js.Value[1] != 1100 || js.Value[5] == nil || *js.Value[5] != 0 {
		t.Errorf("values %v status %v", js.Value, js.Status)
	}
	// Nulls exactly where suppressed or without a value; statuses exactly where suppressed.
	wantStatus := map[string]string{"7": "..", "8": "..", "12": "..", "13": ".."}
	if len(js.Status) != len(wantStatus) {
		t.Errorf("status %v, want %v", js.Status, wantStatus)
	}
	for k, v := range wantStatus {
		if js.Status[k] != v {
			t.Errorf("status %v, want %v", js.Status, wantStatus)
		}
	}
	assertSameCells(t, d, cellsFromJSONStat(t, js))
}

// assertSameCells checks that every published value, every suppression and
// every empty position of d came back.
func assertSameCells(t *testing.T, d *Dataset, got map[[3]string]Cell) {
	t.Helper()
	c, err := d.cube()
	if err != nil {
		t.Fatal(err)
	}
	for a, area := range d.Area.Categories {
		for p, period := range d.Period.Categories {
			for b, by := range d.byCategories() {
				g := got[[3]string{area.Code, period.Code, by.Code}]
				want := c.at(a, p, b)
				wv, wok := want.Published()
				gv, gok := g.Published()
				if wok != gok || wv != gv || (want != nil && want.Suppressed) != g.Suppressed {
					t.Errorf("%s/%s/%s: got %v (suppressed %v), want %v", area.Code, period.Code, by.Code, g.Value, g.Suppressed, want)
				}
			}
		}
	}
}

func TestJSONStatRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 7))
	for range 50 {
		d := randomDataset(r, 1+r.IntN(6), 1+r.IntN(5), r.IntN(4))
		var b bytes.Buffer
		if err := WriteJSONStat(&b, d); err != nil {
			t.Fatal(err)
		}
		js := decodeJSONStat(t, b.Bytes())
		n := 1
		for _, s := range js.Size {
			n *= s
		}
		if n != len(js.Value) {
			t.Fatalf("size %v but %d values", js.Size, len(js.Value))
		}
		assertSameCells(t, d, cellsFromJSONStat(t, js))
		if bytes.Contains(b.Bytes(), []byte(strconv.Itoa(sentinel))) {
			t.Fatal("a suppressed value is in the JSON-stat file")
		}
	}
}

func TestCSVRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for range 50 {
		d := randomDataset(r, 1+r.IntN(6), 1+r.IntN(5), r.IntN(4))
		var b bytes.Buffer
		if err := WriteCSV(&b, d); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got := map[[3]string]Cell{}
		for _, row := range rows[1:] {
			c := Cell{Area: row[1], Period: row[2], By: row[3], Suppressed: row[5] == "true"}
			if row[4] != "" {
				v, err := strconv.ParseFloat(row[4], 64)
				if err != nil {
					t.Fatal(err)
				}
				c.Value = &v
			}
			if row[5] == "true" && row[4] != "" {
				t.Fatalf("a suppressed row has a value: %q", row)
			}
			got[[3]string{c.Area, c.Period, c.By}] = c
		}
		assertSameCells(t, d, got)
	}
}

// randomDataset has areas × periods × (bys or no breakdown) positions, some
// of them suppressed (with the sentinel as a stray value), some empty,
// some not held.
func randomDataset(r *rand.Rand, areas, periods, bys int) *Dataset {
	d := &Dataset{Indicator: "plans_started", Name: "Aloitetut suunnitelmat", Unit: []Unit{Count, MedianDays, Share}[r.IntN(3)], Lang: "fi", Texts: finnishTexts}
	d.Area.Label, d.Period.Label = "Alue", "Kausi"
	for i := range areas {
		d.Area.Categories = append(d.Area.Categories, Category{Code: strconv.Itoa(100 + i), Label: "Kunta " + strconv.Itoa(i)})
	}
	for i := range periods {
		d.Period.Categories = append(d.Period.Categories, Category{Code: "2026-0" + strconv.Itoa(i+1), Label: strconv.Itoa(i+1) + "/2026"})
	}
	byCodes := []string{""}
	if bys > 0 {
		d.By = &Dimension{ID: "age_group", Label: "Ikäryhmä"}
		byCodes = nil
		for i := range bys {
			code := "g" + strconv.Itoa(i)
			byCodes = append(byCodes, code)
			d.By.Categories = append(d.By.Categories, Category{Code: code, Label: "Ryhmä " + strconv.Itoa(i)})
		}
	}
	for _, a := range d.Area.Categories {
		for _, p := range d.Period.Categories {
			for _, b := range byCodes {
				c := Cell{Area: a.Code, Period: p.Code, By: b}
				switch k := r.IntN(10); {
				case k == 0:
					continue
				case k == 1:
					c.Suppressed = true
					c.Value = num(sentinel)
				case k == 2:
				default:
					v := float64(r.IntN(5000))
					if d.Unit == MedianDays {
						v /= 2
					} else if d.Unit == Share {
						v /= 5000
					}
					c.Value = &v
				}
				d.Cells = append(d.Cells, c)
			}
		}
	}
	r.Shuffle(len(d.Cells), func(i, j int) { d.Cells[i], d.Cells[j] = d.Cells[j], d.Cells[i] })
	return d
}

func TestXLSXWorkbook(t *testing.T) {
	d := sample()
	f, file := writtenXLSX(t, d)
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "Taulukko" || got[1] != "Määritelmät" {
		t.Fatalf("sheets %v", got)
	}
	rows, err := f.GetRows("Taulukko")
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][0] != "Rekisteröidyt asiakkaat (lukumäärä)" || rows[1][0] != ".." || rows[1][1] != "salassa pidetty tietosuojan vuoksi" {
		t.Errorf("title and legend: %q", rows[:2])
	}
	if strings.Join(rows[3], "|") != "Aluekoodi|Kunta|Sukupuoli|2025|2026" {
		t.Errorf("header %q", rows[3])
	}
	want := [][]string{
		{"091", "Helsinki", "Nainen", "1,200", "1,310"},
		{"091", "Helsinki", "Mies", "1,100", "1,290"},
		{"091", "Helsinki", "Tuntematon", "37", "0"},
		{"049", "Espoo", "Nainen", "410", "433"},
		{"049", "Espoo", "Mies", "..", "455"},
		{"049", "Espoo", "Tuntematon", ".."},
		{"599", `Pedersören <kunta> & "=cmd"`, "Nainen", "..", "6"},
		{"599", `Pedersören <kunta> & "=cmd"`, "Mies", "..", "7"},
		{"599", `Pedersören <kunta> & "=cmd"`, "Tuntematon", "5"},
	}
	if len(rows) != 4+len(want) {
		t.Fatalf("%d rows: %q", len(rows), rows)
	}
	for i, w := range want {
		if strings.Join(rows[4+i], "|") != strings.Join(w, "|") {
			t.Errorf("row %d: %q, want %q", 5+i, rows[4+i], w)
		}
	}
	// Figures are numbers a spreadsheet computes with, not text.
	for _, ref := range []string{"D5", "E7", "E9"} {
		typ, err := f.GetCellType("Taulukko", ref)
		if err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
			t.Errorf("%s has type %v (%v), want a number", ref, typ, err)
		}
		raw, _ := f.GetCellValue("Taulukko", ref, excelize.Options{RawCellValue: true})
		if _, err := strconv.ParseFloat(raw, 64); err != nil {
			t.Errorf("%s holds %q", ref, raw)
		}
	}
	if tables, err := f.GetTables("Taulukko"); err != nil || len(tables) != 1 || tables[0].Range != "A4:E13" {
		t.Errorf("Excel table for pivoting: %+v %v", tables, err)
	}
	defs, err := f.GetRows("Määritelmät")
	if err != nil {
		t.Fatal(err)
	}
	wantDefs := map[string]string{
		"Indikaattori":      "Rekisteröidyt asiakkaat (clients_registered)",
		"Määritelmä":        d.Definition,
		"Yksikkö":           "lukumäärä",
		"Lähde":             "Koto-digi",
		"Tiedot päivitetty": "2026-11-25 08:30 UTC",
		"Tietosuoja":        finnishTexts.SuppressionRule,
		"..":                "salassa pidetty tietosuojan vuoksi",
		"Huomautus":         d.Note,
	}
	for _, r := range defs {
		if len(r) == 2 && wantDefs[r[0]] == r[1] {
			delete(wantDefs, r[0])
		}
	}
	if len(wantDefs) != 0 {
		t.Errorf("definitions sheet %q misses %v", defs, wantDefs)
	}
	assertCleanXLSX(t, file)
}

// assertCleanXLSX opens every part of the package: no formula anywhere, no
// suppressed value anywhere (cells, shared strings, cached values, properties).
func assertCleanXLSX(t *testing.T, file []byte) {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range z.File {
		rc, err := part.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(body, []byte(strconv.Itoa(sentinel))) {
			t.Errorf("%s holds a suppressed value", part.Name)
		}
		if bytes.Contains(body, []byte("<f>")) || bytes.Contains(body, []byte("<f ")) {
			t.Errorf("%s holds a formula", part.Name)
		}
	}
}

func TestXLSXRandomHasNoSuppressedValue(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	for range 10 {
		d := randomDataset(r, 1+r.IntN(8), 1+r.IntN(6), r.IntN(4))
		var b bytes.Buffer
		if err := WriteXLSX(&b, d); err != nil {
			t.Fatal(err)
		}
		assertCleanXLSX(t, b.Bytes())
		f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("Taulukko", excelize.Options{RawCellValue: true})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		got := map[[3]string]Cell{}
		labelCols := 2
		if d.By != nil {
			labelCols = 3
		}
		for i, row := range rows[4:] {
			area := d.Area.Categories[i/len(d.byCategories())].Code
			by := d.byCategories()[i%len(d.byCategories())].Code
			for p, period := range d.Period.Categories {
				c := Cell{Area: area, Period: period.Code, By: by}
				if labelCols+p < len(row) {
					switch s := row[labelCols+p]; s {
					case "":
					case "..":
						c.Suppressed = true
					default:
						v, err := strconv.ParseFloat(s, 64)
						if err != nil {
							t.Fatal(err)
						}
						c.Value = &v
					}
				}
				got[[3]string{area, period.Code, by}] = c
			}
		}
		assertSameCells(t, d, got)
	}
}

func TestXLSXNumberFormats(t *testing.T) {
	for unit, want := range map[Unit]string{Count: "1,235", MedianDays: "1,234.6", Share: "12.5%"} {
		d := &Dataset{Indicator: "x", Name: "X", Unit: unit, Lang: "en", Texts: finnishTexts,
			Area:   Dimension{Label: "Area", Categories: []Category{{"FI", "Finland"}}},
			Period: Dimension{Label: "Year", Categories: []Category{{"2026", "2026"}}},
		}
		v := 1234.56
		if unit == Share {
			v = 0.125
		}
		d.Cells = []Cell{{Area: "FI", Period: "2026", Value: &v}}
		var b bytes.Buffer
		if err := WriteXLSX(&b, d); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.GetCellValue("Taulukko", "C5")
		raw, _ := f.GetCellValue("Taulukko", "C5", excelize.Options{RawCellValue: true})
		f.Close()
		if err != nil || got != want || raw != strconv.FormatFloat(v, 'f', -1, 64) {
			t.Errorf("%s: shown %q (raw %q), want %q over the exact value", unit, got, raw, want)
		}
	}
}

func TestInvalidDatasets(t *testing.T) {
	for name, change := range map[string]func(*Dataset){
		"unknown unit":        func(d *Dataset) { d.Unit = "percent" },
		"cell outside":        func(d *Dataset) { d.Cells[0].Area = "092" },
		"by without a dim":    func(d *Dataset) { d.By = nil },
		"two cells":           func(d *Dataset) { d.Cells = append(d.Cells, d.Cells[0]) },
		"not a number":        func(d *Dataset) { d.Cells[0].Value = num(math.NaN()) },
		"infinite":            func(d *Dataset) { d.Cells[0].Value = num(math.Inf(1)) },
		"duplicate code":      func(d *Dataset) { d.Period.Categories[1].Code = "2025" },
		"no areas":            func(d *Dataset) { d.Area.Categories = nil },
		"breakdown id clash":  func(d *Dataset) { d.By.ID = "area" },
		"no indicator":        func(d *Dataset) { d.Indicator = "" },
		"empty category code": func(d *Dataset) { d.By.Categories[0].Code = "" },
	} {
		d := sample()
		change(d)
		for format, write := range map[string]func(io.Writer, *Dataset) error{"csv": WriteCSV, "xlsx": WriteXLSX, "json-stat": WriteJSONStat} {
			var b bytes.Buffer
			err := write(&b, d)
			var me *model.Error
			if !errors.As(err, &me) || me.Code != model.CodeInternal || b.Len() != 0 {
				t.Errorf("%s, %s: err %v, %d bytes written; want an internal error and nothing", name, format, err, b.Len())
			}
		}
	}
	// A suppressed cell's stray value is not an error, and is never written.
	d := sample()
	d.Cells[7].Value = num(math.NaN())
	if err := d.Validate(); err != nil {
		t.Errorf("a suppressed cell with a stray value: %v", err)
	}
}

func TestSheetNames(t *testing.T) {
	for in, want := range map[string]string{
		"Taulukko":                 "Taulukko",
		"a/b:c":                    "a b c",
		"'quoted'":                 "quoted",
		strings.Repeat("ä", 40):    strings.Repeat("ä", 31),
		"Indikaattorin tiedot [x]": "Indikaattorin tiedot  x",
	} {
		if got := sheetName(in); got != want {
			t.Errorf("sheetName(%q) = %q, want %q", in, got, want)
		}
	}
	d := sample()
	d.Texts.DefinitionsSheet = "TAULUKKO"
	if err := WriteXLSX(io.Discard, d); err == nil {
		t.Error("two sheets with the same name were accepted")
	}
}

// ownOnlySample is a municipality's own table: Helsinki's 2026 figure is
// suppressed for everyone else (shown here, marked), Espoo's 2025 suppressed
// for this viewer too.
func ownOnlySample() *Dataset {
	texts := finnishTexts
	texts.SuppressedForOthers = "näytetään vain omalle kunnallesi: julkaistuissa tilastoissa salattu"
	return &Dataset{
		Indicator: "clients_registered", Name: "Rekisteröidyt asiakkaat", Unit: Count, Lang: "fi", Annotated: true,
		Area:   Dimension{ID: "area", Label: "Kunta", Categories: []Category{{"091", "Helsinki"}, {"049", "Espoo"}}},
		Period: Dimension{ID: "period", Label: "Neljännes", Categories: []Category{{"2025-Q4", "4. neljännes 2025"}, {"2026-Q1", "1. neljännes 2026"}}},
		Cells: []Cell{
			{Area: "091", Period: "2025-Q4", Value: num(120)},
			{Area: "091", Period: "2026-Q1", Value: num(3), SuppressedForOthers: true},
			{Area: "049", Period: "2025-Q4", Value: num(sentinel), Suppressed: true},
			{Area: "049", Period: "2026-Q1", Value: num(40)},
		},
		Texts: texts,
	}
}

func TestOwnOnlyFiguresAreMarkedInEveryFile(t *testing.T) {
	d := ownOnlySample()
	var b bytes.Buffer
	if err := WriteCSV(&b, d); err != nil {
		t.Fatal(err)
	}
	want := "indicator,area,period,by,value,suppressed,suppressed_for_others,period_label\r\n" +
		"clients_registered,091,2025-Q4,,120,false,false,4. neljännes 2025\r\n" +
		"clients_registered,091,2026-Q1,,3,false,true,1. neljännes 2026\r\n" +
		"clients_registered,049,2025-Q4,,,true,false,4. neljännes 2025\r\n" +
		"clients_registered,049,2026-Q1,,40,false,false,1. neljännes 2026\r\n"
	if b.String() != want {
		t.Errorf("annotated CSV:\n%s\nwant:\n%s", b.String(), want)
	}
	// Without annotation (the API's file) the contract's six columns only.
	d.Annotated = false
	b.Reset()
	if err := WriteCSV(&b, d); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "indicator,area,period,by,value,suppressed\r\nclients_registered,091,2025-Q4,,120,false\r\n") {
		t.Errorf("CSV of the API:\n%s", b.String())
	}

	b.Reset()
	if err := WriteJSONStat(&b, d); err != nil {
		t.Fatal(err)
	}
	js := decodeJSONStat(t, b.Bytes())
	if len(js.Status) != 2 || js.Status["1"] != OwnOnlySymbol || js.Status["2"] != SuppressedSymbol || js.Value[1] == nil || *js.Value[1] != 3 {
		t.Errorf("status %v values %v", js.Status, js.Value)
	}
	if !slices.Contains(js.Note, "† "+d.Texts.SuppressedForOthers) || js.Extension["own_only_symbol"] != "†" {
		t.Errorf("note %q extension %v", js.Note, js.Extension)
	}
	if js.Dimension["period"].Category.Label["2026-Q1"] != "1. neljännes 2026" {
		t.Errorf("period labels %v", js.Dimension["period"].Category.Label)
	}

	f, file := writtenXLSX(t, d)
	rows, err := f.GetRows("Taulukko")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[2], "|") != "†|"+d.Texts.SuppressedForOthers {
		t.Errorf("legend row 3: %q", rows[2])
	}
	if strings.Join(rows[3], "|") != "Aluekoodi|Kunta|4. neljännes 2025|1. neljännes 2026" {
		t.Errorf("header %q", rows[3])
	}
	// The own figure is a number, shown with its mark; the others are not marked.
	if got := strings.Join(rows[4], "|"); got != "091|Helsinki|120|3 †" {
		t.Errorf("Helsinki's row %q", got)
	}
	if got := strings.Join(rows[5], "|"); got != "049|Espoo|..|40" {
		t.Errorf("Espoo's row %q", got)
	}
	if raw, _ := f.GetCellValue("Taulukko", "D5", excelize.Options{RawCellValue: true}); raw != "3" {
		t.Errorf("D5 holds %q, want the number 3", raw)
	}
	defs, err := f.GetRows("Määritelmät")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range defs {
		found = found || len(r) == 2 && r[0] == "†" && r[1] == d.Texts.SuppressedForOthers
	}
	if !found {
		t.Errorf("definitions sheet %q does not explain †", defs)
	}
	assertCleanXLSX(t, file)

	// A table without such a figure has no mark and no legend of it.
	plain := sample()
	b.Reset()
	if err := WriteJSONStat(&b, plain); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "†") {
		t.Errorf("JSON-stat without own-only figures mentions †")
	}
}

// writtenXLSX writes d as XLSX and opens the workbook (closed when the test
// ends); it returns the file's bytes too.
func writtenXLSX(t *testing.T, d *Dataset) (*excelize.File, []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := WriteXLSX(&b, d); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, b.Bytes()
}
