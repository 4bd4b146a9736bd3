package statfile

import (
	"io"
	"math/rand/v2"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// benchDataset is a count table over areas municipalities × periods months
// × bys breakdown categories (none when 0), about one value in ten
// suppressed. 309 × 51 × 10 is the largest table the indicator API serves
// in one query; 309 × 12 × 0 (every municipality by month over a year) a
// common one.
func benchDataset(areas, periods, bys int) *Dataset {
	r := rand.New(rand.NewPCG(1, 2))
	d := &Dataset{Indicator: "services_started", Name: "Aloitetut palvelut", Definition: "Palvelut, joiden päivämäärä on kaudella.",
		Unit: Count, Lang: "fi", Updated: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC), Source: "Koto-digi", Texts: finnishTexts}
	d.Area.Label, d.Period.Label = "Kunta", "Kuukausi"
	for i := range areas {
		d.Area.Categories = append(d.Area.Categories, Category{Code: strconv.Itoa(1000 + i)[1:], Label: "Kunta numero " + strconv.Itoa(i)})
	}
	for i := range periods {
		code := strconv.Itoa(2022+i/12) + "-" + strconv.Itoa(101 + i%12)[1:]
		d.Period.Categories = append(d.Period.Categories, Category{Code: code, Label: code})
	}
	if bys > 0 {
		d.By = &Dimension{ID: "service_type", Label: "Palvelu"}
		for i := range bys {
			d.By.Categories = append(d.By.Categories, Category{Code: "type_" + strconv.Itoa(i), Label: "Palvelutyyppi " + strconv.Itoa(i)})
		}
	}
	for _, a := range d.Area.Categories {
		for _, p := range d.Period.Categories {
			for _, b := range d.byCategories() {
				c := Cell{Area: a.Code, Period: p.Code, By: b.Code}
				if r.IntN(10) == 0 {
					c.Suppressed = true
				} else {
					v := float64(r.IntN(3000))
					c.Value = &v
				}
				d.Cells = append(d.Cells, c)
			}
		}
	}
	return d
}

func benchmarkWriter(b *testing.B, write func(io.Writer, *Dataset) error) {
	for _, size := range []struct {
		name                string
		areas, periods, bys int
	}{{"309x51x10", 309, 51, 10}, {"309x12", 309, 12, 0}} {
		d := benchDataset(size.areas, size.periods, size.bys)
		b.Run(size.name, func(b *testing.B) {
			var n countingWriter
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				n = 0
				if err := write(&n, d); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n), "bytes/file")
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}

// cpuTime is the CPU time the process has used (user and system, all
// threads, garbage collection included): on a shared machine it varies less
// than the wall time per operation.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// countingWriter discards what it is given, counting the bytes.
type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

func BenchmarkCSV(b *testing.B)      { benchmarkWriter(b, WriteCSV) }
func BenchmarkXLSX(b *testing.B)     { benchmarkWriter(b, WriteXLSX) }
func BenchmarkJSONStat(b *testing.B) { benchmarkWriter(b, WriteJSONStat) }
