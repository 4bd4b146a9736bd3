package indicators

import (
	"slices"
	"sync"

	"golang.org/x/text/language"
)

// Dimension ids, in the order of Fact.Cat (and of catalogue.json).
const (
	DimSex              = "sex"
	DimAgeGroup         = "age_group"
	DimCitizenshipGroup = "citizenship_group"
	DimServiceLanguage  = "service_language"
	DimClientGroup      = "client_group"
	DimServiceType      = "service_type"
	DimCEFRLevel        = "cefr_level"
	DimClosureReason    = "closure_reason"
)

var dimensionIDs = []string{DimSex, DimAgeGroup, DimCitizenshipGroup, DimServiceLanguage, DimClientGroup,
	DimServiceType, DimCEFRLevel, DimClosureReason}

// NumDims is the number of dimensions.
const NumDims = 8

// Limits that keep the roll-up's keys small.
const (
	maxCategories = 63
	maxIndicators = 63
)

// DimIndex returns the position of dimension id in Fact.Cat, or -1.
func DimIndex(id string) int { return slices.Index(dimensionIDs, id) }

// Unknown is the category of a value that is not known.
const Unknown = "unknown"

// AgeBoundaries are the lower ages of the age groups after the first
// (0–17, 18–24, 25–34, 35–44, 45–54, 55–64, 65+). The store compares dates
// of birth with the month table's thresholds for exactly these ages.
var AgeBoundaries = []int{18, 25, 35, 45, 55, 65}

// Citizenship groups (DimCitizenshipGroup).
const (
	CitizenshipEUEEA       = "eu_eea"
	CitizenshipOtherEurope = "other_europe"
	CitizenshipAfrica      = "africa"
	CitizenshipAsia        = "asia"
	CitizenshipAmericas    = "americas"
	CitizenshipOceania     = "oceania"
)

// euEEA are the EU member states (27, as of 2025: europa.eu), the other EEA
// states (Iceland, Liechtenstein, Norway) and Switzerland, whose citizens
// register their right of residence the same way.
var euEEA = []string{"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
	"LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "CH"}

// m49Groups are UN M.49 macro-regions (via the CLDR containment data of
// golang.org/x/text/language) and the group each stands for.
var m49Groups = []struct{ region, group string }{
	{"150", CitizenshipOtherEurope}, {"002", CitizenshipAfrica}, {"142", CitizenshipAsia},
	{"019", CitizenshipAmericas}, {"009", CitizenshipOceania},
}

// CitizenshipGroup returns the group of an ISO 3166-1 alpha-2 country code:
// EU/EEA (and Switzerland) first, otherwise the UN M.49 continent; Unknown
// for anything else (stateless "XX", unknown codes, empty).
func CitizenshipGroup(code string) string {
	if slices.Contains(euEEA, code) {
		return CitizenshipEUEEA
	}
	r, err := language.ParseRegion(code)
	if err != nil || len(code) != 2 || !r.IsCountry() || r.String() != code {
		return Unknown
	}
	for _, g := range m49Groups {
		if language.MustParseRegion(g.region).Contains(r) {
			return g.group
		}
	}
	return Unknown
}

var (
	countryGroupsOnce sync.Once
	countryGroups     map[string]string
)

// CountryGroups maps every ISO 3166-1 alpha-2 country code that
// golang.org/x/text knows to its citizenship group (the store keeps this
// table in the database to group by).
func CountryGroups() map[string]string {
	countryGroupsOnce.Do(func() {
		countryGroups = map[string]string{}
		for a := 'A'; a <= 'Z'; a++ {
			for b := 'A'; b <= 'Z'; b++ {
				code := string([]rune{a, b})
				if g := CitizenshipGroup(code); g != Unknown {
					countryGroups[code] = g
				}
			}
		}
	})
	return countryGroups
}
