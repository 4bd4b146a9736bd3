// Package indicators is knowledge management's pure side: the indicator
// catalogue (kept as data in catalogue.json), the dimensions figures are
// broken down by (areas, periods, background categories), the roll-up of
// fine-grained facts (municipality × month × category) to every area level,
// period level and breakdown, and the reading of a published table for one
// caller. It does no I/O: the store computes the facts with SQL, and writes
// and reads the snapshots this package builds.
package indicators

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
)

//go:embed catalogue.json
var catalogueJSON []byte

// Text is a text in the three languages of the service.
type Text struct {
	Fi string `json:"fi"`
	Sv string `json:"sv"`
	En string `json:"en"`
}

// In returns the text in lang (fi, sv or en; Finnish otherwise).
func (t Text) In(lang string) string {
	switch lang {
	case "sv":
		return t.Sv
	case "en":
		return t.En
	}
	return t.Fi
}

// DefaultThreshold: outside the owning municipality, counts from 1 to 4 and
// medians and shares over fewer than 5 cases are suppressed.
const DefaultThreshold = 5

// Units of an indicator's value.
const (
	UnitCount      = "count"
	UnitMedianDays = "median_days"
	UnitShare      = "share"
)

// Period types: a flow counts events within the period; a stock is a state
// at the end of the period (so a quarter's value is its last month's).
const (
	Flow  = "flow"
	Stock = "stock"
)

// Requirements an indicator may have on the data (Indicator.Requires).
const (
	// RequiresClientClosing: the clients table records closing (reason and date).
	RequiresClientClosing = "client_closing"
)

// Indicator is one entry of the catalogue.
type Indicator struct {
	ID          string `json:"id"`
	Unit        string `json:"unit"`
	PeriodType  string `json:"period_type"`
	Name        Text   `json:"name"`
	Definition  Text   `json:"definition"`
	Numerator   Text   `json:"numerator"`
	Denominator *Text  `json:"denominator,omitempty"`
	// Sources are the tables whose records the indicator counts.
	Sources []string `json:"sources"`
	// Breakdowns are the dimensions (Dimension.ID) the indicator can be broken down by.
	Breakdowns []string `json:"breakdowns"`
	// Requires names data the indicator needs ("" = none); an indicator whose
	// data does not exist yet is not offered.
	Requires string `json:"requires,omitempty"`
}

// Category is one value of a dimension.
type Category struct {
	ID    string `json:"id"`
	Label Text   `json:"label"`
}

// Dimension is a background variable figures are broken down by.
type Dimension struct {
	ID         string     `json:"id"`
	Name       Text       `json:"name"`
	Source     Text       `json:"source"`
	Categories []Category `json:"categories"`
}

// Catalogue is the indicator catalogue with its dimensions.
type Catalogue struct {
	Dimensions []Dimension `json:"dimensions"`
	Indicators []Indicator `json:"indicators"`
}

// LoadCatalogue parses and checks the embedded catalogue.
func LoadCatalogue() (*Catalogue, error) {
	var c Catalogue
	dec := json.NewDecoder(bytes.NewReader(catalogueJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("indicator catalogue: %w", err)
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("indicator catalogue: %w", err)
	}
	return &c, nil
}

// MustLoadCatalogue is LoadCatalogue for program start (the file is embedded
// and tested, so an error is a build defect).
func MustLoadCatalogue() *Catalogue {
	c, err := LoadCatalogue()
	if err != nil {
		panic(err)
	}
	return c
}

func (c *Catalogue) check() error {
	complete := func(t Text) bool { return t.Fi != "" && t.Sv != "" && t.En != "" }
	if len(c.Dimensions) != len(dimensionIDs) {
		return fmt.Errorf("%d dimensions, want %v", len(c.Dimensions), dimensionIDs)
	}
	for i, d := range c.Dimensions {
		if d.ID != dimensionIDs[i] {
			return fmt.Errorf("dimension %d is %q, want %q", i, d.ID, dimensionIDs[i])
		}
		if !complete(d.Name) || !complete(d.Source) || len(d.Categories) == 0 || len(d.Categories) > maxCategories {
			return fmt.Errorf("dimension %s: names and 1–%d categories needed", d.ID, maxCategories)
		}
		seen := map[string]bool{}
		for _, k := range d.Categories {
			if k.ID == "" || seen[k.ID] || !complete(k.Label) {
				return fmt.Errorf("dimension %s: category %q missing, repeated or without labels", d.ID, k.ID)
			}
			seen[k.ID] = true
		}
	}
	ids := map[string]bool{}
	for _, ind := range c.Indicators {
		switch {
		case ind.ID == "" || ids[ind.ID]:
			return fmt.Errorf("indicator id %q empty or repeated", ind.ID)
		case !slices.Contains([]string{UnitCount, UnitMedianDays, UnitShare}, ind.Unit):
			return fmt.Errorf("indicator %s: unit %q", ind.ID, ind.Unit)
		case ind.PeriodType != Flow && ind.PeriodType != Stock:
			return fmt.Errorf("indicator %s: period type %q", ind.ID, ind.PeriodType)
		case !complete(ind.Name) || !complete(ind.Definition) || !complete(ind.Numerator) || len(ind.Sources) == 0:
			return fmt.Errorf("indicator %s: name, definition, numerator and sources needed in fi, sv and en", ind.ID)
		case (ind.Unit == UnitShare) != (ind.Denominator != nil && complete(*ind.Denominator)):
			return fmt.Errorf("indicator %s: a share, and only a share, has a denominator", ind.ID)
		case ind.Requires != "" && ind.Requires != RequiresClientClosing:
			return fmt.Errorf("indicator %s: unknown requirement %q", ind.ID, ind.Requires)
		}
		ids[ind.ID] = true
		for _, b := range ind.Breakdowns {
			if c.Dimension(b) == nil {
				return fmt.Errorf("indicator %s: unknown breakdown %q", ind.ID, b)
			}
		}
	}
	if len(c.Indicators) > maxIndicators {
		return fmt.Errorf("more than %d indicators", maxIndicators)
	}
	return nil
}

// Indicator returns the indicator with id, or nil.
func (c *Catalogue) Indicator(id string) *Indicator {
	for i := range c.Indicators {
		if c.Indicators[i].ID == id {
			return &c.Indicators[i]
		}
	}
	return nil
}

// Dimension returns the dimension with id, or nil.
func (c *Catalogue) Dimension(id string) *Dimension {
	for i := range c.Dimensions {
		if c.Dimensions[i].ID == id {
			return &c.Dimensions[i]
		}
	}
	return nil
}

// CategoryIDs lists the categories of dimension id in catalogue order.
func (c *Catalogue) CategoryIDs(id string) []string {
	d := c.Dimension(id)
	if d == nil {
		return nil
	}
	out := make([]string, len(d.Categories))
	for i, k := range d.Categories {
		out[i] = k.ID
	}
	return out
}

// Available returns the indicators whose data exists (requirements met, as
// reported by has), in catalogue order.
func (c *Catalogue) Available(has func(requirement string) bool) []Indicator {
	var out []Indicator
	for _, ind := range c.Indicators {
		if ind.Requires == "" || has(ind.Requires) {
			out = append(out, ind)
		}
	}
	return out
}
