package importer

import (
	"bufio"
	"encoding/csv"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// Report is the result of a run, as CONTRACT.md § 3 fixes it (kind, read,
// imported, skipped, rejected, rejections), with the warnings and the run's
// provenance. It holds codes only: no personal data.
type Report struct {
	Kind         string      `json:"kind"`
	Read         int         `json:"read"`
	Imported     int         `json:"imported"`
	Skipped      int         `json:"skipped"`
	Rejected     int         `json:"rejected"`
	Rejections   []Rejection `json:"rejections"`
	Warnings     []Warning   `json:"warnings"`
	Run          string      `json:"run"`
	Municipality string      `json:"municipality"`
	SourceSystem string      `json:"source_system"`
	DryRun       bool        `json:"dry_run"`
	Format       Format      `json:"format"`
}

// Rejection is a rejected row: its line, its source id and the reason codes
// (FIELD:CODE for a column, or a row-level code such as duplicate_client).
// Municipality names the municipality responsible for a duplicate client.
type Rejection struct {
	Line         int      `json:"line"`
	SourceID     string   `json:"source_id"`
	Reasons      []string `json:"reasons"`
	Municipality string   `json:"municipality,omitempty"`
}

// Warning is a stored (or, in a dry run, storable) historic row that breaks
// a rule of today, with the rules' codes.
type Warning struct {
	Line     int      `json:"line"`
	SourceID string   `json:"source_id"`
	Codes    []string `json:"codes"`
}

// sortReport orders rejections and warnings by line.
func (r *Report) sort() {
	slices.SortStableFunc(r.Rejections, func(a, b Rejection) int { return a.Line - b.Line })
	slices.SortStableFunc(r.Warnings, func(a, b Warning) int { return a.Line - b.Line })
}

// Summary is the last line of the command's output (CONTRACT.md § 2).
func (r *Report) Summary() string {
	verb := "imported"
	if r.DryRun {
		verb = "would import"
	}
	return verb + " " + strconv.Itoa(r.Imported) + ", skipped " + strconv.Itoa(r.Skipped) + ", rejected " + strconv.Itoa(r.Rejected)
}

// RejectWriter writes rejected rows in the format they were read in (CSV
// with the same separator, encoding, byte-order mark and line ends, or XLSX),
// each with its original cells and two more columns, import_line and
// import_reasons, which the importer ignores: a fixed reject file is
// imported again as it is.
type RejectWriter struct {
	format Format
	file   *os.File
	// CSV
	buf *bufio.Writer
	enc io.WriteCloser
	csv *csv.Writer
	// XLSX
	book   *excelize.File
	stream *excelize.StreamWriter
	row    int
	width  int
}

// NewRejectWriter creates the reject file at path for a file of format f
// whose header is header.
func NewRejectWriter(path string, f Format, header []string) (*RejectWriter, error) {
	file, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	w := &RejectWriter{format: f, file: file, width: len(header)}
	head := append(slices.Clone(header), ColumnLine, ColumnReasons)
	if f.Kind == "xlsx" {
		w.book = excelize.NewFile()
		sheet := f.Sheet
		if sheet == "" {
			sheet = "Sheet1"
		}
		if sheet != "Sheet1" {
			if err := w.book.SetSheetName("Sheet1", sheet); err != nil {
				file.Close()
				return nil, err
			}
		}
		if w.stream, err = w.book.NewStreamWriter(sheet); err != nil {
			file.Close()
			return nil, err
		}
		return w, w.write(head)
	}
	w.buf = bufio.NewWriter(file)
	if f.BOM {
		_, _ = w.buf.Write([]byte{0xEF, 0xBB, 0xBF})
	}
	var out io.Writer = w.buf
	if f.Encoding == Windows1252 {
		// A character the file's own encoding cannot hold (none, for cells
		// read from it) is written as "?".
		w.enc = transform.NewWriter(w.buf, encoding.ReplaceUnsupported(charmap.Windows1252.NewEncoder()))
		out = w.enc
	}
	w.csv = csv.NewWriter(out)
	w.csv.Comma = f.Comma
	w.csv.UseCRLF = f.CRLF
	return w, w.write(head)
}

func (w *RejectWriter) write(cells []string) error {
	if w.stream != nil {
		w.row++
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, w.row)
		return w.stream.SetRow(cell, vals)
	}
	return w.csv.Write(cells)
}

// Write adds one rejected record with its reasons.
func (w *RejectWriter) Write(rec Record, reasons []string) error {
	cells := make([]string, max(w.width, len(rec.Cells)), max(w.width, len(rec.Cells))+2)
	copy(cells, rec.Cells)
	return w.write(append(cells, strconv.Itoa(rec.Line), strings.Join(reasons, " ")))
}

// Close finishes the file.
func (w *RejectWriter) Close() error {
	var err error
	if w.stream != nil {
		if err = w.stream.Flush(); err == nil {
			err = w.book.Write(w.file)
		}
		_ = w.book.Close()
	} else {
		w.csv.Flush()
		err = w.csv.Error()
		if w.enc != nil && err == nil {
			err = w.enc.Close()
		}
		if err == nil {
			err = w.buf.Flush()
		}
	}
	if cerr := w.file.Close(); err == nil {
		err = cerr
	}
	return err
}
