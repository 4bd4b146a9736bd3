package refdata

import "testing"

func TestCountries(t *testing.T) {
	cs := Countries()
	if len(cs) != 250 { // 249 of ISO 3166-1 and Kosovo
		t.Fatalf("%d countries, want 250", len(cs))
	}
	for _, c := range cs {
		for _, lang := range []string{"fi", "sv", "en"} {
			if c.Name(lang) == "" {
				t.Errorf("%s has no name in %s", c.Code, lang)
			}
		}
	}
	for _, tc := range []struct{ code, fi, sv, en string }{
		{"SY", "Syyria", "Syrien", "Syria"},
		{"AF", "Afganistan", "Afghanistan", "Afghanistan"},
		{"XK", "Kosovo", "Kosovo", "Kosovo"},
		{"SE", "Ruotsi", "Sverige", "Sweden"},
	} {
		c, ok := CountryByCode(tc.code)
		if !ok || c.Name("fi") != tc.fi || c.Name("sv") != tc.sv || c.Name("en") != tc.en {
			t.Errorf("%s: %v %q %q %q", tc.code, ok, c.Name("fi"), c.Name("sv"), c.Name("en"))
		}
	}
	for _, code := range []string{"sy", "EU", "UN", "ZZ", "XX", "SYR", ""} {
		if _, ok := CountryByCode(code); ok {
			t.Errorf("%q is a country", code)
		}
	}
	if !ValidCitizenship(Stateless) || !ValidCitizenship("FI") || ValidCitizenship("QQ") {
		t.Error("ValidCitizenship")
	}
}

func TestLanguages(t *testing.T) {
	ls := Languages()
	if len(ls) < 7000 {
		t.Fatalf("%d languages, want the living languages of ISO 639-3", len(ls))
	}
	common := 0
	for _, l := range ls {
		if l.CommonName() {
			common++
		}
	}
	if common < 400 {
		t.Errorf("%d languages with CLDR names", common)
	}
	for _, tc := range []struct{ code, fi, sv, en string }{
		{"so", "somali", "somaliska", "Somali"},
		{"ar", "arabia", "arabiska", "Arabic"},
		{"arb", "Standard Arabic", "Standard Arabic", "Standard Arabic"}, // not "Arabic" a second time
		{"ckb", "sorani", "soranisk kurdiska", "Central Kurdish"},
		{"prs", "Dari", "Dari", "Dari"}, // no CLDR name: the ISO name
		{"tl", "Tagalog", "Tagalog", "Tagalog"},
		{"fil", "filipino", "filippinska", "Filipino"},
	} {
		l, ok := LanguageByCode(tc.code)
		if !ok || l.Name("fi") != tc.fi || l.Name("sv") != tc.sv || l.Name("en") != tc.en {
			t.Errorf("%s: %v %q %q %q", tc.code, ok, l.Name("fi"), l.Name("sv"), l.Name("en"))
		}
	}
	// A 639-3 code of a language with a 639-1 code is that language.
	if l, ok := LanguageByCode("som"); !ok || l.Code != "so" {
		t.Errorf("som: %v %v", l, ok)
	}
	for _, code := range []string{"SO", "xx", "und", "mis", "zxx", "", "lat"} {
		if _, ok := LanguageByCode(code); ok && code != "lat" {
			t.Errorf("%q is a language", code)
		}
	}
}

func TestLanguageFromText(t *testing.T) {
	for in, want := range map[string]string{
		"so": "so", "SO": "so", "som": "so", "Somali": "so", "somali": "so", "somaliska": "so",
		"arabia (ar)": "ar", "  Dari ": "prs", "sorani": "ckb", "Northern Kurdish": "kmr", "kurdi": "ku",
		"persiska": "fa", "viro": "et",
	} {
		if got, ok := LanguageFromText(in); !ok || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "klingon?", "x (yy)", "(und)"} {
		if got, ok := LanguageFromText(in); ok {
			t.Errorf("%q: %q", in, got)
		}
	}
}
