package importer

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Limits of an XLSX workbook: what it may unpack to in all, and each part
// that is held in memory (larger worksheets and shared strings are unpacked
// to temporary files by excelize). A zip bomb fails on these before any row
// is read.
const (
	MaxXLSXUnpacked = 512 << 20
	MaxXLSXPart     = 16 << 20
	// MaxFormulas bounds the formula cells reported of one sheet.
	MaxFormulas = 10_000
)

// xlsxTable reads one sheet of a workbook as a stream of rows.
type xlsxTable struct {
	f        *excelize.File
	rows     *excelize.Rows
	header   []string
	format   Format
	line     int
	formulas map[int][]int
}

func openXLSX(p string, size int64, opt Options) (Table, error) {
	if err := checkZip(p, size); err != nil {
		return nil, err
	}
	f, err := excelize.OpenFile(p, excelize.Options{UnzipSizeLimit: MaxXLSXUnpacked, UnzipXMLSizeLimit: MaxXLSXPart, TmpDir: opt.TempDir})
	if err != nil {
		return nil, xlsxErr(err)
	}
	t := &xlsxTable{f: f, format: Format{Kind: "xlsx"}}
	sheets := f.GetSheetList()
	switch {
	case opt.Sheet == "" && len(sheets) > 0:
		t.format.Sheet = sheets[0]
	case opt.Sheet != "":
		for _, s := range sheets {
			if strings.EqualFold(s, opt.Sheet) {
				t.format.Sheet = s
			}
		}
	}
	if t.format.Sheet == "" {
		f.Close()
		return nil, fileErr(FileNoSheet, "the workbook has no sheet %q (it has: %s)", opt.Sheet, strings.Join(sheets, ", "))
	}
	if t.formulas, err = scanFormulas(p, size, t.format.Sheet); err != nil {
		f.Close()
		return nil, err
	}
	if t.rows, err = f.Rows(t.format.Sheet); err != nil {
		f.Close()
		return nil, xlsxErr(err)
	}
	for {
		rec, err := t.Next()
		if errors.Is(err, io.EOF) {
			t.Close()
			return nil, fileErr(FileEmpty, "the sheet %q has no header row", t.format.Sheet)
		}
		if err != nil {
			t.Close()
			return nil, err
		}
		if len(rec.Formulas) > 0 {
			t.Close()
			return nil, fileErr(FileNoHeader, "the header row holds a formula")
		}
		t.header = rec.Cells
		return t, nil
	}
}

func xlsxErr(err error) error {
	switch {
	case errors.Is(err, excelize.ErrOptionsUnzipSizeLimit), strings.Contains(err.Error(), "unzip size"):
		return fileErr(FileXLSXTooLarge, "the workbook unpacks to more than %d MiB", MaxXLSXUnpacked>>20)
	case errors.Is(err, excelize.ErrMaxRows):
		return fileErr(FileTooManyRows, "more than %d rows: split the file", MaxFileRows)
	}
	return fileErr(FileXLSX, "not a readable XLSX workbook")
}

// checkZip refuses a workbook whose parts would unpack to more than the
// limits (the sizes a zip declares are enforced while it is read).
func checkZip(p string, size int64) error {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return fileErr(FileXLSX, "not a readable XLSX workbook")
	}
	defer zr.Close()
	var total uint64
	workbook := false
	for _, f := range zr.File {
		total += f.UncompressedSize64
		name := strings.ToLower(f.Name)
		workbook = workbook || name == "xl/workbook.xml"
		big := strings.HasPrefix(name, "xl/worksheets/") || name == "xl/sharedstrings.xml"
		if total > MaxXLSXUnpacked || (!big && f.UncompressedSize64 > MaxXLSXPart) {
			return fileErr(FileXLSXTooLarge, "the workbook unpacks to more than its limits (%d MiB in all, %d MiB a part)", MaxXLSXUnpacked>>20, MaxXLSXPart>>20)
		}
	}
	if !workbook {
		return fileErr(FileXLSX, "a zip archive, but not an XLSX workbook")
	}
	return nil
}

