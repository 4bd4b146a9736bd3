// Package statfile writes one indicator table as a file a statistician can
// download: CSV (CONTRACT.md § 3 "Indicators"), an XLSX workbook and a
// JSON-stat 2.0 dataset (the format of Statistics Finland's PxWeb interface).
//
// The package is pure: it takes a Dataset whose disclosure control has
// already been applied and whose texts are already in the requested
// language, and writes bytes. A suppressed cell's value is never written,
// whatever the Dataset holds in Cell.Value: every writer reads values only
// through Cell.Published.
//
// Symbols follow Statistics Finland: ".." marks a suppressed value. A cell
// of the cube that the Dataset does not hold at all ("not available") is
// left out of the CSV, left empty in the XLSX and is a null without a status
// in JSON-stat.
//
// A municipality sees its own figures unsuppressed. A figure that everyone
// else sees suppressed (Cell.SuppressedForOthers) is written with its value
// and marked "†" (OwnOnlySymbol), with Texts.SuppressedForOthers saying what
// the mark means, so that nobody publishes it by mistake.
package statfile

import (
	"math"
	"time"

	"github.com/kotodigi/kotodigi/internal/model"
)

// Unit is an indicator's unit (CONTRACT.md § 3).
type Unit string

// The units. A share is a proportion between 0 and 1 in every file; the XLSX
// shows it as a percentage through its number format.
const (
	Count      Unit = "count"
	MedianDays Unit = "median_days"
	Share      Unit = "share"
)

// SuppressedSymbol marks a suppressed value in the XLSX and in the status of
// a JSON-stat dataset (Statistics Finland's symbol for a confidential value).
const SuppressedSymbol = ".."

// OwnOnlySymbol marks a figure shown to the viewer's own municipality only:
// everyone else sees it suppressed.
const OwnOnlySymbol = "†"

// Category is one value of a dimension: a stable code and a label in the
// dataset's language.
type Category struct {
	Code  string
	Label string
}

// Dimension is an ordered list of categories under a label. The order is the
// order of the rows and columns of every file.
type Dimension struct {
	// ID names the dimension in JSON-stat. Area and Period are always "area"
	// and "period" whatever ID says; a breakdown's ID is the `by` of the API
	// (sex, age_group, service_language, service_type, ...).
	ID         string
	Label      string
	Categories []Category
}

// Cell is one figure. By is "" when the dataset has no breakdown. A suppressed
// cell's Value is ignored by every writer.
type Cell struct {
	Area, Period, By string
	Value            *float64
	Suppressed       bool
	// SuppressedForOthers: the viewer's own figure, which everyone else sees
	// suppressed. Its value is written, marked with OwnOnlySymbol.
	SuppressedForOthers bool
}

// ownOnly reports whether the cell is a published value that only the
// viewer's own municipality sees.
func (c *Cell) ownOnly() bool {
	_, ok := c.Published()
	return ok && c.SuppressedForOthers
}

// Published returns the value that may be written, and false when the cell
// is suppressed or has no value.
func (c *Cell) Published() (float64, bool) {
	if c == nil || c.Suppressed || c.Value == nil {
		return 0, false
	}
	return *c.Value, true
}

// Dataset is one indicator table: one indicator over areas × periods, with
// at most one breakdown.
type Dataset struct {
	Indicator  string // the indicator's id, e.g. "clients_registered"
	Name       string // in Lang
	Definition string // in Lang
	Unit       Unit
	Lang       string    // "fi", "sv" or "en"
	Updated    time.Time // when the figures were computed (the aggregates' refresh)
	Source     string    // e.g. "Koto-digi, kotoutumisen valtakunnallinen tietovaranto"
	Note       string    // optional free text, e.g. what the breakdown's "unknown" means
	// Annotated adds to the CSV, after the six columns CONTRACT.md fixes, the
	// columns suppressed_for_others (true or false) and period_label (the
	// period's label). The web pages' downloads are annotated; the API's
	// files keep the contract's columns only.
	Annotated bool

	Area   Dimension
	Period Dimension
	By     *Dimension // nil without a breakdown

	Cells []Cell
	Texts Texts
}

