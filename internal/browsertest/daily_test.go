package browsertest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestErrorSummaryTakesFocus: after a failed submit the error summary has
// the focus (no JavaScript: the page has none), so the next Tab reaches the
// first error's link instead of the header's dozen stops.
func TestErrorSummaryTakesFocus(t *testing.T) {
	a := startApp(t)
	b := newBrowser(t, a)
	check := func(where, firstHref string) {
		t.Helper()
		if got := eval[string](b, `document.activeElement.className`); got != "error-summary" {
			t.Errorf("%s: focus is on %q after the failed submit, want the error summary", where,
				eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
		}
		b.step("pressing Tab", chromedp.KeyEvent(kb.Tab))
		if got := eval[string](b, `document.activeElement.getAttribute("href") ?? document.activeElement.outerHTML.slice(0, 120)`); got != firstHref {
			t.Errorf("%s: Tab after the failed submit reaches %q, want the summary's link %q", where, got, firstHref)
		}
	}
	b.open("/login", "sign-in page", 200)
	b.step("typing a wrong password", typeInto("#email", "worker@helsinki.demo"), typeInto("#password", "not-the-password"))
	b.follow("sign-in failed", 401, click(`main form button[type="submit"]`))
	check("sign-in", "#email")

	b.step("typing the right password", typeInto("#password", "demo-password-2026"))
	b.follow("front page", 200, click(`main form button[type="submit"]`))
	b.follow("registration form", 200, click(`nav a[href="/clients/new"]`))
	b.follow("registration refused (nothing filled in)", 422, click(`main form.form button[type="submit"]`))
	href := eval[string](b, `document.querySelector(".error-summary a")?.getAttribute("href") ?? ""`)
	if !strings.HasPrefix(href, "#") {
		t.Fatalf("the registration's error summary has no link to a field: %q", href)
	}
	check("registration", href)
}

// TestPrintedPlan: the printed integration plan has signature lines, repeats
// the client's name, the title and the date at the top of every page (a
// table header group, which Chromium repeats on each printed page) and
// numbers its pages in the plan's language (@page margin boxes). It is
// printed to PDF to check that it spans pages; the PDF is kept with the
// screenshots.
func TestPrintedPlan(t *testing.T) {
	a := startApp(t)
	b := newBrowser(t, a)
	b.signIn("worker@helsinki.demo")
	b.follow("worklist", 200, click(`nav a[href="/worklist"]`))
	plan := eval[string](b, `[...document.querySelectorAll("table.worklist a")].find(a => /\/plans\/[0-9a-f-]{36}$/.test(a.pathname))?.getAttribute("href") ?? ""`)
	if plan == "" {
		t.Fatal("no plan on the demo worklist")
	}
	b.follow("plan", 200, click(`table.worklist a[href="`+plan+`"]`))
	b.follow("printable plan", 200, click(`a[href="`+plan+`/print"]`))
	name := eval[string](b, `document.querySelector(".doc-running-name")?.textContent ?? ""`)
	if name == "" || !strings.Contains(eval[string](b, `document.querySelector(".doc-details").innerText`), name) {
		t.Fatalf("the running header names %q, not the client of the plan", name)
	}
	if n := eval[int](b, `document.querySelectorAll(".doc-signatures .signature-line").length`); n < 3 {
		t.Errorf("%d signature lines, want place and date, the client and the preparer", n)
	}
	pageRule := eval[string](b, `[...document.styleSheets].flatMap(s => [...s.cssRules]).filter(r => r instanceof CSSPageRule && r.selectorText === "plan-fi").map(r => r.cssText).join(" ")`)
	if !strings.Contains(pageRule, "counter(page)") || !strings.Contains(pageRule, "counter(pages)") || !strings.Contains(pageRule, "@bottom-right") {
		t.Errorf("no page numbers in the plan's @page rule: %q", pageRule)
	}
	b.step("emulating print media", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	}))
	printed := eval[map[string]string](b, `(() => { const s = e => getComputedStyle(document.querySelector(e));
		return {doc: s(".print-doc").display, running: s(".doc-running").display, page: s(".print-doc").page, header: s(".site-header").display, footer: s(".site-footer").display}; })()`)
	want := map[string]string{"doc": "table", "running": "table-header-group", "page": "plan-fi", "header": "none", "footer": "none"}
	for k, v := range want {
		if printed[k] != v {
			t.Errorf("printed, %s is %q, want %q", k, printed[k], v)
		}
	}
	var pdf []byte
	yes := true
	b.step("printing to PDF", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &yes})
		pdf = res.Data
		return err
	}))
	pages := bytes.Count(pdf, []byte("/Type /Page\n")) + bytes.Count(pdf, []byte("/Type /Page ")) + bytes.Count(pdf, []byte("/Type /Page/"))
	if pages < 2 {
		t.Errorf("the printed plan has %d pages, want at least 2 (the test checks repetition across pages)", pages)
	}
	if err := os.WriteFile(filepath.Join(b.shots, "printed-plan.pdf"), pdf, 0o644); err != nil {
		t.Log(err)
	}
	t.Logf("printed plan: %d pages, %d bytes", pages, len(pdf))
}
