// Package importer reads the data-migration CSV files of CONTRACT.md (R14):
// UTF-8, comma or semicolon separated, optional byte-order mark, a header row
// naming the columns in any order. It only parses; the store validates and
// stores each row through the same rules as a registration.
package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/kotodigi/kotodigi/internal/model"
)

// Columns are the recognised header names; the last five (background data
// for statistics) are optional. citizenships holds one or more country codes
// separated by spaces or commas, the primary one first.
var Columns = []string{"source_id", "personal_identity_code", "uma_number", "first_names", "last_name", "date_of_birth",
	"residence_basis_type", "residence_valid_until", "service_language", "email", "phone", "right_to_work",
	"sex", "citizenships", "mother_tongue", "arrival_date", "client_group"}

// MaxFileRows bounds one import.
const MaxFileRows = 1_000_000

// Row is one data row with its line number in the file.
type Row struct {
	Line     int
	SourceID string
	Fields   model.ClientFields
	// Err is a parse problem of the row (e.g. a malformed date); the row is rejected.
	Err error
}

// Reader yields rows.
type Reader struct {
	r    *csv.Reader
	cols map[string]int
	line int
	muni string
}

// NewReader reads the header and returns a Reader for the rows. muni is the
// importing municipality's code, set on every row.
func NewReader(in io.Reader, muni string) (*Reader, error) {
	br := bufio.NewReader(in)
	head, _ := br.Peek(3)
	if bytes.Equal(head, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	first, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	firstLine, _, _ := bytes.Cut(first, []byte("\n"))
	sep := ','
	if bytes.Count(firstLine, []byte(";")) > bytes.Count(firstLine, []byte(",")) {
		sep = ';'
	}
	r := csv.NewReader(br)
	r.Comma = sep
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("cannot read the header row: %w", err)
	}
	cols := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		known := false
		for _, c := range Columns {
			known = known || c == name
		}
		if !known {
			return nil, fmt.Errorf("unknown column %q in the header", name)
		}
		if _, dup := cols[name]; dup {
			return nil, fmt.Errorf("column %q appears twice in the header", name)
		}
		cols[name] = i
	}
	for _, need := range []string{"source_id", "first_names", "last_name", "residence_basis_type", "service_language"} {
		if _, ok := cols[need]; !ok {
			return nil, fmt.Errorf("the header lacks the column %q", need)
		}
	}
	if _, ok := cols["personal_identity_code"]; !ok {
		if _, ok := cols["uma_number"]; !ok {
			return nil, errors.New("the header needs personal_identity_code or uma_number")
		}
	}
	return &Reader{r: r, cols: cols, line: 1, muni: muni}, nil
}

// Next returns the next row, or io.EOF.
func (rd *Reader) Next() (Row, error) {
	rec, err := rd.r.Read()
	if errors.Is(err, io.EOF) {
		return Row{}, io.EOF
	}
	if rd.line++; rd.line > MaxFileRows {
		return Row{}, fmt.Errorf("more than %d rows", MaxFileRows)
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Row{Line: pe.Line, Err: errors.New("malformed CSV: " + pe.Err.Error())}, nil
		}
		return Row{}, err
	}
	line, _ := rd.r.FieldPos(0)
	row := Row{Line: line}
	get := func(name string) string {
		i, ok := rd.cols[name]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	for _, v := range rec {
		if !utf8.ValidString(v) {
			row.Err = errors.New("not UTF-8 text")
			return row, nil
		}
	}
	opt := func(name string) *string {
		if v := get(name); v != "" {
			return &v
		}
		return nil
	}
	date := func(name string) *model.Date {
		v := get(name)
		if v == "" {
			return nil
		}
		d, err := model.ParseDate(v)
		if err != nil {
			row.Err = fmt.Errorf("%s: %s", name, "not a date in the form YYYY-MM-DD")
			return nil
		}
		return &d
	}
	row.SourceID = get("source_id")
	f := model.ClientFields{
		Municipality: rd.muni, PersonalIdentityCode: opt("personal_identity_code"), UMANumber: opt("uma_number"),
		FirstNames: get("first_names"), LastName: get("last_name"), DateOfBirth: date("date_of_birth"),
		ServiceLanguage: get("service_language"), Email: opt("email"), Phone: opt("phone"), RightToWork: get("right_to_work"),
		Sex: opt("sex"), Citizenships: model.ParseCitizenships(get("citizenships")), MotherTongue: opt("mother_tongue"),
		ArrivalDate: date("arrival_date"), ClientGroup: opt("client_group"),
	}
	if t := get("residence_basis_type"); t != "" {
		f.ResidenceBasis = &model.ResidenceBasis{Type: t, ValidUntil: date("residence_valid_until")}
	}
	row.Fields = f
	if row.SourceID == "" && row.Err == nil {
		row.Err = errors.New("source_id: required")
	} else if len(row.SourceID) > 200 && row.Err == nil {
		row.Err = errors.New("source_id: too long")
	}
	return row, nil
}
