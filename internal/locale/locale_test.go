package locale

import (
	"regexp"
	"slices"
	"testing"
)

func TestCatalogsHaveTheSameKeys(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	fi := c.Keys("fi")
	slices.Sort(fi)
	if len(fi) == 0 {
		t.Fatal("empty Finnish catalog")
	}
	verbs := regexp.MustCompile(`%[a-z]`)
	for _, l := range Languages[1:] {
		other := c.Keys(l)
		slices.Sort(other)
		for _, k := range fi {
			if _, ok := slices.BinarySearch(other, k); !ok {
				t.Errorf("%s lacks %q", l, k)
				continue
			}
			if a, b := verbs.FindAllString(c.T("fi", k), -1), verbs.FindAllString(c.T(l, k), -1); !slices.Equal(a, b) {
				t.Errorf("%s %q: format verbs %v differ from Finnish %v", l, k, b, a)
			}
		}
		for _, k := range other {
			if _, ok := slices.BinarySearch(fi, k); !ok {
				t.Errorf("fi lacks %q (found in %s)", k, l)
			}
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct{ choice, header, want string }{
		{"", "", "fi"},
		{"sv", "en", "sv"},
		{"", "sv-FI,sv;q=0.9,en;q=0.5", "sv"},
		{"", "en-GB", "en"},
		{"", "de-DE", "fi"},
		{"xx", "en", "en"},
	} {
		if got := Negotiate(tc.choice, tc.header); got != tc.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", tc.choice, tc.header, got, tc.want)
		}
	}
}
