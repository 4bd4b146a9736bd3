// Package importer brings a municipality's earlier records into kotodigi
// (R14, CONTRACT.md "Import" and "Import of case records"): it reads real
// export files (CSV in UTF-8 or Windows-1252, comma or semicolon, with or
// without a byte-order mark; XLSX), maps other column names and code values
// (Mapping), turns rows into the store's typed import rows (kinds.go), runs
// an import in batches (Run) and writes the report and the reject file.
//
// Reading is bounded: a file is checked whole before anything is stored
// (size, rows, row length, encoding, a zip bomb, formulas), every row is
// read as a stream, and no value is ever evaluated.
package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// Limits of one import file.
const (
	// MaxFileBytes bounds a file given to the command.
	MaxFileBytes = 1 << 30
	// MaxRecordBytes bounds one row (all its cells, quoted line breaks included).
	MaxRecordBytes = 1 << 20
	// MaxFileRows bounds one import.
	MaxFileRows = 1_000_000
)

// Encodings of a CSV file.
const (
	UTF8        = "utf-8"
	Windows1252 = "windows-1252"
)

// Format is how a file was written, so that its rejected rows can be written
// back the same way.
type Format struct {
	// Kind is "csv" or "xlsx".
	Kind string `json:"kind"`
	// CSV: the separator, the encoding, a byte-order mark, CRLF line ends.
	Comma    rune   `json:"-"`
	Encoding string `json:"encoding,omitempty"`
	BOM      bool   `json:"bom,omitempty"`
	CRLF     bool   `json:"-"`
	// XLSX: the sheet read.
	Sheet string `json:"sheet,omitempty"`
}

// Record is one row of a file: its line (CSV: the line it starts on; XLSX:
// the row number) and its cells as written.
type Record struct {
	Line  int
	Cells []string
	// Formulas are the indexes of cells that held a formula (XLSX); their
	// cached value is taken as text, never evaluated.
	Formulas []int
	// Err is a row that could not be read (a malformed CSV row).
	Err error
}

// Table reads the records of a file after its header row.
type Table interface {
	Header() []string
	Format() Format
	// Next returns the next record, or io.EOF.
	Next() (Record, error)
	Close() error
}

// FileError is a problem of a whole file: nothing of it is imported. Code is
// a stable machine code (the web UI translates it as "import.file.CODE").
type FileError struct {
	Code   string
	Detail string
}

func (e *FileError) Error() string {
	if e.Detail == "" {
		return e.Code
	}
	return e.Code + ": " + e.Detail
}

// File error codes.
const (
	FileEmpty          = "empty_file"
	FileBinary         = "binary_file"
	FileTooLarge       = "file_too_large"
	FileTooManyRows    = "too_many_rows"
	FileRowTooLong     = "row_too_long"
	FileNoHeader       = "no_header"
	FileUnknownColumn  = "unknown_column"
	FileMissingColumn  = "missing_column"
	FileRepeatedColumn = "repeated_column"
	FileXLSX           = "unreadable_xlsx"
	FileXLSXTooLarge   = "xlsx_too_large"
	FileNoSheet        = "no_such_sheet"
	FileTooManyFormula = "too_many_formulas"
	FileOldExcel       = "xls_not_supported"
)

