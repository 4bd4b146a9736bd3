package indicators

import (
	"slices"
	"strings"

	"github.com/kotodigi/kotodigi/internal/disclosure"
	"github.com/kotodigi/kotodigi/internal/refdata"
)

// Area levels (CONTRACT.md § 3; regional_centre extends the contract's list).
const (
	AreaMunicipality    = "municipality"
	AreaWellbeingCounty = "wellbeing_county"
	AreaRegion          = "region"
	AreaRegionalCentre  = "regional_centre"
	AreaCountry         = "country"
)

// AreaLevels lists the area levels, finest first.
var AreaLevels = []string{AreaMunicipality, AreaWellbeingCounty, AreaRegion, AreaRegionalCentre, AreaCountry}

// CountryCode is the code of the only area of level country.
const CountryCode = "FI"

// Area is one area of one level: its code and the municipalities it consists of.
type Area struct {
	Level string
	Code  string
	Name  Text
	// Municipalities are the codes of its municipalities, sorted.
	Municipalities []string
	// node is the area's node in the disclosure hierarchy (-1: none, an
	// area without municipalities, whose figures are all zero).
	node int
}

// Owner returns the municipality whose own figures the area's are, when the
// area consists of one municipality only ("" otherwise).
func (a Area) Owner() string {
	if len(a.Municipalities) == 1 {
		return a.Municipalities[0]
	}
	return ""
}

// Geography holds the areas of every level, from the reference data:
// municipalities, wellbeing services counties, regions, the regional centres
// (elinvoimakeskukset from 2026; areas as in the reference data, some of
// which are not known) and the country. Figures of every period use today's
// areas.
type Geography struct {
	all     []Area
	byLevel map[string][]int
	byCode  map[string]int // level + ":" + code
	// ofMunicipality: the areas (indexes) containing each municipality.
	ofMunicipality map[string][]int
	// centreRegions: region codes of every regional centre, also ELY centres
	// (a statistician's organisation may be one).
	centreRegions map[string][]string
	// nodes is the same areas as the disclosure package's hierarchy;
	// byNode maps its nodes back to areas.
	nodes  disclosure.Areas
	byNode []int
}

// NewGeography builds the areas from the reference data.
func NewGeography(ref *refdata.Data) *Geography {
	g := &Geography{byLevel: map[string][]int{}, byCode: map[string]int{}, ofMunicipality: map[string][]int{},
		centreRegions: map[string][]string{}, nodes: disclosure.NationalAreas(ref)}
	byCounty, byRegion := map[string][]string{}, map[string][]string{}
	var all []string
	for _, m := range ref.Municipalities {
		g.add(Area{Level: AreaMunicipality, Code: m.Code, Name: Text{Fi: m.NameFi, Sv: m.NameSv, En: m.NameFi}, Municipalities: []string{m.Code}})
		byCounty[m.WellbeingCountyCode] = append(byCounty[m.WellbeingCountyCode], m.Code)
		byRegion[m.RegionCode] = append(byRegion[m.RegionCode], m.Code)
		all = append(all, m.Code)
	}
	for _, c := range ref.WellbeingCounties {
		g.add(Area{Level: AreaWellbeingCounty, Code: c.Code, Name: Text{Fi: c.NameFi, Sv: c.NameSv, En: c.NameFi}, Municipalities: byCounty[c.Code]})
	}
	for _, r := range ref.Regions {
		g.add(Area{Level: AreaRegion, Code: r.Code, Name: Text{Fi: r.NameFi, Sv: r.NameSv, En: r.NameFi}, Municipalities: byRegion[r.Code]})
	}
	for _, c := range ref.RegionalCentres {
		g.centreRegions[c.Slug] = c.RegionCodes
		if c.Kind != refdata.KindElinvoimakeskus {
			continue
		}
		var ms []string
		for _, r := range c.RegionCodes {
			ms = append(ms, byRegion[r]...)
		}
		sv := c.NameSv
		if sv == "" {
			sv = c.NameFi
		}
		g.add(Area{Level: AreaRegionalCentre, Code: c.Slug, Name: Text{Fi: c.NameFi, Sv: sv, En: c.NameFi}, Municipalities: ms})
	}
	g.add(Area{Level: AreaCountry, Code: CountryCode, Name: Text{Fi: "Suomi", Sv: "Finland", En: "Finland"}, Municipalities: all})
	g.byNode = make([]int, len(g.nodes.Hierarchy.Nodes))
	for i := range g.byNode {
		g.byNode[i] = -1
	}
	for i := range g.all {
		a := &g.all[i]
		a.node = -1
		idx := map[string]map[string]int{AreaMunicipality: g.nodes.Municipality, AreaWellbeingCounty: g.nodes.County,
			AreaRegion: g.nodes.Region, AreaRegionalCentre: g.nodes.Centre}[a.Level]
		if n, ok := idx[a.Code]; ok {
			a.node = n
		} else if a.Level == AreaCountry {
			a.node = g.nodes.Country
		}
		if a.node >= 0 {
			g.byNode[a.node] = i
		}
	}
	return g
}

