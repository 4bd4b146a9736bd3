package refdata

import (
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Background data of clients for statistics: the countries of citizenship
// (ISO 3166-1 alpha-2) and the languages of mother tongue (ISO 639), with
// their names in Finnish, Swedish and English. The code lists are embedded
// copies of Debian's iso-codes 4.15.0 (2023; see data/SOURCES.md); the names
// come from the CLDR data of golang.org/x/text/language/display, and where
// CLDR has none from the English name of the ISO list.

// Stateless is the citizenship of a stateless person or of one whose
// citizenship is undetermined: "XX", from the range XA–XZ that ISO 3166-1
// leaves to its users (ICAO Doc 9303 writes XXA for a stateless person in a
// travel document). It is a recorded fact, unlike an unknown citizenship,
// which is no value at all, and it is never combined with a country.
const Stateless = "XX"

// Kosovo is "XK", the user-assigned code that the European Union and CLDR use
// for Kosovo, which ISO 3166-1 does not list.
const Kosovo = "XK"

// Country is one country of citizenship.
type Country struct {
	Code   string // ISO 3166-1 alpha-2, upper-case
	NameEn string // the ISO list's English name
}

// Language is one language of the ISO 639 list: the 639-1 languages and the
// living individual languages and macrolanguages of ISO 639-3.
type Language struct {
	Code   string // ISO 639-1 where it exists, else ISO 639-3; lower-case
	Alpha3 string // ISO 639-3
	NameEn string // the ISO list's English name
	// cldr: CLDR names this language itself (not only a language it belongs to).
	cldr bool
}

// background is the parsed code lists.
type background struct {
	countries []Country
	country   map[string]int
	languages []Language
	language  map[string]int // by Code and by Alpha3
}

var loadBackground = sync.OnceValue(func() *background {
	b, err := parseBackground()
	if err != nil {
		// The files are embedded and checked by the tests: this cannot happen
		// in a built binary.
		panic(err)
	}
	return b
})

func parseBackground() (*background, error) {
	b := &background{country: map[string]int{}, language: map[string]int{}}
	rows, err := readCSV(files, "countries_iso3166-1.csv", "code", "name_en")
	if err != nil {
		return nil, err
	}
	rows = append(rows, []string{Kosovo, "Kosovo"})
	for i, r := range rows {
		if len(r[0]) != 2 || strings.ToUpper(r[0]) != r[0] || r[1] == "" {
			return nil, rowErr("countries_iso3166-1.csv", i, "bad country %q", r[0])
		}
		if _, dup := b.country[r[0]]; dup {
			return nil, rowErr("countries_iso3166-1.csv", i, "duplicate country %q", r[0])
		}
		b.country[r[0]] = len(b.countries)
		b.countries = append(b.countries, Country{Code: r[0], NameEn: r[1]})
	}
	rows, err = readCSV(files, "languages_iso639.csv", "code", "alpha_3", "name_en")
	if err != nil {
		return nil, err
	}
	for i, r := range rows {
		if (len(r[0]) != 2 && r[0] != r[1]) || len(r[1]) != 3 || strings.ToLower(r[0]+r[1]) != r[0]+r[1] || r[2] == "" {
			return nil, rowErr("languages_iso639.csv", i, "bad language %q", r[0])
		}
		for _, k := range []string{r[0], r[1]} {
			if j, dup := b.language[k]; dup && j != len(b.languages) {
				return nil, rowErr("languages_iso639.csv", i, "duplicate language %q", k)
			}
			b.language[k] = len(b.languages)
		}
		b.languages = append(b.languages, Language{Code: r[0], Alpha3: r[1], NameEn: r[2]})
	}
	b.markCLDR()
	return b, nil
}

// markCLDR decides which languages take their names from CLDR. CLDR names
// some ISO 639-3 languages by the language they belong to (arb "Arabic",
// pes "Persian", cmn "Chinese"); of the codes that get the same CLDR name,
// only one keeps it: the one whose ISO name it is, else the ISO 639-1 code.
// The others are named by their own ISO name (arb "Standard Arabic").
func (b *background) markCLDR() {
	byName := map[string][]int{}
	for i, l := range b.languages {
		base, err := language.ParseBase(l.Code)
		if err != nil {
			continue
		}
		if n := display.English.Languages().Name(base); n != "" && display.Finnish.Languages().Name(base) != "" &&
			display.Swedish.Languages().Name(base) != "" {
			byName[n] = append(byName[n], i)
		}
	}
	for name, idx := range byName {
		owner := -1
		for _, i := range idx {
			if strings.EqualFold(b.languages[i].NameEn, name) {
				owner = i
			}
		}
		if owner < 0 {
			for _, i := range idx {
				if len(b.languages[i].Code) == 2 {
					owner = i
				}
			}
		}
		if owner < 0 && len(idx) == 1 {
			owner = idx[0]
		}
		if owner >= 0 {
			b.languages[owner].cldr = true
		}
	}
}

// Countries returns the countries of citizenship, by code (Stateless is not
// among them).
func Countries() []Country { return slices.Clone(loadBackground().countries) }

// CountryByCode returns the country with an upper-case alpha-2 code.
func CountryByCode(code string) (Country, bool) {
	b := loadBackground()
	i, ok := b.country[code]
	if !ok {
		return Country{}, false
	}
	return b.countries[i], true
}

// ValidCitizenship reports whether code is a country of citizenship or
// Stateless.
func ValidCitizenship(code string) bool {
	_, ok := CountryByCode(code)
	return ok || code == Stateless
}

// Name returns the country's name in lang (fi, sv or en; anything else is
// English).
func (c Country) Name(lang string) string {
	if r, err := language.ParseRegion(c.Code); err == nil && r.String() == c.Code {
		if n := dictionary(lang).Regions().Name(r); n != "" {
			return n
		}
	}
	return c.NameEn
}

// Languages returns the languages, by code.
func Languages() []Language { return slices.Clone(loadBackground().languages) }

// LanguageByCode returns the language with a lower-case ISO 639-1 or 639-3
// code; for a 639-3 code of a language that has a 639-1 code, the language
// under its 639-1 code.
func LanguageByCode(code string) (Language, bool) {
	b := loadBackground()
	i, ok := b.language[code]
	if !ok {
		return Language{}, false
	}
	return b.languages[i], true
}

// Name returns the language's name in lang (fi, sv or en; anything else is
// English). Finnish and Swedish write names of languages in lower case.
func (l Language) Name(lang string) string {
	if l.cldr {
		if base, err := language.ParseBase(l.Code); err == nil {
			if n := dictionary(lang).Languages().Name(base); n != "" {
				return n
			}
		}
	}
	return l.NameEn
}

// CommonName reports whether CLDR names the language in Finnish, Swedish and
// English: the languages worth suggesting in a list (some 550 of the 7,000).
func (l Language) CommonName() bool { return l.cldr }

// LanguageFromText finds the language that text names: its code (ISO 639-1
// or 639-3, any case), its name in Finnish, Swedish or English (any case), or
// a name followed by the code in parentheses ("somali (so)"), as a list of
// suggestions shows them. ok is false when text names no language.
func LanguageFromText(text string) (code string, ok bool) {
	t := strings.ToLower(strings.Join(strings.Fields(text), " "))
	if open := strings.LastIndexByte(t, '('); open >= 0 && strings.HasSuffix(t, ")") {
		t = strings.TrimSpace(t[open+1 : len(t)-1])
	}
	if l, ok := LanguageByCode(t); ok {
		return l.Code, true
	}
	code, ok = languageNames()[t]
	return code, ok
}

// languageNames maps lower-case names in fi, sv and en to codes; a CLDR name
// wins over an ISO name, and an earlier code over a later one.
var languageNames = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	ls := loadBackground().languages
	for _, pass := range []bool{true, false} {
		for _, l := range ls {
			if l.cldr != pass {
				continue
			}
			for _, lang := range []string{"fi", "sv", "en"} {
				k := strings.ToLower(l.Name(lang))
				if _, taken := m[k]; !taken {
					m[k] = l.Code
				}
			}
		}
	}
	return m
})

// dictionary is the CLDR dictionary of a user interface language.
func dictionary(lang string) *display.Dictionary {
	switch lang {
	case "fi":
		return display.Finnish
	case "sv":
		return display.Swedish
	}
	return display.English
}
