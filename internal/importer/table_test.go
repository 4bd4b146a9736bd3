package importer

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// readTable opens a file and reads all its records.
func readTable(t testing.TB, path string, opt Options) (Table, []Record, error) {
	t.Helper()
	tb, err := Open(path, opt)
	if err != nil {
		return nil, nil, err
	}
	defer tb.Close()
	var out []Record
	for {
		r, err := tb.Next()
		if errors.Is(err, io.EOF) {
			return tb, out, nil
		}
		if err != nil {
			return tb, out, err
		}
		out = append(out, r)
	}
}

func fileCode(err error) string {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe.Code
	}
	return ""
}

func TestCSVDialectsAndEncodings(t *testing.T) {
	win, err := charmap.Windows1252.NewEncoder().String("source_id;last_name\r\nA-1;Müller\r\nA-2;\"Öberg\r\nJr\"\r\n")
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		data   string
		format Format
	}{
		"utf-8, comma":               {"source_id,last_name\nA-1,Müller\nA-2,\"Öberg\nJr\"\n", Format{Kind: "csv", Comma: ',', Encoding: UTF8}},
		"utf-8, semicolon, BOM":      {"\ufeffsource_id;last_name\nA-1;Müller\nA-2;\"Öberg\nJr\"\n", Format{Kind: "csv", Comma: ';', Encoding: UTF8, BOM: true}},
		"windows-1252, CRLF":         {win, Format{Kind: "csv", Comma: ';', Encoding: Windows1252, CRLF: true}},
		"blank rows and no last EOL": {"source_id,last_name\n\nA-1,Müller\n,\nA-2,\"Öberg\nJr\"", Format{Kind: "csv", Comma: ',', Encoding: UTF8}},
	} {
		tb, recs, err := readTable(t, writeFile(t, "f.csv", []byte(tc.data)), Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if tb.Format() != tc.format || !slices.Equal(tb.Header(), []string{"source_id", "last_name"}) {
			t.Errorf("%s: format %+v header %q", name, tb.Format(), tb.Header())
		}
		if len(recs) != 2 || recs[0].Cells[1] != "Müller" || recs[1].Cells[1] != "Öberg\nJr" && recs[1].Cells[1] != "Öberg\r\nJr" {
			t.Fatalf("%s: %+v", name, recs)
		}
		if recs[1].Line < 3 {
			t.Errorf("%s: line of the second row %d", name, recs[1].Line)
		}
	}
}

func TestBadFiles(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 100)...)
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"binary":          {png, FileBinary},
		"empty":           {nil, FileEmpty},
		"only spaces":     {[]byte(" \n\n  \r\n"), FileEmpty},
		"old excel":       {append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), FileOldExcel},
		"zip, not a book": {zipOf(t, map[string]string{"a.txt": "hello"}), FileXLSX},
		"truncated zip":   {[]byte("PK\x03\x04garbage"), FileXLSX},
	} {
		if _, _, err := readTable(t, writeFile(t, "f", tc.data), Options{}); fileCode(err) != tc.want {
			t.Errorf("%s: %v, want %s", name, err, tc.want)
		}
	}
}

// A 2 GB file is refused from its size without reading it; a file of that
// size within a larger limit is read as a stream and refused at its first
// bytes (a sparse file of zeros, so nothing is written to disk).
func TestHugeFiles(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.csv")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(2 << 30); err != nil {
		t.Skip("no sparse files here:", err)
	}
	f.Close()
	if _, err := Open(p, Options{}); fileCode(err) != FileTooLarge {
		t.Errorf("2 GB file: %v", err)
	}
	if _, err := Open(p, Options{MaxBytes: 4 << 30}); fileCode(err) != FileBinary {
		t.Errorf("2 GB of zeros: %v", err)
	}
}

// An unclosed quote in a long file never makes one row of all the rest.
func TestEndlessRowIsRefused(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("source_id,last_name\nA-1,\"never closed\n")
	line := strings.Repeat("x", 1000) + "\n"
	for b.Len() < 3*MaxRecordBytes {
		b.WriteString(line)
	}
	_, _, err := readTable(t, writeFile(t, "f.csv", b.Bytes()), Options{})
	if fileCode(err) != FileRowTooLong {
		t.Errorf("endless row: %v", err)
	}
}

func TestMalformedRowIsARowNotTheFile(t *testing.T) {
	_, recs, err := readTable(t, writeFile(t, "f.csv", []byte("a,b\n1,x\"y\n2,ok\n")), Options{})
	if err != nil || len(recs) != 2 || recs[0].Err == nil || recs[1].Err != nil || recs[1].Cells[1] != "ok" {
		t.Fatalf("%+v %v", recs, err)
	}
}