func (g *Geography) add(a Area) {
	a.Municipalities = slices.Clone(a.Municipalities)
	slices.Sort(a.Municipalities)
	i := len(g.all)
	g.all = append(g.all, a)
	g.byLevel[a.Level] = append(g.byLevel[a.Level], i)
	g.byCode[a.Level+":"+a.Code] = i
	for _, m := range a.Municipalities {
		g.ofMunicipality[m] = append(g.ofMunicipality[m], i)
	}
}

// Areas returns the areas of level, in code order of the reference data.
func (g *Geography) Areas(level string) []Area {
	out := make([]Area, 0, len(g.byLevel[level]))
	for _, i := range g.byLevel[level] {
		out = append(out, g.all[i])
	}
	return out
}

// Area returns the area of level with code.
func (g *Geography) Area(level, code string) (Area, bool) {
	i, ok := g.byCode[level+":"+code]
	if !ok {
		return Area{}, false
	}
	return g.all[i], true
}

// Viewer is what a caller may see: the municipalities of its own area (all
// of them for the state), the comparison areas shown as to outsiders, and the
// municipality whose own figures are shown unsuppressed.
type Viewer struct {
	// Municipalities of the caller's area (nil: none).
	Municipalities map[string]bool
	// Owner is the caller's own municipality ("" for everyone else).
	Owner string
}

// ViewerFor returns what a member of organisation kind/code may see: the
// ministry and KEHA-keskus the whole country; a regional centre the
// municipalities of its regions; a wellbeing county its municipalities; a
// municipality itself (as owner). Unknown organisations see nothing.
func (g *Geography) ViewerFor(orgKind, orgCode string) Viewer {
	v := Viewer{Municipalities: map[string]bool{}}
	var area []string
	switch orgKind {
	case "tem", "keha":
		area = g.all[g.byCode[AreaCountry+":"+CountryCode]].Municipalities
	case "regional_centre":
		for _, r := range g.centreRegions[orgCode] {
			if a, ok := g.Area(AreaRegion, r); ok {
				area = append(area, a.Municipalities...)
			}
		}
	case "wellbeing_county":
		if a, ok := g.Area(AreaWellbeingCounty, orgCode); ok {
			area = a.Municipalities
		}
	case "municipality":
		if _, ok := g.Area(AreaMunicipality, orgCode); ok {
			area, v.Owner = []string{orgCode}, orgCode
		}
	}
	for _, m := range area {
		v.Municipalities[m] = true
	}
	return v
}

// Visible reports whether viewer v may see area a: an area within its own
// area, and as comparison areas the country and the regions its area touches
// (a municipality's own region). Comparison areas are suppressed as for
// everyone outside the controlling municipality.
func (g *Geography) Visible(v Viewer, a Area) bool {
	if len(v.Municipalities) == 0 {
		return false
	}
	if a.Level == AreaCountry {
		return true
	}
	inside, touches := len(a.Municipalities) > 0, false
	for _, m := range a.Municipalities {
		if v.Municipalities[m] {
			touches = true
		} else {
			inside = false
		}
	}
	return inside || (a.Level == AreaRegion && touches)
}

// Owns reports whether v sees area a's figures unsuppressed: its own
// municipality, and any area that consists of that municipality alone.
func (v Viewer) Owns(a Area) bool { return v.Owner != "" && a.Owner() == v.Owner }

// describe is for tests and errors.
func (a Area) String() string {
	return a.Level + ":" + a.Code + "[" + strings.Join(a.Municipalities, " ") + "]"
}
