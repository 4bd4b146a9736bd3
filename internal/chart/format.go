package chart

import (
	"math"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"github.com/kotodigi/kotodigi/internal/statfile"
)

// Numbers formats figures for people in one language (CLDR rules through
// golang.org/x/text): Finnish and Swedish with a decimal comma, a
// non-breaking space between thousands and a minus sign (−), English with
// a decimal point and a comma between thousands.
type Numbers struct {
	p *message.Printer
}

// NewNumbers returns the formatter of lang ("fi", "sv" or "en").
func NewNumbers(lang string) Numbers {
	return Numbers{p: message.NewPrinter(language.Make(lang))}
}

// Value formats v in unit: a count as a whole number ("1 234"), a median
// with one decimal ("12,5"), a share (a proportion) as a percentage with
// one decimal ("45,6 %"). Halves are rounded away from zero, as in
// official statistics (12,25 → 12,3).
func (n Numbers) Value(unit statfile.Unit, v float64) string {
	switch unit {
	case statfile.Share:
		return n.p.Sprint(number.Percent(math.Round(v*1000)/1000, number.MinFractionDigits(1), number.MaxFractionDigits(1)))
	case statfile.MedianDays:
		return n.p.Sprint(number.Decimal(math.Round(v*10)/10, number.MinFractionDigits(1), number.MaxFractionDigits(1)))
	}
	return n.p.Sprint(number.Decimal(math.Round(v), number.MaxFractionDigits(0)))
}

// Change formats a difference d with its sign ("+30", "−2,5", "0"). A
// change of a share is in percentage points (0.032 → "+3,2"), without a
// unit: the sentence says "percentage points".
func (n Numbers) Change(unit statfile.Unit, d float64) string {
	var s string
	switch unit {
	case statfile.Share:
		d = math.Round(d*1000) / 10
		s = n.p.Sprint(number.Decimal(d, number.MinFractionDigits(1), number.MaxFractionDigits(1)))
	case statfile.MedianDays:
		d = math.Round(d*10) / 10
		s = n.p.Sprint(number.Decimal(d, number.MinFractionDigits(1), number.MaxFractionDigits(1)))
	default:
		d = math.Round(d)
		s = n.p.Sprint(number.Decimal(d, number.MaxFractionDigits(0)))
	}
	if d > 0 {
		return "+" + s
	}
	if d == 0 {
		return n.p.Sprint(number.Decimal(0, number.MaxFractionDigits(0)))
	}
	return s
}

// tick formats an axis tick: with as many decimals as the step between
// ticks needs, a share as a percentage.
func (n Numbers) tick(unit statfile.Unit, v, step float64) string {
	if unit == statfile.Share {
		d := decimalsFor(step * 100)
		return n.p.Sprint(number.Percent(v, number.MinFractionDigits(d), number.MaxFractionDigits(d)))
	}
	d := decimalsFor(step)
	return n.p.Sprint(number.Decimal(v, number.MinFractionDigits(d), number.MaxFractionDigits(d)))
}

// decimalsFor is the number of decimals that tell apart ticks step apart.
func decimalsFor(step float64) int {
	d := 0
	for step < 0.999 && d < 6 {
		step *= 10
		d++
	}
	return d
}

// niceTicks returns evenly spaced ticks covering lo..hi (lo ≤ 0 ≤ hi is not
// required) at a step of 1, 2 or 5 × 10^k, about want of them. Counts never
// get a step below 1.
func niceTicks(lo, hi float64, want int, whole bool) []float64 {
	if hi < lo {
		lo, hi = hi, lo
	}
	if hi == lo {
		if hi == 0 {
			hi = 1
		} else if hi > 0 {
			lo = 0
		} else {
			hi = 0
		}
	}
	raw := (hi - lo) / float64(max(want, 1))
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		step = m * mag
		if step >= raw {
			break
		}
	}
	if whole && step < 1 {
		step = 1
	}
	start := math.Floor(lo/step+1e-9) * step
	end := math.Ceil(hi/step-1e-9) * step
	// Rounded to the step's precision, so that 0.30000000000000004 is 0.3.
	p := math.Pow(10, float64(decimalsFor(step)))
	var ticks []float64
	for i := 0; ; i++ {
		t := start + float64(i)*step
		if t > end+step/2 {
			break
		}
		ticks = append(ticks, math.Round(t*p)/p)
	}
	return ticks
}
