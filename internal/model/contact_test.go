package model

import (
	"strings"
	"testing"
)

func TestValidEmail(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"matti.meikalainen@example.fi", true},
		{"a@b.fi", true},
		{"first.last+tag@sub.example.com", true},
		{"o'brien@example.ie", true},
		{"user@example-domain.fi", true},

		{"", false},
		{"plainaddress", false},
		{"@example.fi", false},
		{"user@", false},
		{"user@localhost", false},           // no dot in domain
		{"user@[192.168.0.1]", false},       // address literal
		{"Matti <matti@example.fi>", false}, // display name
		{"<matti@example.fi>", false},       // angle brackets
		{"matti@example.fi (Matti)", false}, // comment
		{`"matti m"@example.fi`, false},     // quoted local part
		{" matti@example.fi", false},        // surrounding whitespace
		{"matti@example.fi ", false},        // surrounding whitespace
		{"matti@example.fi\n", false},       // newline
		{"matti@@example.fi", false},        // two @
		{"matti@example..fi", false},        // empty label
		{"matti.@example.fi", false},        // trailing dot in local part
		{"a@b.fi, c@d.fi", false},           // list
		{"matti@exa mple.fi", false},        // inner space
		{strings.Repeat("a", 65) + "@example.fi", false},
		{strings.Repeat("a", 64) + "@example.fi", true},
		{"a@" + strings.Repeat("bbbbbbbbb.", 25) + "fi", true},   // 254 chars
		{"ab@" + strings.Repeat("bbbbbbbbb.", 25) + "fi", false}, // 255 chars
	}
	for _, tt := range tests {
		if got := ValidEmail(tt.in); got != tt.want {
			t.Errorf("ValidEmail(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"+358 40 123 4567", "+358401234567", true},
		{"040-123 4567", "0401234567", true},
		{"(09) 123 4567", "091234567", true},
		{"+358 (9) 123-4567", "+35891234567", true},
		{"  0401234567  ", "0401234567", true},
		{"123456", "123456", true},                     // 6 digits: minimum
		{"+123456789012345", "+123456789012345", true}, // 15 digits: maximum

		{"", "", false},
		{"12345", "", false},            // too short
		{"1234567890123456", "", false}, // too long
		{"+358 40 123 4567 ext 1", "", false},
		{"358+401234567", "", false}, // plus not at start
		{"++358401234567", "", false},
		{"+", "", false},
		{"040.123.4567", "", false}, // dots are not stripped
		{"040/1234567", "", false},
		{"040\t123 4567", "", false}, // inner tab is not stripped
		{"０４０１２３４５６７", "", false},    // fullwidth digits
		{"040 123 4567\n+1", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizePhone(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
