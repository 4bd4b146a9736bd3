package chart

import (
	"html/template"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/statfile"
)

func v(x float64) Value { return Value{Value: &x} }

var (
	sup  = Value{Suppressed: true}
	miss = Value{}
)

var fiLabels = Labels{Suppressed: "salattu", Missing: "ei tietoa", Value: "Asiakkaita", OwnOnly: "vain omalle kunnallesi"}

// own is a value the viewer's own municipality sees and everyone else sees suppressed.
func own(x float64) Value { return Value{Value: &x, OwnOnly: true} }

// galleryCharts are the charts a person looks at (KOTODIGI_CHART_GALLERY):
// every case the dashboards meet.
func galleryCharts() map[string]interface{ SVG() (template.HTML, error) } {
	months := []string{"1/2026", "2/2026", "3/2026", "4/2026", "5/2026", "6/2026", "7/2026", "8/2026", "9/2026", "10/2026", "11/2026", "12/2026"}
	var long []string
	var longValues []Value
	for i := range 51 {
		long = append(long, []string{"2022", "2023", "2024", "2025", "2026"}[i/12]+"-"+[]string{"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"}[i%12])
		switch {
		case i%9 == 4:
			longValues = append(longValues, sup)
		case i == 20:
			longValues = append(longValues, miss)
		default:
			longValues = append(longValues, v(float64(20+i*3+(i%5)*7)))
		}
	}
	return map[string]interface{ SVG() (template.HTML, error) }{
		"line-own-only-fi": &LineChart{ID: "c7", Title: "Rekisteröidyt asiakkaat neljännesvuosittain", Summary: "…", Lang: "fi", Unit: statfile.Count,
			Periods: []string{"Q1/2026", "Q2/2026", "Q3/2026", "Q4/2026"}, PeriodNames: []string{"1. neljännes 2026", "2. neljännes 2026", "3. neljännes 2026", "4. neljännes 2026"},
			Labels: fiLabels, Series: []Series{
				{Label: "Kaskinen", Values: []Value{v(12), own(3), v(7), own(0)}},
				{Label: "Pohjanmaa", Values: []Value{v(140), sup, v(152), v(160)}},
			}},
		"bars-own-only-fi": &BarChart{ID: "c8", Title: "Rekisteröidyt asiakkaat 2026", Summary: "…", Lang: "fi", Unit: statfile.Count, Labels: fiLabels,
			Bars: []Bar{{Label: "Vaasa", Value: v(1432)}, {Label: "Kaskinen", Value: own(4), Highlight: true}, {Label: "Luoto", Value: sup}}},
		"line-share-fi": &LineChart{ID: "c1", Title: "Työnhakijoiden osuus", Summary: "Espoo 41,0 % → 47,5 %.", Lang: "fi", Unit: statfile.Share, Periods: months, Labels: fiLabels,
			Series: []Series{
				{Label: "Espoo", Values: []Value{v(0.41), v(0.43), sup, v(0.45), v(0.44), v(0.46), sup, sup, v(0.47), v(0.49), v(0.48), v(0.475)}},
				{Label: "Uusimaa", Values: []Value{v(0.38), v(0.385), v(0.39), v(0.40), miss, v(0.41), v(0.40), v(0.405), v(0.41), v(0.42), v(0.42), v(0.43)}},
				{Label: "Koko maa", Values: []Value{v(0.35), v(0.36), v(0.36), v(0.37), v(0.37), v(0.38), v(0.37), v(0.375), v(0.38), v(0.39), v(0.39), v(0.40)}},
			}},
		"line-count-51": &LineChart{ID: "c2", Title: "Rekisteröidyt asiakkaat kuukausittain", Summary: "…", Lang: "fi", Unit: statfile.Count, Periods: long, Labels: fiLabels,
			Series: []Series{{Label: "Kaskinen", Values: longValues}}},
		"line-median-sv-6": &LineChart{ID: "c3", Title: "Dagar från uppehållstillstånd till bedömning (median)", Summary: "…", Lang: "sv", Unit: statfile.MedianDays,
			Periods: []string{"2023", "2024", "2025", "2026"}, Labels: Labels{Suppressed: "skyddad", Missing: "uppgift saknas"},
			Series: []Series{
				{Label: "Pedersöre", Values: []Value{v(40), sup, v(35.5), v(31)}},
				{Label: "Österbottens välfärdsområde", Values: []Value{v(52), v(48.5), v(44), v(40)}},
				{Label: "Österbotten", Values: []Value{v(51), v(47), v(45), v(41.5)}},
				{Label: "Hela landet", Values: []Value{v(60), v(58), v(55.5), v(50)}},
				{Label: "Nyland", Values: []Value{v(66), v(61), miss, v(54)}},
				{Label: "<script>alert(1)</script> & Co", Values: []Value{v(20), v(0), v(12), sup}},
			}},
		"line-one-period": &LineChart{ID: "c4", Title: "Aloitetut suunnitelmat 2026", Summary: "…", Lang: "en", Unit: statfile.Count, Periods: []string{"2026"}, Labels: Labels{Suppressed: "suppressed", Missing: "no data"},
			Series: []Series{{Label: "Vantaa", Values: []Value{v(1234)}}, {Label: "Uusimaa", Values: []Value{sup}}}},
		"bars-count-fi": &BarChart{ID: "c5", Title: "Rekisteröidyt asiakkaat 2026, Pohjanmaan kunnat", Summary: "…", Lang: "fi", Unit: statfile.Count, Labels: fiLabels,
			Bars: []Bar{
				{Label: "Vaasa", Value: v(1432)}, {Label: "Mustasaari", Value: v(210)}, {Label: "Pedersören kunta", Value: v(96), Highlight: true},
				{Label: "Kaskinen", Value: sup}, {Label: "Luoto", Value: v(0)}, {Label: "Närpiö", Value: v(388)}, {Label: "Laihia", Value: miss},
				{Label: "Kristiinankaupunki ja hyvin pitkä nimi", Value: v(57)},
			}},
		"bars-share-en": &BarChart{ID: "c6", Title: "Share of plans reviewed on time, by client group", Summary: "…", Lang: "en", Unit: statfile.Share, Labels: Labels{Suppressed: "suppressed", Missing: "no data", Value: "Share"},
			Bars: []Bar{
				{Label: "International protection", Value: v(0.72)}, {Label: "Quota refugee", Value: v(0.81)}, {Label: "Family member", Value: v(0.64)},
				{Label: "Work", Value: v(0.55)}, {Label: "Study", Value: sup}, {Label: "Temporary protection", Value: v(0.9)}, {Label: "Victim of trafficking", Value: sup},
				{Label: "Unknown", Value: v(0.5)},
			}},
	}
}

// TestGallery writes every gallery chart, and a page showing them at a
// phone's and a desktop's width, into $KOTODIGI_CHART_GALLERY.
func TestGallery(t *testing.T) {
	dir := os.Getenv("KOTODIGI_CHART_GALLERY")
	if dir == "" {
		t.Skip("KOTODIGI_CHART_GALLERY is not set")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var page strings.Builder
	page.WriteString(`<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><link rel="stylesheet" href="gallery.css"></head><body>`)
	for _, name := range slices.Sorted(maps.Keys(galleryCharts())) {
		c := galleryCharts()[name]
		out, err := c.SVG()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".svg"), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		page.WriteString("<h2>" + name + "</h2><div class=\"chart-box\">" + string(out) + "</div>")
	}
	page.WriteString("</body></html>")
	css := "body{font-family:system-ui,sans-serif;margin:16px;color:#0b0c0c}.chart-box{max-width:48rem}h2{font-size:14px;margin:24px 0 4px}"
	if err := os.WriteFile(filepath.Join(dir, "gallery.css"), []byte(css), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(page.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
