package browsertest

import (
	"strings"
	"testing"

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