func fileErr(code, format string, args ...any) error {
	return &FileError{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// Options of opening a file.
type Options struct {
	// Sheet names the XLSX sheet to read (default: the first).
	Sheet string
	// MaxBytes bounds the file (default MaxFileBytes).
	MaxBytes int64
	// TempDir is where XLSX parts too large for memory are unpacked.
	TempDir string
}

// Open opens the file at path as a table, judging CSV or XLSX by its
// content, whatever its name. It reads the file once to check it (encoding,
// binary content) and then reads the header row.
func Open(path string, opt Options) (Table, error) {
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = MaxFileBytes
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.Size() > opt.MaxBytes {
		f.Close()
		return nil, fileErr(FileTooLarge, "the file is larger than %d MiB", opt.MaxBytes>>20)
	}
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		f.Close()
		return openXLSX(path, st.Size(), opt)
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		f.Close()
		return nil, fileErr(FileOldExcel, "an old Excel (.xls) workbook: save it as XLSX or CSV")
	}
	enc, err := sniffText(io.LimitReader(io.NewSectionReader(f, 0, st.Size()), opt.MaxBytes+1))
	if err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	t, err := newCSVTable(f, enc)
	if err != nil {
		f.Close()
		return nil, err
	}
	return t, nil
}

// sniffText reads a whole text file once: it refuses binary content (NUL
// bytes, or many control characters) and an empty file, and tells UTF-8 from
// Windows-1252 (the encoding of a file that is not valid UTF-8).
func sniffText(r io.Reader) (string, error) {
	buf := make([]byte, 64<<10)
	var carry []byte
	valid, total, controls, printable := true, 0, 0, 0
	for {
		n, err := r.Read(buf)
		chunk := buf[:n]
		total += n
		for _, b := range chunk {
			switch {
			case b == 0:
				return "", fileErr(FileBinary, "the file holds binary data, not text (CSV) or an XLSX workbook")
			case b < 0x20 && b != '\t' && b != '\n' && b != '\r':
				controls++
			case b > ' ':
				printable++
			}
		}
		if controls > 16 && controls*20 > printable {
			return "", fileErr(FileBinary, "the file holds binary data, not text (CSV) or an XLSX workbook")
		}
		if valid {
			data := append(carry, chunk...)
			// Keep an incomplete rune at the end for the next chunk.
			cut := len(data)
			for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax; i-- {
				if utf8.RuneStart(data[i]) {
					if !utf8.FullRune(data[i:]) {
						cut = i
					}
					break
				}
			}
			valid = utf8.Valid(data[:cut])
			carry = append(carry[:0], data[cut:]...)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
	}
	if valid && len(carry) > 0 {
		valid = utf8.Valid(carry)
	}
	if printable == 0 {
		return "", fileErr(FileEmpty, "the file is empty")
	}
	if valid {
		return UTF8, nil
	}
	return Windows1252, nil
}

// csvTable reads a CSV file as a stream.
type csvTable struct {
	f      *os.File
	r      *csv.Reader
	count  *countingReader
	header []string
	format Format
	rows   int
}

// countingReader fails a read that goes more than MaxRecordBytes past the
// end of the last complete row, so that one endless row (an unclosed quote in
// a huge file) never fills memory.
type countingReader struct {
	r       io.Reader
	n       int64
	lastEnd int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n-c.lastEnd > MaxRecordBytes+64<<10 {
		return 0, fileErr(FileRowTooLong, "a row is longer than %d KiB", MaxRecordBytes>>10)
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func newCSVTable(f *os.File, enc string) (*csvTable, error) {
	t := &csvTable{f: f, format: Format{Kind: "csv", Encoding: enc}}
	raw := bufio.NewReaderSize(f, 64<<10)
	if head, _ := raw.Peek(3); bytes.Equal(head, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = raw.Discard(3)
		t.format.BOM = true
	}
	var in io.Reader = raw
	if enc == Windows1252 {
		in = transform.NewReader(in, charmap.Windows1252.NewDecoder())
	}
	br := bufio.NewReaderSize(in, 64<<10)
	first, err := br.Peek(32 << 10)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	t.format.Comma, t.format.CRLF = dialect(first)
	t.count = &countingReader{r: br}
	t.r = csv.NewReader(t.count)
	t.r.Comma = t.format.Comma
	t.r.FieldsPerRecord = -1
	for {
		header, err := t.r.Read()
		if errors.Is(err, io.EOF) {
			return nil, fileErr(FileEmpty, "the file has no header row")
		}
		if err != nil {
			return nil, fileErr(FileNoHeader, "cannot read the header row: %v", csvErr(err))
		}
		t.count.lastEnd = t.r.InputOffset()
		if !blank(header) {
			t.header = header
			return t, nil
		}
	}
}

// csvErr is the reason of a CSV parse error without the row's text.
func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// dialect reads the separator and the line end from the start of a file: a
// semicolon when the header line has more semicolons than commas outside
// quotes.
func dialect(start []byte) (comma rune, crlf bool) {
	semis, commas, quoted := 0, 0, false
	for i, b := range start {
		switch {
		case b == '"':
			quoted = !quoted
		case quoted:
		case b == ';':
			semis++
		case b == ',':
			commas++
		case b == '\n':
			crlf = i > 0 && start[i-1] == '\r'
			if semis > commas {
				return ';', crlf
			}
			return ',', crlf
		}
	}
	if semis > commas {
		return ';', crlf
	}
	return ',', crlf
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func (t *csvTable) Header() []string { return t.header }
func (t *csvTable) Format() Format   { return t.format }
func (t *csvTable) Close() error     { return t.f.Close() }

func (t *csvTable) Next() (Record, error) {
	for {
		rec, err := t.r.Read()
		t.count.lastEnd = t.r.InputOffset()
		if errors.Is(err, io.EOF) {
			return Record{}, io.EOF
		}
		var fe *FileError
		if errors.As(err, &fe) {
			return Record{}, fe
		}
		if t.rows++; t.rows > MaxFileRows {
			return Record{}, fileErr(FileTooManyRows, "more than %d rows: split the file", MaxFileRows)
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return Record{Line: pe.StartLine, Cells: rec, Err: pe.Err}, nil
			}
			return Record{}, err
		}
		if blank(rec) {
			t.rows--
			continue
		}
		line, _ := t.r.FieldPos(0)
		return Record{Line: line, Cells: rec}, nil
	}
}
