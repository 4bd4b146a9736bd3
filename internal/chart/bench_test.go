package chart

import (
	"strconv"
	"testing"

	"github.com/kotodigi/kotodigi/internal/statfile"
)

// BenchmarkLine draws a dashboard's line chart: three series over 51 months.
func BenchmarkLine(b *testing.B) {
	c := &LineChart{ID: "l", Title: "T", Lang: "fi", Unit: statfile.Share, Labels: fiLabels}
	for i := range 51 {
		c.Periods = append(c.Periods, strconv.Itoa(i%12+1)+"/"+strconv.Itoa(2022+i/12))
	}
	for s := range 3 {
		ser := Series{Label: "Alue " + strconv.Itoa(s)}
		for i := range 51 {
			if (i+s)%11 == 0 {
				ser.Values = append(ser.Values, sup)
			} else {
				ser.Values = append(ser.Values, v(float64(30+i+s*5)/100))
			}
		}
		c.Series = append(c.Series, ser)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.SVG(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBars draws every municipality of the country as a bar.
func BenchmarkBars(b *testing.B) {
	c := &BarChart{ID: "b", Title: "T", Lang: "fi", Unit: statfile.Count, Labels: fiLabels}
	for i := range 309 {
		val := v(float64(i * 7))
		if i%13 == 0 {
			val = sup
		}
		c.Bars = append(c.Bars, Bar{Label: "Kunta " + strconv.Itoa(i), Value: val})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.SVG(); err != nil {
			b.Fatal(err)
		}
	}
}