func zipOf(t testing.TB, parts map[string]string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for name, body := range parts {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = f.Write([]byte(body))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// workbook writes an XLSX file with the given sheets (name → rows).
func workbook(t testing.TB, sheets [][2]any) string {
	t.Helper()
	f := excelize.NewFile()
	for i, s := range sheets {
		name := s[0].(string)
		if i == 0 {
			_ = f.SetSheetName("Sheet1", name)
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range s[1].([][]any) {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "book.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	// Judged by content, not by name.
	if err := os.Rename(p, filepath.Join(dir, "book.bin")); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "book.bin")
}

func TestXLSXSheetsAndFormulas(t *testing.T) {
	p := workbook(t, [][2]any{
		{"Ohje", [][]any{{"this sheet is instructions"}}},
		{"Asiakkaat", [][]any{{"source_id", "last_name", "date"}, {"A-1", "Müller", 46000}, {}, {"A-2", "Öberg", "1.2.2026"}}},
	})
	if _, _, err := readTable(t, p, Options{Sheet: "Nope"}); fileCode(err) != FileNoSheet {
		t.Errorf("missing sheet: %v", err)
	}
	tb, recs, err := readTable(t, p, Options{Sheet: "asiakkaat"})
	if err != nil {
		t.Fatal(err)
	}
	if tb.Format().Kind != "xlsx" || tb.Format().Sheet != "Asiakkaat" || !slices.Equal(tb.Header(), []string{"source_id", "last_name", "date"}) {
		t.Errorf("format %+v header %q", tb.Format(), tb.Header())
	}
	if len(recs) != 2 || recs[0].Line != 2 || recs[0].Cells[2] != "46000" || recs[1].Line != 4 || recs[1].Cells[1] != "Öberg" {
		t.Fatalf("%+v", recs)
	}
	if d, err := ParseDate(recs[0].Cells[2], true); err != nil || d.String() != "2025-12-09" {
		t.Errorf("serial date: %v %v", d, err)
	}
	// The first sheet by default.
	if tb, _, err := readTable(t, p, Options{}); err != nil || tb.Format().Sheet != "Ohje" {
		t.Errorf("default sheet: %v", err)
	}

	f, err := excelize.OpenFile(p)
	f.Path = p + ".xlsx"
	defer os.Rename(p+".xlsx", p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellFormula("Asiakkaat", "B2", `CONCATENATE("M","x")`); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellFormula("Asiakkaat", "A4", "1+1"); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(p+".xlsx", p); err != nil {
		t.Fatal(err)
	}
	_, recs, err = readTable(t, p, Options{Sheet: "Asiakkaat"})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || !slices.Equal(recs[0].Formulas, []int{1}) || !slices.Equal(recs[1].Formulas, []int{0}) {
		t.Fatalf("formulas: %+v", recs)
	}
	if recs[1].Cells[0] == "2" || recs[0].Cells[1] == "Mx" {
		t.Errorf("a formula was evaluated: %+v", recs)
	}
}

// A zip bomb fails on the declared sizes before anything is unpacked.
func TestXLSXZipBomb(t *testing.T) {
	book := workbook(t, [][2]any{{"Sheet1", [][]any{{"source_id"}, {"1"}}}})
	zr, err := zip.OpenReader(book)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, f := range zr.File {
		rc, _ := f.Open()
		body, _ := io.ReadAll(rc)
		rc.Close()
		out, _ := w.Create(f.Name)
		if f.Name == "xl/styles.xml" {
			// Valid XML padded to 20 MiB of spaces (compresses to a few KiB).
			body = append(body, bytes.Repeat([]byte(" "), 20<<20)...)
		}
		_, _ = out.Write(body)
	}
	zr.Close()
	_ = w.Close()
	if b.Len() > 1<<20 {
		t.Fatalf("the bomb is %d bytes", b.Len())
	}
	if _, err := Open(writeFile(t, "bomb.xlsx", b.Bytes()), Options{}); fileCode(err) != FileXLSXTooLarge {
		t.Errorf("zip bomb: %v", err)
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{"2026-02-01": "2026-02-01", "1.2.2026": "2026-02-01", "01.02.2026": "2026-02-01",
		"29.2.2024": "2024-02-29", "29.2.2025": "", "2026-2-1": "", "1.2.26": "", "+1.2.2026": "", "45000": "", "32.1.2026": "", "0.1.2026": ""} {
		d, err := ParseDate(in, false)
		if got := d.String(); (err == nil) != (want != "") || err == nil && got != want {
			t.Errorf("%q: %v %v, want %q", in, got, err, want)
		}
	}
}
