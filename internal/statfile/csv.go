package statfile

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/kotodigi/kotodigi/internal/csvout"
)

// CSVContentType is the media type of WriteCSV's output.
const CSVContentType = "text/csv; charset=utf-8"

// csvDialect is CONTRACT.md's CSV: commas, no byte order mark (scripts read
// the header row), RFC 4180 line ends.
var csvDialect = csvout.Dialect{Comma: ',', CRLF: true}

// WriteCSV writes the dataset as CONTRACT.md § 3 fixes it: a header row
// `indicator,area,period,by,value,suppressed`, then one row per cell the
// dataset holds, in the order of the dimensions (area, period, breakdown).
// `by` is empty without a breakdown, `value` is empty when suppressed (and
// when a cell has no value), `suppressed` is true or false. Numbers use a dot
// and no grouping; counts are integers. An annotated dataset adds the
// columns `suppressed_for_others` (true for the viewer's own figure that
// everyone else sees suppressed) and `period_label` (the period in the
// dataset's language) after these six.
//
// Every text field goes through csvout (formula neutralisation and quoting),
// once per distinct code: a large table repeats each code thousands of times.
func WriteCSV(w io.Writer, d *Dataset) error {
	c, err := d.cube()
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	columns := []string{"indicator", "area", "period", "by", "value", "suppressed"}
	if d.Annotated {
		columns = append(columns, "suppressed_for_others", "period_label")
	}
	header, err := csvFields(columns...)
	if err != nil {
		return err
	}
	indicator, err := csvFields(d.Indicator)
	if err != nil {
		return err
	}
	areas, err := csvCodes(d.Area.Categories)
	if err != nil {
		return err
	}
	periods, err := csvCodes(d.Period.Categories)
	if err != nil {
		return err
	}
	bys, err := csvCodes(d.byCategories())
	if err != nil {
		return err
	}
	var periodLabels []string
	if d.Annotated {
		labels := make([]string, len(d.Period.Categories))
		for i, p := range d.Period.Categories {
			labels[i] = p.Label
		}
		if periodLabels, err = csvFields(labels...); err != nil {
			return err
		}
	}
	bw.WriteString(strings.Join(header, ","))
	bw.WriteString("\r\n")
	line := make([]byte, 0, 128)
	for a := range d.Area.Categories {
		for p := range d.Period.Categories {
			for b := range bys {
				cell := c.at(a, p, b)
				if cell == nil {
					continue
				}
				line = append(line[:0], indicator[0]...)
				line = append(append(line, ','), areas[a]...)
				line = append(append(line, ','), periods[p]...)
				line = append(append(line, ','), bys[b]...)
				line = append(line, ',')
				if v, ok := cell.Published(); ok {
					line = appendMachineNumber(line, v)
				}
				line = strconv.AppendBool(append(line, ','), cell.Suppressed)
				if d.Annotated {
					line = strconv.AppendBool(append(line, ','), cell.ownOnly())
					line = append(append(line, ','), periodLabels[p]...)
				}
				line = append(line, '\r', '\n')
				if _, err := bw.Write(line); err != nil {
					return err
				}
			}
		}
	}
	return bw.Flush()
}

// csvCodes encodes the codes of a dimension as CSV fields.
func csvCodes(cats []Category) ([]string, error) {
	codes := make([]string, len(cats))
	for i, c := range cats {
		codes[i] = c.Code
	}
	return csvFields(codes...)
}

// csvFields encodes each text as one CSV field of csvDialect, through
// csvout: neutralised against formulas and quoted where needed.
func csvFields(texts ...string) ([]string, error) {
	out := make([]string, len(texts))
	var b bytes.Buffer
	for i, s := range texts {
		b.Reset()
		cw := csvout.NewWriter(&b, csvDialect)
		if err := cw.Write(s); err != nil {
			return nil, err
		}
		if err := cw.Flush(); err != nil {
			return nil, err
		}
		out[i] = strings.TrimSuffix(b.String(), "\r\n")
	}
	return out, nil
}

// appendMachineNumber formats v for a program: the shortest decimal that
// reads back as v, with a dot, without exponent or grouping ("42", "17.5",
// "0.125").
func appendMachineNumber(b []byte, v float64) []byte {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}