// scanFormulas finds the cells of a sheet that hold a formula, reading the
// sheet's XML as a stream: row number → column indexes (0-based).
func scanFormulas(p string, size int64, sheet string) (map[int][]int, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, fileErr(FileXLSX, "not a readable XLSX workbook")
	}
	defer zr.Close()
	part, err := sheetPart(&zr.Reader, sheet)
	if err != nil {
		return nil, err
	}
	rc, err := openPart(&zr.Reader, part)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	out := map[int][]int{}
	n := 0
	dec := xml.NewDecoder(rc)
	row, col, nextCol := 0, 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fileErr(FileXLSX, "the sheet is not readable XML")
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "row":
			row, nextCol = row+1, 0
			if v := attr(se, "r"); v != "" {
				row, _ = strconv.Atoi(v)
			}
		case "c":
			col = nextCol
			if v := attr(se, "r"); v != "" {
				if c, r, err := excelize.CellNameToCoordinates(v); err == nil {
					col, row = c-1, r
				}
			}
			nextCol = col + 1
		case "f":
			if n++; n > MaxFormulas {
				return nil, fileErr(FileTooManyFormula, "more than %d cells hold a formula: save the sheet as values", MaxFormulas)
			}
			out[row] = append(out[row], col)
		}
	}
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func openPart(zr *zip.Reader, name string) (io.ReadCloser, error) {
	for _, f := range zr.File {
		if strings.EqualFold(strings.ReplaceAll(f.Name, "\\", "/"), name) {
			return f.Open()
		}
	}
	return nil, fileErr(FileXLSX, "the workbook lacks %s", name)
}

// sheetPart finds the worksheet part of the sheet named sheet through
// xl/workbook.xml and its relationships.
func sheetPart(zr *zip.Reader, sheet string) (string, error) {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	for name, v := range map[string]any{"xl/workbook.xml": &wb, "xl/_rels/workbook.xml.rels": &rels} {
		rc, err := openPart(zr, name)
		if err != nil {
			return "", err
		}
		err = xml.NewDecoder(io.LimitReader(rc, MaxXLSXPart)).Decode(v)
		rc.Close()
		if err != nil {
			return "", fileErr(FileXLSX, "the workbook's %s is not readable", name)
		}
	}
	for _, s := range wb.Sheets {
		if s.Name != sheet {
			continue
		}
		for _, r := range rels.Rel {
			if r.ID == s.RID {
				if strings.HasPrefix(r.Target, "/") {
					return strings.TrimPrefix(r.Target, "/"), nil
				}
				return path.Join("xl", r.Target), nil
			}
		}
	}
	return "", fileErr(FileNoSheet, "the workbook has no sheet %q", sheet)
}

func (t *xlsxTable) Header() []string { return t.header }
func (t *xlsxTable) Format() Format   { return t.format }

func (t *xlsxTable) Close() error {
	if t.rows != nil {
		_ = t.rows.Close()
	}
	return t.f.Close()
}

// Next returns the next non-blank row with its cells as stored: raw values
// (a date is its serial number, see cellDate), a formula cell's cached value.
func (t *xlsxTable) Next() (Record, error) {
	for t.rows.Next() {
		t.line++
		if t.line > MaxFileRows+1 {
			return Record{}, fileErr(FileTooManyRows, "more than %d rows: split the file", MaxFileRows)
		}
		cells, err := t.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return Record{}, xlsxErr(err)
		}
		size := 0
		for _, c := range cells {
			size += len(c)
		}
		if size > MaxRecordBytes {
			return Record{}, fileErr(FileRowTooLong, "a row is longer than %d KiB", MaxRecordBytes>>10)
		}
		if blank(cells) && len(t.formulas[t.line]) == 0 {
			continue
		}
		return Record{Line: t.line, Cells: cells, Formulas: t.formulas[t.line]}, nil
	}
	if err := t.rows.Error(); err != nil {
		return Record{}, xlsxErr(err)
	}
	return Record{}, io.EOF
}
