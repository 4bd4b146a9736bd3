package store

import (
	"context"
	"slices"
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/disclosure"
	"github.com/kotodigi/kotodigi/internal/model"
)

// SmallCellLimit: counts from 1 to this are never shown outside the
// controlling municipality (R13).
const SmallCellLimit = disclosure.DefaultThreshold - 1

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
// regional centre, or the caller's own municipality (shown unsuppressed).
// Outside the controlling municipality the figures come from one snapshot
// of all three groupings, suppressed together by the disclosure package, so
// that no answer combined with the others reveals a suppressed count.
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
	own := false
	err := s.db.InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
		switch {
		case p == nil || p.OrgKind == "tem" || p.OrgKind == "keha":
			for _, m := range s.ref.Municipalities {
				area = append(area, m.Code)
			}
		case p.OrgKind == "municipality":
			area, own = []string{p.OrgCode}, true
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
	snap, err := s.clientSnapshot(counts)
	if err != nil {
		return nil, err
	}
	return snap.cells(area, groupBy, own), nil
}

// clientSnapshot is the published snapshot of registered clients: every
// municipality, wellbeing county and region, planned once (the country and
// the regional-centre areas take part in the relations but are not shown).
type clientSnapshot struct {
	areas disclosure.Areas
	table *disclosure.Table
	plan  *disclosure.Plan
}

func (s *Store) clientSnapshot(counts map[string]int) (*clientSnapshot, error) {
	areas := disclosure.NationalAreas(s.ref)
	t := &disclosure.Table{Areas: areas.Hierarchy, Periods: disclosure.Hierarchy{Nodes: []disclosure.Node{{ID: "registered"}}},
		Kind: disclosure.Count}
	t.Values = make([]float64, t.Len())
	t.Hidden = make([]bool, t.Len())
	for i, n := range areas.Hierarchy.Nodes {
		if len(n.Parts) == 0 {
			t.Values[i] = float64(counts[n.ID])
		}
	}
	// aggregates: the sum of their municipalities (in node order, parts first)
	for i, n := range areas.Hierarchy.Nodes {
		if len(n.Parts) > 0 {
			for _, c := range n.Parts[0] {
				t.Values[i] += t.Values[c]
			}
		}
	}
	for _, i := range areas.Centre {
		t.Hidden[i] = true
	}
	t.Hidden[areas.Country] = true
	plan, err := disclosure.Protect(t, disclosure.Options{})
	if err != nil {
		return nil, err
	}
	return &clientSnapshot{areas: areas, table: t, plan: plan}, nil
}

// cells tabulates one grouping over the municipalities of the caller's
// area. Groups are whole counties or regions (a regional centre's area is
// whole regions, which hold whole counties), so every figure shown to an
// outsider is a cell of the snapshot, with the snapshot's suppression; own
// is the controlling municipality's view of its own figures.
func (sn *clientSnapshot) cells(area []string, groupBy string, own bool) []Cell {
	nodes := map[string]int{}
	var keys []string
	for _, code := range area {
		m := sn.areas.Municipality[code]
		var key string
		var node int
		switch groupBy {
		case "wellbeing_county":
			key = strings.TrimPrefix(sn.areas.Hierarchy.Nodes[sn.parentWith(m, sn.areas.County)].ID, "wellbeing_county:")
			node = sn.areas.County[key]
		case "region":
			key = strings.TrimPrefix(sn.areas.Hierarchy.Nodes[sn.parentWith(m, sn.areas.Region)].ID, "region:")
			node = sn.areas.Region[key]
		default:
			key, node = code, m
		}
		if _, ok := nodes[key]; !ok {
			keys = append(keys, key)
			nodes[key] = node
		}
	}
	slices.Sort(keys)
	out := make([]Cell, 0, len(keys))
	for _, k := range keys {
		var n int
		if own {
			// the caller's own municipality only, whatever the grouping
			n = int(sn.table.Values[sn.areas.Municipality[area[0]]])
		} else {
			n = int(sn.table.Values[nodes[k]])
		}
		c := Cell{Key: k, Suppressed: !own && sn.plan.Suppressed(nodes[k])}
		if !c.Suppressed {
			c.Count = &n
		}
		out = append(out, c)
	}
	return out
}

// parentWith returns the node of idx whose parts include municipality m.
func (sn *clientSnapshot) parentWith(m int, idx map[string]int) int {
	for _, n := range idx {
		if slices.Contains(sn.areas.Hierarchy.Nodes[n].Parts[0], m) {
			return n
		}
	}
	return -1
}
