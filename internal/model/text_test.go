package model

import "testing"

func TestFoldForSearch(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Nguyễn", "nguyen"},
		{"Müller", "muller"},
		{"ÄÖÅ äöå", "aoa aoa"},
		{"  Ana   María ", "ana maria"},
		{"Łukasz", "lukasz"},
		{"Søren", "soren"},
		{"Straße", "strasse"},
		{"STRAẞE", "strasse"}, // capital sharp s
		{"Æsa", "aesa"},
		{"Œdipe", "oedipe"},
		{"Đorđević", "dordevic"},
		{"Þórður", "thordur"},
		{"Yıldız", "yildiz"},
		{"İstanbul", "istanbul"},
		{"Ḑ̣", "d"},                      // several combining marks
		{"Nguye\u0302\u0303n", "nguyen"}, // already decomposed input
		{"Zoë\tBrontë\n\u00a0Ö", "zoe bronte o"},
		{"François Çelik", "francois celik"},
		{"Šárka Žižková", "sarka zizkova"},
		{"محمد", "محمد"}, // no Latin folding outside Latin
		{"Ольга", "ольга"},
		{"", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		if got := FoldForSearch(tt.in); got != tt.want {
			t.Errorf("FoldForSearch(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFoldForSearchIdempotent(t *testing.T) {
	for _, s := range []string{"Nguyễn Văn Ánh", "ÆØÅ æøå", "Straße  Łódź", "Þór Đặng"} {
		once := FoldForSearch(s)
		if twice := FoldForSearch(once); twice != once {
			t.Errorf("FoldForSearch not idempotent for %q: %q then %q", s, once, twice)
		}
	}
}

func TestHasControlChars(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", false},
		{"Matti Meikäläinen", false},
		{"Nguyễn Văn Ánh", false},
		{"O'Brien-Smith", false},
		{"محمد", false},
		{"\u00a0", false}, // no-break space is a space, not a control

		{"Matti\tMeikäläinen", true},
		{"Matti\nMeikäläinen", true},
		{"Matti\r", true},
		{"\x00", true},
		{"\x1b[31m", true},
		{"\x7f", true},
		{"\u0085", true},    // NEL (C1 control)
		{"a\u200bb", true},  // zero-width space (Cf)
		{"a\u00adb", true},  // soft hyphen (Cf)
		{"\u202eabc", true}, // right-to-left override (Cf)
		{"\ufeffabc", true}, // byte-order mark (Cf)
		{"a\u2028b", true},  // line separator (Zl)
		{"a\u2029b", true},  // paragraph separator (Zp)
	}
	for _, tt := range tests {
		if got := HasControlChars(tt.in); got != tt.want {
			t.Errorf("HasControlChars(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
