package browsertest

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestMainUserDataRequest: a main user, from the front page by clicking,
// finds the municipality's client by identity code (never in a URL), opens
// "who has processed the data" and the printable report of everything
// stored, which is in the person's service language (Swedish here), names
// organisations and prints without the service's navigation.
func TestMainUserDataRequest(t *testing.T) {
	a := startApp(t)
	b := newBrowser(t, a)
	b.signIn("main@helsinki.demo")

	b.follow("data requests", 200, click(`nav a[href="/admin/clients"]`))
	b.step("typing an identity code", typeInto("#query", a.seeded.IdentityCode))
	b.follow("client found", 200, click(`form[role="search"] button[type="submit"]`))
	if got := eval[string](b, `document.querySelector("#result-title ~ dl").innerText`); !strings.Contains(got, "Öberg, Zoë") {
		t.Fatalf("the client found: %q", got)
	}
	b.follow("who has processed the data", 200, click(`#result-title ~ .actions a[href$="/accesses"]`))
	if n := eval[int](b, `document.querySelectorAll("tbody tr").length`); n == 0 {
		t.Error("the accesses page lists nothing")
	}

	b.follow("data requests again", 200, click(`nav a[href="/admin/clients"]`))
	b.step("typing the identity code again", typeInto("#query", a.seeded.IdentityCode))
	b.follow("client found again", 200, click(`form[role="search"] button[type="submit"]`))
	b.follow("printable report", 200, click(`#result-title ~ .actions a[href$="/subject-access-report"]`))
	if lang := eval[string](b, `document.querySelector("article.print-doc").lang`); lang != "sv" {
		t.Errorf("the report is in %q, want the client's service language sv", lang)
	}
	if h1 := eval[string](b, `document.querySelector("article h1").innerText`); h1 != msg("sv", "sar.title") {
		t.Errorf("report heading %q", h1)
	}
	orgs := eval[string](b, `document.querySelector("#doc-accesses").parentElement.innerText`)
	if !strings.Contains(orgs, "Helsingfors (091)") || strings.Contains(orgs, "@") || strings.Contains(orgs, "Helmi") {
		t.Errorf("the accesses of the report must name organisations, not people: %q", orgs)
	}

	setMedia := func(media string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
			return err
		})
	}
	b.step("emulating print media", setMedia("print"))
	printed := eval[map[string]string](b, `Object.fromEntries(["nav.main-nav", ".print-note", "article.print-doc"]
		.map(s => [s, getComputedStyle(document.querySelector(s)).display]))`)
	b.screenshot("report printed")
	if printed["nav.main-nav"] != "none" || printed[".print-note"] != "none" || printed["article.print-doc"] == "none" {
		t.Errorf("printed report: %v", printed)
	}
	b.step("back to screen media", setMedia(""))
	b.step("390 px wide", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 390, Height: 844, DeviceScaleFactor: 1, Mobile: true})
		return err
	}))
	b.screenshot("report 390 px")
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("at 390 px the report is %d px wide", w)
	}

	// A legal hold from the lookup's result, set and cleared (at 390 px).
	b.follow("data requests for a legal hold", 200, click(`nav a[href="/admin/clients"]`))
	b.step("typing the identity code for the hold", typeInto("#query", a.seeded.IdentityCode))
	b.follow("client found for the hold", 200, click(`form[role="search"] button[type="submit"]`))
	b.follow("legal hold", 200, click(`#result-title ~ .actions a[href$="/legal-hold"]`))
	b.step("typing the reason", chromedp.SendKeys(chromedp.CSS("#reason"), "Valitus, dnro 123/2026")) // empty: nothing to clear
	b.follow("hold set", 200, click(`form[action$="/legal-hold"] button[type="submit"]`))
	if got := eval[string](b, `document.querySelector("main").innerText`); !strings.Contains(got, msg("fi", "hold.done_set")) || !strings.Contains(got, "Valitus, dnro 123/2026") {
		t.Errorf("after setting the hold: %q", got)
	}
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("at 390 px the legal hold page is %d px wide", w)
	}
	b.follow("hold cleared", 200, click(`form[action$="/legal-hold/clear"] button[type="submit"]`))
	if got := eval[string](b, `document.querySelector("main").innerText`); !strings.Contains(got, msg("fi", "hold.done_cleared")) {
		t.Errorf("after clearing the hold: %q", got)
	}

	for _, u := range b.requestedURLs() {
		plain, _ := url.QueryUnescape(u)
		if strings.Contains(strings.ToUpper(plain), a.seeded.IdentityCode) {
			t.Errorf("address %s holds the identity code", u)
		}
	}
}
