package model

import (
	"net/mail"
	"regexp"
	"strings"
)

// emailMaxLen is the maximum length of an e-mail address (RFC 5321 path
// limit minus the angle brackets).
const emailMaxLen = 254

// emailLocalMaxLen is the maximum length of the local part (RFC 5321).
const emailLocalMaxLen = 64

// ValidEmail reports whether s is a plain e-mail address of the form
// local@domain: parseable by net/mail.ParseAddress, with no display name,
// angle brackets, comments, quoting or surrounding whitespace, a domain
// name (not an address literal) containing a dot, a local part of at most
// 64 bytes and at most 254 bytes in total.
func ValidEmail(s string) bool {
	if s == "" || len(s) > emailMaxLen {
		return false
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" {
		return false
	}
	// Bare form only: ParseAddress also accepts "Name <a@b.fi>",
	// "<a@b.fi>", "a@b.fi (comment)" and quoted local parts, all of which
	// yield an Address that differs from the input.
	if addr.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > emailLocalMaxLen {
		return false
	}
	if strings.HasPrefix(domain, "[") || !strings.Contains(domain, ".") {
		return false
	}
	return true
}

// phonePattern is the shape of a normalised phone number.
var phonePattern = regexp.MustCompile(`^\+?[0-9]{6,15}$`)

// NormalizePhone normalises a phone number given in international
// ("+358 40 123 4567") or national ("040-123 4567") form by trimming
// surrounding whitespace and removing spaces, hyphens and parentheses. It
// returns the result and true if it is an optional leading "+" followed by
// 6–15 ASCII digits, otherwise "" and false. It does not convert between
// national and international form.
func NormalizePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case ' ', '-', '(', ')':
			continue
		}
		b.WriteRune(r)
	}
	out := b.String()
	if !phonePattern.MatchString(out) {
		return "", false
	}
	return out, true
}
