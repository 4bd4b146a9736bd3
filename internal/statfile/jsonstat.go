package statfile

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"time"
)

// JSONStatContentType is the media type of WriteJSONStat's output.
const JSONStatContentType = "application/json; charset=utf-8"

// WriteJSONStat writes the dataset as a JSON-stat 2.0 dataset
// (https://json-stat.org/full/), the format of Statistics Finland's PxWeb
// interface, so that PxWeb clients, pyjstat, rjstat and the JSON-stat
// toolkit read it as they read Statistics Finland's tables.
//
// Dimensions, in this order: "indicator" (role metric, one category: the
// indicator, with the standard "unit" carrying the unit's name and decimals,
// and the definition in "extension"), "area" (role geo), "period" (role time)
// and, with a breakdown, the breakdown's ID. "value" is the dense row-major
// array (the last dimension varies fastest) with null for a suppressed or
// unavailable value; "status" is the sparse object {"index": ".."} marking
// every suppressed value and OwnOnlySymbol ("†") every value shown only to
// the viewer's own municipality (a note says what it means). The top-level
// "extension" repeats the indicator id, the CONTRACT.md unit, the language
// and the symbols.
func WriteJSONStat(w io.Writer, d *Dataset) error {
	c, err := d.cube()
	if err != nil {
		return err
	}
	e := &jsonWriter{w: bufio.NewWriterSize(w, 64<<10)}
	e.raw(`{"version":"2.0","class":"dataset","label":`)
	e.str(d.Name)
	if d.Source != "" {
		e.raw(`,"source":`)
		e.str(d.Source)
	}
	if !d.Updated.IsZero() {
		e.raw(`,"updated":`)
		e.str(d.Updated.UTC().Format(time.RFC3339))
	}
	e.raw(`,"note":[`)
	e.str(SuppressedSymbol + " " + d.Texts.Suppressed)
	if d.Texts.SuppressionRule != "" {
		e.raw(`,`)
		e.str(d.Texts.SuppressionRule)
	}
	if c.ownOnly {
		e.raw(`,`)
		e.str(OwnOnlySymbol + " " + d.Texts.SuppressedForOthers)
	}
	if d.Note != "" {
		e.raw(`,`)
		e.str(d.Note)
	}
	e.raw(`],"id":["indicator","area","period"`)
	if d.By != nil {
		e.raw(`,`)
		e.str(d.By.ID)
	}
	e.raw(`],"size":[1,`)
	e.int(len(d.Area.Categories))
	e.raw(`,`)
	e.int(len(d.Period.Categories))
	if d.By != nil {
		e.raw(`,`)
		e.int(len(d.By.Categories))
	}
	e.raw(`],"role":{"metric":["indicator"],"geo":["area"],"time":["period"]},"dimension":{"indicator":{"label":`)
	e.str(d.Texts.Indicator)
	e.raw(`,"category":{"index":[`)
	e.str(d.Indicator)
	e.raw(`],"label":{`)
	e.str(d.Indicator)
	e.raw(`:`)
	e.str(d.Name)
	e.raw(`},"unit":{`)
	e.str(d.Indicator)
	e.raw(`:{"label":`)
	e.str(d.Texts.UnitName)
	e.raw(`,"decimals":`)
	e.int(unitDecimals(d.Unit))
	e.raw(`}}},"extension":{"definition":`)
	e.str(d.Definition)
	e.raw(`,"unit":`)
	e.str(string(d.Unit))
	e.raw(`}},"area":`)
	e.dimension(d.Area)
	e.raw(`,"period":`)
	e.dimension(d.Period)
	if d.By != nil {
		e.raw(`,`)
		e.str(d.By.ID)
		e.raw(`:`)
		e.dimension(*d.By)
	}
	e.raw(`},"value":[`)
	var marked []int // positions of suppressed and own-only values
	for i, cell := range c.cells {
		if i > 0 {
			e.raw(`,`)
		}
		if v, ok := cell.Published(); ok {
			e.number(v)
		} else {
			e.raw(`null`)
		}
		if cell != nil && (cell.Suppressed || cell.ownOnly()) {
			marked = append(marked, i)
		}
	}
	e.raw(`]`)
	if len(marked) > 0 {
		e.raw(`,"status":{`)
		for i, k := range marked {
			if i > 0 {
				e.raw(`,`)
			}
			e.raw(`"`)
			e.int(k)
			if c.cells[k].Suppressed {
				e.raw(`":"` + SuppressedSymbol + `"`)
			} else {
				e.raw(`":"` + OwnOnlySymbol + `"`)
			}
		}
		e.raw(`}`)
	}
	e.raw(`,"extension":{"indicator":`)
	e.str(d.Indicator)
	e.raw(`,"unit":`)
	e.str(string(d.Unit))
	e.raw(`,"lang":`)
	e.str(d.Lang)
	e.raw(`,"suppressed_symbol":"` + SuppressedSymbol + `"`)
	if c.ownOnly {
		e.raw(`,"own_only_symbol":"` + OwnOnlySymbol + `"`)
	}
	e.raw(`}}`)
	return e.flush()
}

// unitDecimals is the number of decimals a reader should show: whole counts,
// medians to a tenth of a day, shares (proportions) to a tenth of a percent.
func unitDecimals(u Unit) int {
	switch u {
	case MedianDays:
		return 1
	case Share:
		return 3
	}
	return 0
}

// jsonWriter writes a JSON document piece by piece, in a fixed member order,
// keeping the first error.
type jsonWriter struct {
	w   *bufio.Writer
	buf []byte
	err error
}

func (e *jsonWriter) raw(s string) {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

func (e *jsonWriter) bytes(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *jsonWriter) int(n int) {
	e.buf = strconv.AppendInt(e.buf[:0], int64(n), 10)
	e.bytes(e.buf)
}

// number writes v as CSV does (appendMachineNumber), a valid JSON number.
func (e *jsonWriter) number(v float64) {
	e.buf = appendMachineNumber(e.buf[:0], v)
	e.bytes(e.buf)
}

// str writes s as a JSON string, escaped by encoding/json.
func (e *jsonWriter) str(s string) {
	b, err := json.Marshal(s)
	if err != nil && e.err == nil {
		e.err = err
	}
	e.bytes(b)
}

// dimension writes {"label", "category": {"index": [codes], "label": {code: label}}}.
func (e *jsonWriter) dimension(dim Dimension) {
	e.raw(`{"label":`)
	e.str(dim.Label)
	e.raw(`,"category":{"index":[`)
	for i, c := range dim.Categories {
		if i > 0 {
			e.raw(`,`)
		}
		e.str(c.Code)
	}
	e.raw(`],"label":{`)
	for i, c := range dim.Categories {
		if i > 0 {
			e.raw(`,`)
		}
		e.str(c.Code)
		e.raw(`:`)
		e.str(c.Label)
	}
	e.raw(`}}}`)
}

func (e *jsonWriter) flush() error {
	if e.err != nil {
		return e.err
	}
	return e.w.Flush()
}
