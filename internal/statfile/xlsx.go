package statfile

import (
	"archive/zip"
	"compress/flate"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/kotodigi/kotodigi/internal/model"
)

// XLSXContentType is the media type of WriteXLSX's output.
const XLSXContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// xlsxHeaderRow is the row of the table's column headings on the first
// sheet; the title and the legend of ".." stand above it.
const xlsxHeaderRow = 4

// WriteXLSX writes the dataset as a workbook.
//
// The first sheet (Texts.TableSheet) has the indicator's name and unit in
// row 1, the meaning of ".." in row 2 and, from row 4, an Excel table that a
// pivot table or Power Query reads as it is: the columns area code, area,
// the breakdown (with a breakdown) and one column per period; one row per
// area, or per area and breakdown category, with the area repeated on every
// row (no merged cells). Values are numeric cells formatted by unit (counts
// "#,##0", medians "#,##0.0", shares "0.0%"); a suppressed value is the text
// ".." aligned right; a value the dataset does not hold is an empty cell. A
// value shown only to the viewer's own municipality stays a number but is
// shaded and shown with " †" by its number format, and row 3 says what "†"
// means.
//
// The second sheet (Texts.DefinitionsSheet) has the indicator's name and id,
// its definition, unit, source, the date of the figures, the disclosure
// control rule, the meaning of ".." (and of "†" when a value is so marked)
// and the note.
//
// The file holds no formulas and no suppressed value anywhere.
func WriteXLSX(w io.Writer, d *Dataset) error {
	c, err := d.cube()
	if err != nil {
		return err
	}
	tableSheet, defSheet := sheetName(d.Texts.TableSheet), sheetName(d.Texts.DefinitionsSheet)
	if tableSheet == "" || defSheet == "" || strings.EqualFold(tableSheet, defSheet) {
		return model.Errorf(model.CodeInternal, "statfile: sheet names %q and %q", d.Texts.TableSheet, d.Texts.DefinitionsSheet)
	}
	f := excelize.NewFile()
	defer f.Close()
	f.SetZipWriter(fastZip)
	if err := f.SetSheetName("Sheet1", tableSheet); err != nil {
		return err
	}
	if _, err := f.NewSheet(defSheet); err != nil {
		return err
	}
	if err := writeTableSheet(f, tableSheet, c); err != nil {
		return err
	}
	if err := writeDefinitionsSheet(f, defSheet, c); err != nil {
		return err
	}
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:    d.Name,
		Subject:  d.Indicator,
		Creator:  d.Source,
		Language: d.Lang,
		Created:  d.Updated.UTC().Format("2006-01-02T15:04:05Z"),
		Modified: d.Updated.UTC().Format("2006-01-02T15:04:05Z"),
	}); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// fastZip deflates the workbook's parts at the fastest level, with
// compressors reused across files as archive/zip reuses its own: a third
// less CPU than excelize's default for a large table, for a file about a
// quarter larger.
func fastZip(w io.Writer) excelize.ZipWriter {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		fw, _ := fastDeflaters.Get().(*flate.Writer)
		if fw == nil {
			var err error
			if fw, err = flate.NewWriter(out, flate.BestSpeed); err != nil {
				return nil, err
			}
		} else {
			fw.Reset(out)
		}
		return &pooledDeflater{fw}, nil
	})
	return zw
}

// fastDeflaters holds idle BestSpeed compressors (a flate.Writer costs
// about a megabyte to make).
var fastDeflaters sync.Pool

// pooledDeflater returns its compressor to fastDeflaters when closed.
type pooledDeflater struct{ *flate.Writer }

func (p *pooledDeflater) Close() error {
	err := p.Writer.Close()
	fastDeflaters.Put(p.Writer)
	return err
}

// xlsxStyles are the cell styles of the table sheet.
type xlsxStyles struct {
	title, header, number, suppressed, ownOnly int
}

func newXLSXStyles(f *excelize.File, u Unit) (xlsxStyles, error) {
	var s xlsxStyles
	var err error
	if s.title, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}}); err != nil {
		return s, err
	}
	if s.header, err = f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "bottom"},
		Border:    []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}},
	}); err != nil {
		return s, err
	}
	numFmt := map[Unit]string{Count: "#,##0", MedianDays: "#,##0.0", Share: "0.0%"}[u]
	if s.number, err = f.NewStyle(&excelize.Style{CustomNumFmt: &numFmt}); err != nil {
		return s, err
	}
	if s.suppressed, err = f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Horizontal: "right"}}); err != nil {
		return s, err
	}
	ownFmt := numFmt + `" ` + OwnOnlySymbol + `"`
	s.ownOnly, err = f.NewStyle(&excelize.Style{CustomNumFmt: &ownFmt, Font: &excelize.Font{Italic: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}}})
	return s, err
}

