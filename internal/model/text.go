package model

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// foldSpecial maps lower-case letters that have no canonical decomposition
// to their conventional ASCII search equivalents.
var foldSpecial = map[rune]string{
	'ß': "ss",
	'æ': "ae",
	'ø': "o",
	'œ': "oe",
	'đ': "d",
	'ð': "d",
	'ł': "l",
	'þ': "th",
	'ı': "i",
}

// FoldForSearch returns a search key for s: lower-cased, decomposed (NFD)
// with non-spacing combining marks removed (so "ä", "å" and "ễ" become "a",
// "a" and "e"), with letters that do not decompose mapped to ASCII ("ß" →
// "ss", "æ" → "ae", "ø" → "o", "œ" → "oe", "đ"/"ð" → "d", "ł" → "l", "þ" →
// "th", "ı" → "i"), runs of whitespace collapsed to a single space and
// surrounding whitespace trimmed. Apply it to both the stored value and the
// query.
func FoldForSearch(s string) string {
	s = strings.ToLower(s)
	// A transform.Transformer is stateful, so build a fresh chain per call.
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		// Not expected for in-memory strings; fall back to the lower-cased input.
		folded = s
	}
	var b strings.Builder
	b.Grow(len(folded))
	for _, r := range folded {
		if m, ok := foldSpecial[r]; ok {
			b.WriteString(m)
			continue
		}
		b.WriteRune(r)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// HasControlChars reports whether s contains any control character
// (unicode.IsControl, including tab, CR and LF), any format character
// (category Cf, e.g. zero-width space, soft hyphen, bidirectional
// overrides, byte-order mark) or a Unicode line or paragraph separator
// (U+2028, U+2029). Names and other single-line fields must not contain
// any of them.
func HasControlChars(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) ||
			unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) {
			return true
		}
	}
	return false
}

// fillers are letters (by their Unicode category) that show nothing: the
// Hangul fillers and the Braille blank.
var fillers = map[rune]bool{'\u115f': true, '\u1160': true, '\u3164': true, '\uffa0': true, '\u2800': true}

// HasLetter reports whether s contains a letter that shows: a name made only
// of spaces (no-break spaces included), combining marks, punctuation,
// fillers such as U+3164 or invisible format characters has none, and could
// never be found by a search.
func HasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) && !fillers[r] {
			return true
		}
	}
	return false
}

// Invisible reports whether s shows nothing at all: no letter, digit,
// punctuation or symbol other than fillers, only spaces, marks, format and
// control characters. A required text that is invisible is missing.
func Invisible(s string) bool {
	for _, r := range s {
		if (unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)) && !fillers[r] {
			return false
		}
	}
	return true
}
