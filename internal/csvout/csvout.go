// Package csvout writes CSV files that people open in spreadsheets: every
// download of the service (audit listings, statistics, import rejects) goes
// through it, so that a value a spreadsheet would run as a formula is always
// neutralised (OWASP "CSV injection") and the file's dialect is chosen once.
package csvout

import (
	"encoding/csv"
	"io"
	"strings"
)

// Dialect is the shape of a CSV file.
type Dialect struct {
	// Comma separates fields (',' when zero).
	Comma rune
	// BOM writes a UTF-8 byte order mark first, so that Excel reads ä and ö right.
	BOM bool
	// CRLF ends lines with \r\n.
	CRLF bool
}

// Excel is what Finnish and Swedish Excel opens by double-click: UTF-8 with a
// byte order mark, semicolons (the comma is their decimal separator), CRLF.
var Excel = Dialect{Comma: ';', BOM: true, CRLF: true}

// Plain is RFC 4180 with a byte order mark: commas, CRLF.
var Plain = Dialect{Comma: ',', BOM: true, CRLF: true}

// Writer writes neutralised records.
type Writer struct {
	w       io.Writer
	cw      *csv.Writer
	bom     bool
	started bool
}

// NewWriter returns a writer of dialect d on w.
func NewWriter(w io.Writer, d Dialect) *Writer {
	cw := csv.NewWriter(w)
	if d.Comma != 0 {
		cw.Comma = d.Comma
	}
	cw.UseCRLF = d.CRLF
	return &Writer{w: w, cw: cw, bom: d.BOM}
}

// Write writes one record, each field passed through Safe.
func (w *Writer) Write(record ...string) error {
	if !w.started {
		w.started = true
		if w.bom {
			if _, err := io.WriteString(w.w, "\ufeff"); err != nil {
				return err
			}
		}
	}
	out := make([]string, len(record))
	for i, v := range record {
		out[i] = Safe(v)
	}
	return w.cw.Write(out)
}

// Flush writes buffered data and returns any error of the writes so far.
func (w *Writer) Flush() error {
	if !w.started && w.bom {
		w.started = true
		if _, err := io.WriteString(w.w, "\ufeff"); err != nil {
			return err
		}
	}
	w.cw.Flush()
	return w.cw.Error()
}

// Safe keeps a spreadsheet from running v as a formula: a value starting with
// =, +, -, @, a tab or a carriage return (also after leading spaces, which
// spreadsheets skip) gets a leading apostrophe. Numbers such as "-5" or
// "-0.5" are left as they are, so figures stay numbers.
func Safe(v string) string {
	t := strings.TrimLeft(v, " ")
	if t == "" || !strings.ContainsRune("=+-@\t\r", rune(t[0])) {
		return v
	}
	if t[0] == '-' || t[0] == '+' {
		if isNumber(t[1:]) {
			return v
		}
	}
	return "'" + v
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	dot := false
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
		case (c == '.' || c == ',') && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return true
}
