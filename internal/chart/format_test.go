package chart

import (
	"testing"

	"github.com/kotodigi/kotodigi/internal/statfile"
)

func TestNumbers(t *testing.T) {
	for _, tc := range []struct {
		lang string
		unit statfile.Unit
		v    float64
		want string
	}{
		{"fi", statfile.Count, 1234567, "1\u00a0234\u00a0567"},
		{"sv", statfile.Count, 1234, "1\u00a0234"},
		{"en", statfile.Count, 1234, "1,234"},
		{"fi", statfile.MedianDays, 12.5, "12,5"},
		{"fi", statfile.MedianDays, 40, "40,0"},
		{"en", statfile.MedianDays, 1234.5, "1,234.5"},
		{"fi", statfile.Share, 0.4567, "45,7\u00a0%"},
		{"sv", statfile.Share, 0.05, "5,0\u00a0%"},
		{"en", statfile.Share, 0.4567, "45.7%"},
		{"fi", statfile.Count, 0, "0"},
		{"fi", statfile.Count, -12, "−12"},
	} {
		if got := NewNumbers(tc.lang).Value(tc.unit, tc.v); got != tc.want {
			t.Errorf("%s %s %v: %q, want %q", tc.lang, tc.unit, tc.v, got, tc.want)
		}
	}
	for _, tc := range []struct {
		lang string
		unit statfile.Unit
		d    float64
		want string
	}{
		{"fi", statfile.Count, 30, "+30"},
		{"fi", statfile.Count, -1500, "−1\u00a0500"},
		{"en", statfile.Count, -1500, "-1,500"},
		{"fi", statfile.Count, 0, "0"},
		{"fi", statfile.Share, 0.032, "+3,2"},
		{"en", statfile.MedianDays, -2.5, "-2.5"},
		{"sv", statfile.MedianDays, 0.04, "0"},
	} {
		if got := NewNumbers(tc.lang).Change(tc.unit, tc.d); got != tc.want {
			t.Errorf("change %s %s %v: %q, want %q", tc.lang, tc.unit, tc.d, got, tc.want)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		whole  bool
		want   []float64
	}{
		{0, 97, true, []float64{0, 20, 40, 60, 80, 100}},
		{0, 3, true, []float64{0, 1, 2, 3}},
		{0, 0.46, false, []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5}},
		{0, 0, true, []float64{0, 1}},
		{0, 1234, true, []float64{0, 500, 1000, 1500}},
		{-7, 12, true, []float64{-10, -5, 0, 5, 10, 15}},
		{0, 1, true, []float64{0, 1}},
	} {
		got := niceTicks(tc.lo, tc.hi, 5, tc.whole)
		if len(got) != len(tc.want) {
			t.Errorf("%v..%v: %v, want %v", tc.lo, tc.hi, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%v..%v: %v, want %v", tc.lo, tc.hi, got, tc.want)
				break
			}
		}
	}
}