// Texts are the words of the XLSX and JSON-stat files in the dataset's
// language. The caller takes them from its catalog; the package has no
// texts of its own; the examples in brackets are Finnish wordings.
type Texts struct {
	TableSheet       string // name of the first sheet ("Taulukko", "Tabell", "Table"); at most 31 characters are used
	DefinitionsSheet string // name of the second sheet ("Määritelmät", "Definitioner", "Definitions")
	Indicator        string // heading and JSON-stat metric dimension label ("Indikaattori")
	Definition       string // heading ("Määritelmä")
	Unit             string // heading ("Yksikkö")
	UnitName         string // this dataset's unit in words ("lukumäärä", "mediaani, päivää", "osuus")
	Source           string // heading ("Lähde")
	Updated          string // heading ("Tiedot päivitetty")
	Suppression      string // heading ("Tietosuoja")
	SuppressionRule  string // the disclosure control rule in words
	Suppressed       string // what ".." means ("salassa pidetty tietosuojan vuoksi")
	// SuppressedForOthers is what "†" means ("näytetään vain omalle kunnallesi:
	// julkaistuissa tilastoissa salattu"); used only when a cell is marked.
	SuppressedForOthers string
	AreaCode            string // heading of the area code column ("Aluekoodi")
	Note                string // heading ("Huomautus")
}

// cube is a dataset's cells in row-major order: area, period, breakdown
// (the last varies fastest), as in JSON-stat. A position the dataset does not
// hold is nil.
type cube struct {
	d     *Dataset
	nBy   int
	cells []*Cell
	// ownOnly: some cell is marked with OwnOnlySymbol.
	ownOnly bool
}

func (c *cube) at(a, p, b int) *Cell {
	return c.cells[(a*len(c.d.Period.Categories)+p)*c.nBy+b]
}

// byCategories returns the breakdown's categories, or a single empty one.
func (d *Dataset) byCategories() []Category {
	if d.By == nil {
		return []Category{{}}
	}
	return d.By.Categories
}

// Validate reports a dataset the writers cannot write faithfully: an unknown
// unit, an empty or duplicated dimension code, a cell outside the
// dimensions, two cells for the same position, or a value that is not a
// finite number. The error is internal: a dataset is built by code.
func (d *Dataset) Validate() error {
	_, err := d.cube()
	return err
}

func (d *Dataset) cube() (*cube, error) {
	switch d.Unit {
	case Count, MedianDays, Share:
	default:
		return nil, model.Errorf(model.CodeInternal, "statfile: unknown unit %q", d.Unit)
	}
	if d.Indicator == "" {
		return nil, model.Errorf(model.CodeInternal, "statfile: no indicator id")
	}
	areas, err := positions("area", d.Area)
	if err != nil {
		return nil, err
	}
	periods, err := positions("period", d.Period)
	if err != nil {
		return nil, err
	}
	bys := map[string]int{"": 0}
	if d.By != nil {
		if d.By.ID == "" || d.By.ID == "area" || d.By.ID == "period" || d.By.ID == "indicator" {
			return nil, model.Errorf(model.CodeInternal, "statfile: breakdown id %q", d.By.ID)
		}
		if bys, err = positions(d.By.ID, *d.By); err != nil {
			return nil, err
		}
	}
	c := &cube{d: d, nBy: len(bys)}
	c.cells = make([]*Cell, len(areas)*len(periods)*c.nBy)
	for i := range d.Cells {
		cell := &d.Cells[i]
		a, okA := areas[cell.Area]
		p, okP := periods[cell.Period]
		b, okB := bys[cell.By]
		if !okA || !okP || !okB {
			return nil, model.Errorf(model.CodeInternal, "statfile: cell %q/%q/%q outside the dimensions", cell.Area, cell.Period, cell.By)
		}
		if cell.Value != nil && !cell.Suppressed && (math.IsNaN(*cell.Value) || math.IsInf(*cell.Value, 0)) {
			return nil, model.Errorf(model.CodeInternal, "statfile: cell %q/%q/%q is not a finite number", cell.Area, cell.Period, cell.By)
		}
		k := (a*len(periods)+p)*c.nBy + b
		if c.cells[k] != nil {
			return nil, model.Errorf(model.CodeInternal, "statfile: two cells for %q/%q/%q", cell.Area, cell.Period, cell.By)
		}
		c.cells[k] = cell
		c.ownOnly = c.ownOnly || cell.ownOnly()
	}
	return c, nil
}

// positions maps each code of dim to its position.
func positions(name string, dim Dimension) (map[string]int, error) {
	if len(dim.Categories) == 0 {
		return nil, model.Errorf(model.CodeInternal, "statfile: dimension %s has no categories", name)
	}
	m := make(map[string]int, len(dim.Categories))
	for i, c := range dim.Categories {
		if c.Code == "" {
			return nil, model.Errorf(model.CodeInternal, "statfile: dimension %s has an empty code", name)
		}
		if _, dup := m[c.Code]; dup {
			return nil, model.Errorf(model.CodeInternal, "statfile: dimension %s repeats %q", name, c.Code)
		}
		m[c.Code] = i
	}
	return m, nil
}