// writeTableSheet streams the first sheet: title, legend and the table.
func writeTableSheet(f *excelize.File, sheet string, c *cube) error {
	d := c.d
	st, err := newXLSXStyles(f, d.Unit)
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	labelCols := 2
	if d.By != nil {
		labelCols = 3
	}
	if err := sw.SetColWidth(1, 1, 11); err != nil {
		return err
	}
	if err := sw.SetColWidth(2, labelCols, labelWidth(d)); err != nil {
		return err
	}
	if err := sw.SetColWidth(labelCols+1, labelCols+len(d.Period.Categories), 11); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, XSplit: labelCols, YSplit: xlsxHeaderRow,
		TopLeftCell: cellName(labelCols+1, xlsxHeaderRow+1), ActivePane: "bottomRight",
	}); err != nil {
		return err
	}
	title := d.Name
	if d.Texts.UnitName != "" {
		title += " (" + d.Texts.UnitName + ")"
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: st.title, Value: title}}); err != nil {
		return err
	}
	if err := sw.SetRow("A2", []any{excelize.Cell{StyleID: st.suppressed, Value: SuppressedSymbol}, d.Texts.Suppressed}); err != nil {
		return err
	}
	if c.ownOnly {
		if err := sw.SetRow("A3", []any{excelize.Cell{StyleID: st.suppressed, Value: OwnOnlySymbol}, d.Texts.SuppressedForOthers}); err != nil {
			return err
		}
	}
	header := make([]any, 0, labelCols+len(d.Period.Categories))
	header = append(header, d.Texts.AreaCode, d.Area.Label)
	if d.By != nil {
		header = append(header, d.By.Label)
	}
	for _, p := range d.Period.Categories {
		header = append(header, p.Label)
	}
	headings := make([]string, len(header))
	for i, h := range header {
		headings[i] = h.(string)
		header[i] = excelize.Cell{StyleID: st.header, Value: h}
	}
	if err := sw.SetRow(cellName(1, xlsxHeaderRow), header); err != nil {
		return err
	}
	row := xlsxHeaderRow
	values := make([]any, labelCols+len(d.Period.Categories))
	numbers := make([]excelize.Cell, len(d.Period.Categories))
	suppressed := &excelize.Cell{StyleID: st.suppressed, Value: SuppressedSymbol}
	for a, area := range d.Area.Categories {
		for b, by := range d.byCategories() {
			values[0], values[1] = area.Code, area.Label
			if d.By != nil {
				values[2] = by.Label
			}
			for p := range d.Period.Categories {
				values[labelCols+p] = nil
				cell := c.at(a, p, b)
				if cell != nil && cell.Suppressed {
					values[labelCols+p] = suppressed
				} else if v, ok := cell.Published(); ok {
					style := st.number
					if cell.SuppressedForOthers {
						style = st.ownOnly
					}
					numbers[p] = excelize.Cell{StyleID: style, Value: v}
					values[labelCols+p] = &numbers[p]
				}
			}
			row++
			if err := sw.SetRow(cellName(1, row), values); err != nil {
				return err
			}
		}
	}
	if uniqueFold(headings) {
		show := true
		if err := sw.AddTable(&excelize.Table{
			Range:     cellName(1, xlsxHeaderRow) + ":" + cellName(len(header), max(row, xlsxHeaderRow+1)),
			Name:      tableName(d.Indicator),
			StyleName: "TableStyleLight1", ShowRowStripes: &show,
		}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// writeDefinitionsSheet writes the second sheet: one heading and one text per row.
func writeDefinitionsSheet(f *excelize.File, sheet string, c *cube) error {
	d := c.d
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	updated := ""
	if !d.Updated.IsZero() {
		updated = d.Updated.Format("2006-01-02 15:04 MST")
	}
	rows := [][2]string{
		{d.Texts.Indicator, d.Name + " (" + d.Indicator + ")"},
		{d.Texts.Definition, d.Definition},
		{d.Texts.Unit, d.Texts.UnitName},
		{d.Texts.Source, d.Source},
		{d.Texts.Updated, updated},
		{d.Texts.Suppression, d.Texts.SuppressionRule},
		{SuppressedSymbol, d.Texts.Suppressed},
	}
	if c.ownOnly {
		rows = append(rows, [2]string{OwnOnlySymbol, d.Texts.SuppressedForOthers})
	}
	if d.Note != "" {
		rows = append(rows, [2]string{d.Texts.Note, d.Note})
	}
	for i, r := range rows {
		if err := f.SetSheetRow(sheet, cellName(1, i+1), &[]string{r[0], r[1]}); err != nil {
			return err
		}
	}
	last := cellName(1, len(rows))
	if err := f.SetCellStyle(sheet, "A1", last, bold); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "B1", "B"+last[1:], wrap); err != nil {
		return err
	}
	if err := f.SetColWidth(sheet, "A", "A", 24); err != nil {
		return err
	}
	return f.SetColWidth(sheet, "B", "B", 90)
}

// cellName is excelize.CoordinatesToCellName for coordinates known to be valid.
func cellName(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

// sheetName makes s a valid sheet name: without []:*?/\, not starting or
// ending with an apostrophe, at most 31 characters.
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Trim(s, "' ")
	if utf8.RuneCountInString(s) > 31 {
		s = strings.TrimRight(string([]rune(s)[:31]), "' ")
	}
	return s
}

// tableName is the Excel table's name: letters, digits and underscores,
// never mistakable for a cell reference.
func tableName(indicator string) string {
	var b strings.Builder
	b.WriteString("T_")
	for _, r := range indicator {
		if r < 128 && (r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// uniqueFold reports whether no two headings are equal ignoring case, as an
// Excel table requires of its column names.
func uniqueFold(headings []string) bool {
	seen := make(map[string]bool, len(headings))
	for _, h := range headings {
		k := strings.ToLower(strings.TrimSpace(h))
		if k == "" || seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

// labelWidth is the width of the label columns: the longest label, within limits.
func labelWidth(d *Dataset) float64 {
	n := utf8.RuneCountInString(d.Area.Label)
	for _, c := range d.Area.Categories {
		n = max(n, utf8.RuneCountInString(c.Label))
	}
	if d.By != nil {
		for _, c := range d.By.Categories {
			n = max(n, utf8.RuneCountInString(c.Label))
		}
	}
	return float64(min(max(n+2, 12), 45))
}
