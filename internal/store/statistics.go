package store

import (
	"context"
	"slices"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// SmallCellLimit: counts from 1 to this are never shown outside the
// controlling municipality (R13).
const SmallCellLimit = 4

// Cell is one group of a statistics table. Count is nil when suppressed.
type Cell struct {
	Key        string `json:"key"`
	Count      *int   `json:"count"`
	Suppressed bool   `json:"suppressed"`
}

// Groupings of client statistics.
var Groupings = []string{"municipality", "wellbeing_county", "region"}

// ClientStatistics counts registered clients per group in the caller's area:
// the whole country for the ministry and KEHA-keskus, the regions of a
// regional centre, or the caller's own municipality. Outside the controlling
// municipality small counts are suppressed, and further cells so that no
// suppressed count can be worked out from the totals of any grouping.
func (s *Store) ClientStatistics(ctx context.Context, actor Actor, groupBy string) ([]Cell, error) {
	if !slices.Contains(Groupings, groupBy) {
		return nil, &model.Error{Code: model.CodeBadRequest, Detail: "group_by must be municipality, wellbeing_county or region",
			Fields: []model.FieldError{{Field: "group_by", Code: model.FieldInvalidChoice}}}
	}
	p := actor.Principal
	if p != nil && !p.HasRole(authz.Statistician) {
		return nil, model.ErrForbidden
	}
	counts := map[string]int{}
	var area []string // municipality codes
	suppress := true
	err := s.db.InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
		switch {
		case p == nil || p.OrgKind == "tem" || p.OrgKind == "keha":
			for _, m := range s.ref.Municipalities {
				area = append(area, m.Code)
			}
		case p.OrgKind == "municipality":
			area, suppress = []string{p.OrgCode}, false
		case p.OrgKind == "regional_centre":
			var regions string
			if err := tx.QueryRow(ctx, `SELECT region_codes FROM organisations WHERE id = $1`, p.OrganisationID).Scan(&regions); err != nil {
				return err
			}
			rs := strings.Fields(regions)
			for _, m := range s.ref.Municipalities {
				if slices.Contains(rs, m.RegionCode) {
					area = append(area, m.Code)
				}
			}
		default:
			return model.ErrForbidden
		}
		rows, err := tx.Query(ctx, `SELECT municipality_code, COUNT(*) FROM clients GROUP BY municipality_code`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m string
			var n int
			if err := rows.Scan(&m, &n); err != nil {
				return err
			}
			counts[m] = n
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return s.tabulate(counts, area, groupBy, suppress), nil
}

// tabulate groups municipality counts and applies the suppression.
func (s *Store) tabulate(counts map[string]int, area []string, groupBy string, suppress bool) []Cell {
	keyOf := func(code string) string {
		m, _ := s.ref.Municipality(code)
		switch groupBy {
		case "wellbeing_county":
			return m.WellbeingCountyCode
		case "region":
			return m.RegionCode
		}
		return code
	}
	totals := map[string]int{}
	var keys []string
	for _, code := range area {
		k := keyOf(code)
		if _, ok := totals[k]; !ok {
			keys = append(keys, k)
		}
		totals[k] += counts[code]
	}
	slices.Sort(keys)
	hidden := map[string]bool{}
	if suppress {
		for _, k := range keys {
			if n := totals[k]; n >= 1 && n <= SmallCellLimit {
				hidden[k] = true
			}
		}
		partitions, avoid := s.partitions(keys, groupBy)
		secondarySuppression(partitions, totals, hidden, avoid)
	}
	out := make([]Cell, 0, len(keys))
	for _, k := range keys {
		c := Cell{Key: k, Suppressed: hidden[k]}
		if !c.Suppressed {
			n := totals[k]
			c.Count = &n
		}
		out = append(out, c)
	}
	return out
}

// secondarySuppression hides further cells until no partition has exactly one
// hidden cell (which its total and the visible cells would give away). It
// hides the smallest visible non-zero cell, or failing that a zero cell.
func secondarySuppression(partitions [][]string, totals map[string]int, hidden map[string]bool, avoid map[string]bool) {
	for changed := true; changed; {
		changed = false
		for _, part := range partitions {
			n := 0
			for _, k := range part {
				if hidden[k] {
					n++
				}
			}
			if n != 1 {
				continue
			}
			pick := ""
			for _, k := range part {
				if hidden[k] || avoid[k] {
					continue
				}
				better := pick == "" ||
					(totals[k] > 0 && (totals[pick] == 0 || totals[k] < totals[pick])) ||
					(totals[k] == 0 && totals[pick] == 0 && k < pick)
				if better {
					pick = k
				}
			}
			if pick != "" {
				hidden[pick] = true
				changed = true
			}
		}
	}
}

// partitions returns the groups of cells whose totals are published by this
// or another grouping: the whole area; for municipalities each region and
// each wellbeing county; for wellbeing counties the counties of each region.
// avoid lists cells whose value another table publishes on its own (a
// municipality that alone forms a county, e.g. Helsinki): hiding them as a
// secondary cell would protect nothing.
func (s *Store) partitions(keys []string, groupBy string) ([][]string, map[string]bool) {
	parts := [][]string{keys}
	avoid := map[string]bool{}
	add := func(by map[string][]string) {
		for _, ks := range by {
			if len(ks) > 1 {
				parts = append(parts, ks)
			}
		}
	}
	switch groupBy {
	case "municipality":
		byRegion, byCounty := map[string][]string{}, map[string][]string{}
		for _, k := range keys {
			m, _ := s.ref.Municipality(k)
			byRegion[m.RegionCode] = append(byRegion[m.RegionCode], k)
			byCounty[m.WellbeingCountyCode] = append(byCounty[m.WellbeingCountyCode], k)
		}
		add(byRegion)
		add(byCounty)
		countySize := map[string]int{}
		for _, m := range s.ref.Municipalities {
			countySize[m.WellbeingCountyCode]++
		}
		for _, k := range keys {
			if m, _ := s.ref.Municipality(k); countySize[m.WellbeingCountyCode] == 1 {
				avoid[k] = true
			}
		}
	case "wellbeing_county":
		byRegion := map[string][]string{}
		seen := map[string]bool{}
		for _, m := range s.ref.Municipalities {
			if key := m.RegionCode + "/" + m.WellbeingCountyCode; !seen[key] && slices.Contains(keys, m.WellbeingCountyCode) {
				seen[key] = true
				byRegion[m.RegionCode] = append(byRegion[m.RegionCode], m.WellbeingCountyCode)
			}
		}
		add(byRegion)
	}
	return parts, avoid
}
