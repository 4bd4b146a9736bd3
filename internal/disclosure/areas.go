package disclosure

import (
	"slices"

	"github.com/kotodigi/kotodigi/internal/refdata"
)

// Areas is Finland's area hierarchy as a Hierarchy, with the node of every
// area: each municipality (a leaf, owned by itself), each wellbeing county
// (90 is Helsinki alone, so it is Helsinki's own data), each region, each
// regional-centre area whose regions are known, and the country as the sum
// of the counties and, again, of the regions. Area levels cross: a region
// may hold several counties (Uusimaa), and a centre several regions.
type Areas struct {
	Hierarchy    Hierarchy
	Municipality map[string]int // code → node
	County       map[string]int // code → node
	Region       map[string]int // code → node
	Centre       map[string]int // slug → node
	Country      int
}

// NationalAreas builds the area hierarchy from the reference data.
func NationalAreas(ref *refdata.Data) Areas {
	ar := Areas{Municipality: map[string]int{}, County: map[string]int{}, Region: map[string]int{}, Centre: map[string]int{}}
	h := &ar.Hierarchy
	for _, m := range ref.Municipalities {
		ar.Municipality[m.Code] = len(h.Nodes)
		h.Nodes = append(h.Nodes, Node{ID: m.Code, Owner: m.Code})
	}
	group := func(idx map[string]int, prefix string, key func(refdata.Municipality) string) []int {
		parts := map[string][]int{}
		var keys []string
		for _, m := range ref.Municipalities {
			k := key(m)
			if _, ok := parts[k]; !ok {
				keys = append(keys, k)
			}
			parts[k] = append(parts[k], ar.Municipality[m.Code])
		}
		slices.Sort(keys)
		var nodes []int
		for _, k := range keys {
			idx[k] = len(h.Nodes)
			nodes = append(nodes, len(h.Nodes))
			h.Nodes = append(h.Nodes, Node{ID: prefix + k, Parts: [][]int{parts[k]}})
		}
		return nodes
	}
	counties := group(ar.County, "wellbeing_county:", func(m refdata.Municipality) string { return m.WellbeingCountyCode })
	regions := group(ar.Region, "region:", func(m refdata.Municipality) string { return m.RegionCode })
	for _, c := range ref.RegionalCentres {
		if c.Kind != refdata.KindElinvoimakeskus || len(c.RegionCodes) == 0 {
			continue
		}
		var parts []int
		for _, r := range c.RegionCodes {
			if n, ok := ar.Region[r]; ok {
				parts = append(parts, n)
			}
		}
		slices.Sort(parts)
		ar.Centre[c.Slug] = len(h.Nodes)
		h.Nodes = append(h.Nodes, Node{ID: "centre:" + c.Slug, Parts: [][]int{parts}})
	}
	ar.Country = len(h.Nodes)
	h.Nodes = append(h.Nodes, Node{ID: "FI", Parts: [][]int{counties, regions}})
	return ar
}
