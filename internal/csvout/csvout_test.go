package csvout

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func TestSafe(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Wilma", "Wilma"},
		{"=cmd|'/Ccalc'!A0@evil", "'=cmd|'/Ccalc'!A0@evil"},
		{"+HYPERLINK(\"x\")", "'+HYPERLINK(\"x\")"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"  =1", "'  =1"},
		{"-5", "-5"},
		{"-0.5", "-0.5"},
		{"+12", "+12"},
		{"a=b", "a=b"},
		{"-", "'-"},
	} {
		if got := Safe(tc.in); got != tc.want {
			t.Errorf("Safe(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWriterDialects(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b, Excel)
	if err := w.Write("aika", "henkilö"); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("2026-11-26", "=1+1"); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	if !strings.HasPrefix(got, "\ufeffaika;henkilö\r\n") || !strings.Contains(got, "2026-11-26;'=1+1\r\n") {
		t.Fatalf("excel dialect: %q", got)
	}
	// Read back as a spreadsheet would: the apostrophe is part of the text.
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(got, "\ufeff")))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil || len(recs) != 2 || recs[1][1] != "'=1+1" {
		t.Fatalf("read back: %v %v", recs, err)
	}
	b.Reset()
	w = NewWriter(&b, Dialect{})
	_ = w.Write("a", "b")
	_ = w.Flush()
	if b.String() != "a,b\n" {
		t.Fatalf("default dialect: %q", b.String())
	}
	b.Reset()
	w = NewWriter(&b, Plain)
	if err := w.Flush(); err != nil || b.String() != "\ufeff" {
		t.Fatalf("empty file with BOM: %q %v", b.String(), err)
	}
}

func FuzzSafe(f *testing.F) {
	for _, s := range []string{"", "=1", "-5", " +x", "@", "\t", "ok"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Safe(s)
		trimmed := strings.TrimLeft(got, " ")
		if trimmed == "" {
			return
		}
		if strings.ContainsRune("=@\t\r", rune(trimmed[0])) {
			t.Fatalf("Safe(%q) = %q starts a formula", s, got)
		}
		if (trimmed[0] == '+' || trimmed[0] == '-') && !isNumber(trimmed[1:]) {
			t.Fatalf("Safe(%q) = %q starts a formula", s, got)
		}
		if got != s && got != "'"+s {
			t.Fatalf("Safe(%q) = %q changes the value", s, got)
		}
	})
}
