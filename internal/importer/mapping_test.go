package importer

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
)

const sampleMapping = `# Vanha järjestelmä → kotodigi
[columns]
Tunniste = source_id
Hetu = personal_identity_code
Sukunimi = last_name
Etunimet = first_names
Oleskeluperuste = residence_basis_type
Kieli = service_language
Muistiinpanot = -

[values kieli]
ruotsi = sv
Suomi = fi

[values residence_basis_type]
oleskelulupa = residence_permit
`

func TestMappingRenamesColumnsAndValues(t *testing.T) {
	m, err := ParseMapping(strings.NewReader(sampleMapping))
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"TUNNISTE", "hetu", "Sukunimi", "Etunimet", "Oleskeluperuste", "Kieli", "Muistiinpanot", ColumnReasons}
	cols, err := ResolveHeader(store.KindClients, header, m, Format{Kind: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	row, _, err := cols.Convert(Record{Line: 2, Cells: []string{"A-1", "010190-999W", "Yusuf", "Amina", "OLESKELULUPA", " Ruotsi ", "free text", "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if row.SourceID != "A-1" || row.Client.ServiceLanguage != "sv" || row.Client.ResidenceBasis.Type != "residence_permit" || row.Client.LastName != "Yusuf" {
		t.Errorf("%+v %+v", row, row.Client)
	}
	// Without the mapping the export's names are unknown columns.
	if _, err := ResolveHeader(store.KindClients, header, nil, Format{}); fileCode(err) != FileUnknownColumn {
		t.Errorf("no mapping: %v", err)
	}
}

func TestMappingErrorsNameTheLine(t *testing.T) {
	for name, text := range map[string]string{
		"rule before a section": "a = b\n",
		"unknown section":       "[kolumnit]\n",
		"no equals sign":        "[columns]\nhetu personal_identity_code\n",
		"empty target":          "[columns]\nhetu =\n",
		"column twice":          "[columns]\nhetu = personal_identity_code\nHETU = uma_number\n",
		"value twice":           "[values kieli]\nruotsi = sv\nRuotsi = fi\n",
		"unclosed section":      "[columns\n",
	} {
		if _, err := ParseMapping(strings.NewReader(text)); err == nil || !strings.Contains(err.Error(), "line") && name != "rule before a section" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestHeaderProblems(t *testing.T) {
	for name, tc := range map[string]struct {
		kind   string
		header string
		want   string
	}{
		"unknown column":   {store.KindClients, "source_id,first_names,last_name,residence_basis_type,service_language,uma_number,shoe_size", FileUnknownColumn},
		"missing source":   {store.KindClients, "first_names,last_name,residence_basis_type,service_language,uma_number", FileMissingColumn},
		"no identity":      {store.KindClients, "source_id,first_names,last_name,residence_basis_type,service_language", FileMissingColumn},
		"duplicate column": {store.KindClients, "source_id,Source_ID,first_names,last_name,residence_basis_type,service_language,uma_number", FileRepeatedColumn},
		"plan without end": {store.KindPlans, "source_id,client_source_id,start_date", FileMissingColumn},
		"review link":      {store.KindReviews, "source_id,client_source_id,date", FileUnknownColumn},
	} {
		if _, err := ResolveHeader(tc.kind, strings.Split(tc.header, ","), nil, Format{}); fileCode(err) != tc.want {
			t.Errorf("%s: %v, want %s", name, err, tc.want)
		}
	}
}

func TestConvertCaseRecords(t *testing.T) {
	cols, err := ResolveHeader(store.KindPlans, []string{"source_id", "client_source_id", "start_date", "end_date", "goals"}, nil, Format{})
	if err != nil {
		t.Fatal(err)
	}
	row, warnings, err := cols.Convert(Record{Line: 5, Cells: []string{"P-1", "A-1", "1.3.2024", "2026-02-28", ""}, Formulas: []int{3}})
	if err != nil {
		t.Fatal(err)
	}
	if row.Link != "A-1" || row.Plan.StartDate.String() != "2024-03-01" || row.Plan.EndDate.String() != "2026-02-28" {
		t.Errorf("%+v", row.Plan)
	}
	if !slices.Equal(warnings, []string{"end_date:formula_value", "goals:required"}) {
		t.Errorf("warnings %v", warnings)
	}
	_, _, err = cols.Convert(Record{Line: 6, Cells: []string{"P-2", "", "31.2.2024", "2023-01-01", "x"}})
	if got := reasons(err); !slices.Equal(got, []string{"client_source_id:required", "start_date:invalid_date"}) {
		t.Errorf("rejection %v", got)
	}
	svc, _ := ResolveHeader(store.KindServices, []string{"source_id", "client_source_id", "service_type", "date"}, nil, Format{})
	if _, _, err := svc.Convert(Record{Line: 2, Cells: []string{"S-1", "A-1", "yoga", "2025-01-01"}}); !slices.Equal(reasons(err), []string{"service_type:invalid_choice"}) {
		t.Errorf("service: %v", err)
	}
}

func reasons(err error) []string {
	var out []string
	var e *model.Error
	if errors.As(err, &e) {
		for _, f := range e.Fields {
			out = append(out, f.Field+":"+f.Code)
		}
	}
	slices.Sort(out)
	return out
}

// The rejected rows, written in the input's own format, read back as they
// were (Windows-1252, semicolons, BOM; and XLSX).
func TestRejectFileRoundTrip(t *testing.T) {
	for _, f := range []Format{{Kind: "csv", Comma: ';', Encoding: Windows1252, BOM: true, CRLF: true}, {Kind: "csv", Comma: ',', Encoding: UTF8},
		{Kind: "xlsx", Sheet: "Asiakkaat"}} {
		p := filepath.Join(t.TempDir(), "rejects")
		w, err := NewRejectWriter(p, f, []string{"source_id", "last_name"})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(Record{Line: 7, Cells: []string{"A-7", "Müller; \"Jr\"\nÖberg"}}, []string{"first_names:required", "duplicate_client"}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		tb, recs, err := readTable(t, p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := tb.Format()
		got.CRLF = got.CRLF && f.CRLF
		if got != f {
			t.Errorf("format %+v, want %+v", got, f)
		}
		want := []string{"A-7", "Müller; \"Jr\"\nÖberg", "7", "first_names:required duplicate_client"}
		if len(recs) != 1 || !slices.Equal(recs[0].Cells, want) && !slices.Equal(recs[0].Cells, []string{want[0], strings.ReplaceAll(want[1], "\n", "\r\n"), want[2], want[3]}) {
			t.Errorf("%+v: %+v", f, recs)
		}
		if _, err := ResolveHeader(store.KindServices, append(tb.Header(), "client_source_id", "service_type", "date"), &Mapping{Columns: map[string]string{"last_name": "-"}}, got); err != nil {
			t.Errorf("the reject columns are not ignored: %v", err)
		}
	}
}

func FuzzMapping(f *testing.F) {
	f.Add(sampleMapping)
	f.Add("[values kieli]\nruotsi=sv\n[columns]\na=-\n")
	f.Fuzz(func(t *testing.T, text string) {
		m, err := ParseMapping(strings.NewReader(text))
		if err != nil {
			return
		}
		for from, to := range m.Columns {
			if from != fold(from) || to != fold(to) || to == "" {
				t.Fatalf("column rule %q → %q not folded", from, to)
			}
			if m.column(strings.ToUpper(from)) != to && strings.ToLower(strings.ToUpper(from)) == from {
				t.Fatalf("column %q not found by its upper case", from)
			}
		}
		for col, rules := range m.Values {
			for from := range rules {
				if from != fold(from) || col != fold(col) {
					t.Fatalf("value rule %q.%q not folded", col, from)
				}
			}
		}
	})
}

// FuzzCSV reads arbitrary bytes as an import file: no panic, no file error
// other than the documented codes, every record within the limits, and every
// readable record written to a reject file reads back unchanged.
func FuzzCSV(f *testing.F) {
	f.Add([]byte("source_id;uma_number;first_names\n1;X;A\n"))
	f.Add([]byte("\ufeffsource_id,last_name\n\"a\"\"b\",\"x\ny\"\r\n"))
	f.Add([]byte("a,b\n1,x\"y\n"))
	f.Add([]byte{'a', ';', 'b', '\n', 0xE4, ';', 0xF6, '\n'})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := writeFile(t, "f", data)
		tb, recs, err := readTable(t, p, Options{})
		if err != nil {
			if fileCode(err) == "" {
				t.Fatalf("not a file error: %v", err)
			}
			return
		}
		var good []Record
		for _, r := range recs {
			if r.Err == nil {
				good = append(good, r)
			}
		}
		// Bytes that Windows-1252 leaves undefined read as U+FFFD, which it
		// cannot write back.
		undefined := slices.ContainsFunc(good, func(r Record) bool {
			return slices.ContainsFunc(r.Cells, func(c string) bool { return strings.ContainsRune(c, '\uFFFD') })
		})
		if len(good) == 0 || tb.Format().Kind != "csv" || undefined && tb.Format().Encoding == Windows1252 {
			return
		}
		out := filepath.Join(t.TempDir(), "rejects")
		w, err := NewRejectWriter(out, tb.Format(), tb.Header())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range good {
			if err := w.Write(r, []string{"x:y"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		tb2, back, err := readTable(t, out, Options{})
		if err != nil {
			t.Fatalf("reject file unreadable: %v", err)
		}
		nonASCII := false
		for _, r := range good {
			for _, c := range r.Cells {
				nonASCII = nonASCII || strings.ContainsFunc(c, func(r rune) bool { return r > 127 })
			}
		}
		if nonASCII && tb2.Format().Encoding != tb.Format().Encoding || tb2.Format().Comma != tb.Format().Comma {
			t.Fatalf("format %+v became %+v", tb.Format(), tb2.Format())
		}
		if len(back) != len(good) {
			t.Fatalf("%d rows written, %d read back", len(good), len(back))
		}
		for i := range good {
			for j, c := range good[i].Cells {
				if norm(back[i].Cells[j]) != norm(c) {
					t.Fatalf("cell %q read back as %q", c, back[i].Cells[j])
				}
			}
		}
	})
}

// norm: CSV turns a quoted CRLF into LF.
func norm(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

// FuzzXLSX reads arbitrary bytes that start like a zip: no panic, only file
// errors, bounded rows.
func FuzzXLSX(f *testing.F) {
	book, err := os.ReadFile(workbookSeed(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(book)
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := Open(writeFile(t, "f.xlsx", data), Options{TempDir: t.TempDir()})
		if err != nil {
			return
		}
		defer tb.Close()
		for i := 0; i < 10000; i++ {
			if _, err := tb.Next(); errors.Is(err, io.EOF) || err != nil {
				return
			}
		}
	})
}

func workbookSeed(t testing.TB) string {
	return workbook(t, [][2]any{{"Sheet1", [][]any{{"source_id", "date"}, {"A-1", 45000}, {"A-2", "1.2.2026"}}}})
}
