package browsertest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kotodigi/kotodigi/internal/store"
)

// download fetches a download link of the page (with the browser's session)
// and returns its Content-Type and Content-Disposition.
func (b *browser) download(sel string) (string, string) {
	b.t.Helper()
	res := evalAwait[[]string](b, `(async () => { const a = document.querySelector(`+"`"+sel+"`"+`);
		if (!a) return ["no link", ""];
		const r = await fetch(a.href, {credentials: "same-origin"});
		return [r.status === 200 ? r.headers.get("content-type") : "status " + r.status, r.headers.get("content-disposition") || ""]; })()`)
	return res[0], res[1]
}

// evalAwait is eval of an expression whose value is a promise.
func evalAwait[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// narrow looks at the page at a phone's width (390 px): it takes a
// screenshot and checks that nothing but the tables' own scroll regions is
// wider than the screen. Then it goes back to 1280 px.
func (b *browser) narrow(label string) {
	b.t.Helper()
	b.step("narrowing the window", chromedp.EmulateViewport(390, 844))
	b.screenshot(label + " at 390 px")
	if over := eval[string](b, `document.documentElement.scrollWidth > window.innerWidth ?
		[...document.querySelectorAll("main *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest(".table-wrap")).map(e => e.tagName + "." + e.className).slice(0, 5).join(", ") || "the page" : ""`); over != "" {
		b.t.Errorf("%s at 390 px: wider than the screen: %s", label, over)
	}
	b.step("widening the window", chromedp.EmulateViewport(1280, 900))
}

// tabTo presses Tab until the focused element matches sel (at most limit
// times) and reports whether it got there.
func (b *browser) tabTo(sel string, limit int) bool {
	b.t.Helper()
	for range limit {
		b.step("pressing Tab", chromedp.KeyEvent(kb.Tab))
		if eval[bool](b, `document.activeElement.matches(`+"`"+sel+"`"+`)`) {
			return true
		}
	}
	return false
}

// TestKnowledgeManagement walks each role's way to the statistics by
// clicking from the front page: a national statistician (Finnish), a
// regional centre's statistician (Swedish) and a municipality's main user
// (English) — dashboard, table builder, downloads, indicator pages and data
// quality — with axe on every page, the keyboard on the table builder and
// every page looked at 390 px wide.
func TestKnowledgeManagement(t *testing.T) {
	a := startApp(t)
	if _, err := a.st.RefreshIndicators(context.Background(), store.Actor{Operator: "browsertest"}); err != nil {
		t.Fatal(err)
	}
	t.Run("national statistician", func(t *testing.T) {
		b := newBrowser(t, a)
		b.signIn("stats@tem.demo")
		b.follow("dashboard", 200, click(`nav.main-nav a[href="/statistics"]`))
		if n := eval[int](b, `document.querySelectorAll("svg.chart-bars").length`); n < 5 {
			t.Errorf("national dashboard: %d bar charts, want one per key indicator", n)
		}
		if got := eval[string](b, `document.querySelector("#db-level").value`); got != "region" {
			t.Errorf("national dashboard compares %q, want regions", got)
		}
		if !strings.Contains(eval[string](b, `document.querySelector("main").innerText`), "Uusimaa") {
			t.Error("national dashboard does not name Uusimaa")
		}
		b.narrow("national dashboard")
		b.step("choosing wellbeing services counties", chromedp.SetValue(chromedp.CSS("#db-level"), "wellbeing_county"))
		b.follow("dashboard by county", 200, click(`main form button[type="submit"]`))
		if !strings.Contains(eval[string](b, `document.querySelector("main").innerText`), "Helsingin kaupunki") {
			t.Error("the county comparison does not name Helsingin kaupunki (county 90)")
		}
		b.follow("table builder", 200, click(`.km-subnav a[href="/statistics/table"]`))
		b.step("choosing a table", chromedp.SetValue(chromedp.CSS("#tb-indicator"), "assessments_completed"),
			chromedp.SetValue(chromedp.CSS("#tb-area"), "region"), chromedp.SetValue(chromedp.CSS("#tb-period"), "year"),
			chromedp.SetValue(chromedp.CSS("#tb-by"), "sex"))
		b.follow("table built", 200, click(`.km-builder button[type="submit"]`))
		if n := eval[int](b, `document.querySelectorAll(".km-table tbody tr").length`); n < 19*3 {
			t.Errorf("the table has %d rows, want every region × sex", n)
		}
		ctype, disp := b.download(`.km-downloads a[href*="format=xlsx"]`)
		if !strings.Contains(ctype, "spreadsheetml") || !strings.Contains(disp, "assessments_completed-region-year.xlsx") {
			t.Errorf("XLSX download: %q, %q", ctype, disp)
		}
		b.narrow("table builder")
	})
	t.Run("regional statistician", func(t *testing.T) {
		b := newBrowser(t, a)
		b.signIn("stats@uusimaa.demo")
		b.switchLanguage("sv", "front page")
		b.follow("dashboard", 200, click(`main .actions a[href="/statistics"]`))
		text := eval[string](b, `document.querySelector("main").innerText`)
		for _, want := range []string{"Helsingfors", "Esbo"} {
			if !strings.Contains(text, want) {
				t.Errorf("regional dashboard lacks %s", want)
			}
		}
		if strings.Contains(text, "Vasa") {
			t.Error("regional dashboard shows Vasa, outside its area")
		}
		if n := eval[int](b, `document.querySelectorAll("svg.chart-line").length`); n != 1 {
			t.Errorf("regional dashboard: %d line charts, want the area's trend", n)
		}
		b.narrow("regional dashboard")
		b.follow("indicators", 200, click(`.km-subnav a[href="/statistics/indicators"]`))
		b.follow("an indicator", 200, click(`.km-catalogue a[href="/statistics/indicators/plans_reviewed_on_time"]`))
		text = eval[string](b, `document.querySelector("main").innerText`)
		for _, want := range []string{"Nämnare", "Täljare", "Källuppgifter", "plan_reviews"} {
			if !strings.Contains(text, want) {
				t.Errorf("indicator page lacks %q", want)
			}
		}
		if n := eval[int](b, `document.querySelectorAll('main [lang="fi"], main [lang="en"]').length`); n != 2 {
			t.Errorf("indicator page has %d definitions in other languages, want 2", n)
		}
		b.narrow("indicator page")
		b.follow("table builder from the indicator", 200, click(`main .actions a.button`))
		if got := eval[string](b, `document.querySelector("#tb-indicator").value`); got != "plans_reviewed_on_time" {
			t.Errorf("the table builder opened with %q", got)
		}
	})
	t.Run("municipal main user", func(t *testing.T) {
		b := newBrowser(t, a)
		b.signIn("main@helsinki.demo")
		b.switchLanguage("en", "front page")
		b.follow("dashboard", 200, click(`nav.main-nav a[href="/statistics"]`))
		if n := eval[int](b, `document.querySelectorAll("svg.chart-line").length`); n < 5 {
			t.Errorf("municipal dashboard: %d line charts", n)
		}
		if h := eval[string](b, `document.querySelector("h1").innerText`); !strings.Contains(h, "Helsinki") {
			t.Errorf("municipal dashboard heading %q", h)
		}
		ctype, _ := b.download(`#clients_registered-heading ~ .km-downloads a[href*="format=csv"]`)
		if !strings.Contains(ctype, "text/csv") {
			t.Errorf("dashboard CSV download: %q", ctype)
		}
		b.narrow("municipal dashboard")
		b.follow("table builder", 200, click(`.km-subnav a[href="/statistics/table"]`))
		// The keyboard reaches the form's submit button and, after it, the downloads.
		b.step("focusing the page", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
		if !b.tabTo(`.km-builder button[type="submit"]`, 60) {
			t.Fatal("Tab never reaches the table builder's submit button")
		}
		b.follow("table built with the keyboard", 200, chromedp.KeyEvent(kb.Enter))
		if !b.tabTo(`.km-downloads a`, 200) {
			t.Error("Tab never reaches the download links")
		}
		ctype, _ = b.download(`.km-downloads a[href*="format=json-stat"]`)
		if !strings.Contains(ctype, "json") {
			t.Errorf("JSON-stat download: %q", ctype)
		}
		b.narrow("table built")
		b.follow("data quality", 200, click(`nav.main-nav a[href="/data-quality"]`))
		b.narrow("data quality")
		if n := eval[int](b, `document.querySelectorAll("main tbody a").length`); n == 0 {
			t.Fatal("no data-quality count links to clients")
		}
		b.follow("data-quality list", 200, click(`main tbody a`))
		if n := eval[int](b, `document.querySelectorAll("main tbody tr").length`); n == 0 {
			t.Error("the data-quality list is empty")
		}
	})
	t.Run("worker sees no statistics", func(t *testing.T) {
		b := newBrowser(t, a)
		b.signIn("worker@helsinki.demo")
		if n := eval[int](b, `document.querySelectorAll('a[href^="/statistics"], a[href^="/data-quality"]').length`); n != 0 {
			t.Errorf("a worker's front page links to statistics (%d links)", n)
		}
	})
}
