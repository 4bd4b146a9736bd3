package browsertest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
)

// actorOf is the store actor of a demo account.
func (a *app) actorOf(t *testing.T, email string) store.Actor {
	t.Helper()
	ctx := context.Background()
	id, err := a.st.AccountIDByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.st.PrincipalByAccountID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return store.Actor{Principal: p, Meta: store.RequestMeta{RequestID: "browsertest"}}
}

// openSeededClient signs in as a Helsinki worker and opens the seeded client
// from the front page by searching.
func openSeededClient(t *testing.T, b *browser) {
	t.Helper()
	b.signIn("worker@helsinki.demo")
	b.follow("search form", 200, click(`nav a[href="/clients"]`))
	b.step("typing a name", typeInto("#query", "oberg"))
	b.follow("search results", 200, click(`form[role="search"] button[type="submit"]`))
	b.follow("client page", 200, click(`#results-title ~ .table-wrap tbody a`))
}

// TestCorrectAnAssessment: a worker opens an assessment from the client's
// timeline, corrects its date; without a reason the form refuses at the
// reason's field, with it the assessment page shows the correction and the
// earlier version (who, why, what changed).
func TestCorrectAnAssessment(t *testing.T) {
	a := startApp(t)
	ctx := context.Background()
	w := a.actorOf(t, "worker@helsinki.demo")
	found, err := a.st.SearchClients(ctx, w, "oberg")
	if err != nil || len(found) != 1 {
		t.Fatalf("seeded client: %v %v", found, err)
	}
	date := a.st.Today().AddDate(0, 0, -3).String()
	if _, err := a.st.CreateAssessment(ctx, w, found[0].ID, model.AssessmentInput{Date: &date, Content: &model.AssessmentContent{ServiceNeeds: "Suomen kieli"},
		Preparers: []model.Preparer{{Name: "Helmi Työntekijä", Contact: "helmi@example.invalid"}}, Sources: []string{"client"}}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, a)
	openSeededClient(t, b)
	b.follow("assessment page", 200, click(`section[aria-labelledby="case-title"] table a[href*="/assessments/"]`))
	if n := eval[string](b, `document.querySelector("section[aria-labelledby='versions-title']")?.innerText ?? ""`); !strings.Contains(n, msg("fi", "versions.none")) {
		t.Errorf("an uncorrected assessment's versions: %q", n)
	}
	b.follow("correction form", 200, click(`a[href$="/edit"]`))
	corrected := a.st.Today().AddDate(0, 0, -4)
	b.step("changing the date", chromedp.SetValue(chromedp.CSS("#date"), corrected.String()))
	b.follow("correction refused without a reason", 422, click(`main form.form button[type="submit"]`))
	got := eval[map[string]any](b, `(() => {
		const f = document.getElementById("correction_reason");
		const err = document.getElementById("correction_reason-error");
		return {errorText: err?.innerText ?? "", besideField: !!err && f.closest(".field") === err.closest(".field"),
			invalid: f.getAttribute("aria-invalid"), date: document.getElementById("date").value,
			summary: !!document.querySelector('.error-summary a[href="#correction_reason"]')};
	})()`)
	if got["errorText"] == "" || got["besideField"] != true || got["invalid"] != "true" || got["summary"] != true {
		t.Errorf("the missing reason is not shown at its field: %v", got)
	}
	if got["date"] != corrected.String() {
		t.Errorf("the typed date was not kept: %v", got["date"])
	}
	reason := "Päivämäärä kirjattu väärin"
	b.step("typing the reason", chromedp.SendKeys(chromedp.CSS("#correction_reason"), reason))
	b.follow("assessment page after the correction", 200, click(`main form.form button[type="submit"]`))
	page := eval[map[string]string](b, `({notice: document.querySelector('.notice[role="status"]')?.innerText ?? "",
		versions: document.querySelector("section[aria-labelledby='versions-title']")?.innerText ?? "",
		details: document.querySelector("dl.details").innerText})`)
	if page["notice"] != msg("fi", "correction.done") {
		t.Errorf("confirmation %q", page["notice"])
	}
	for _, want := range []string{reason, "worker@helsinki.demo", msg("fi", "label.assessment.date")} {
		if !strings.Contains(page["versions"], want) {
			t.Errorf("the versions lack %q:\n%s", want, page["versions"])
		}
	}
	if !strings.Contains(page["details"], formatFinnish(corrected)) {
		t.Errorf("the assessment does not show the corrected date %s:\n%s", formatFinnish(corrected), page["details"])
	}
}

// formatFinnish is a date as the Finnish pages show it (1.2.2026).
func formatFinnish(d model.Date) string {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Format("2.1.2006")
}

// TestCloseAndReopenAClient: a worker closes a client from the client page
// (a future date is refused at its field), sees it closed without the
// buttons to record anything, and reopens it.
func TestCloseAndReopenAClient(t *testing.T) {
	a := startApp(t)
	b := newBrowser(t, a)
	openSeededClient(t, b)
	b.follow("closing form", 200, click(`a[href$="/close"]`))
	b.step("choosing the reason and a future date",
		click(`#reason-moved_abroad`),
		chromedp.SetValue(chromedp.CSS("#date"), a.st.Today().AddDate(0, 0, 5).String()))
	b.follow("closing refused (future date)", 422, click(`main form.form button[type="submit"]`))
	if e := eval[string](b, `document.getElementById("date-error")?.innerText ?? ""`); !strings.Contains(e, msg("fi", "field.date_in_future")) {
		t.Errorf("date error %q", e)
	}
	if c := eval[bool](b, `document.getElementById("reason-moved_abroad").checked`); !c {
		t.Error("the chosen reason was not kept")
	}
	b.step("today's date", chromedp.SetValue(chromedp.CSS("#date"), a.st.Today().String()))
	b.follow("client page after closing", 200, click(`main form.form button[type="submit"]`))
	page := eval[map[string]any](b, `({notice: document.querySelector('.notice[role="status"]')?.innerText ?? "",
		closed: document.querySelector('.notice[role="note"]')?.innerText ?? "",
		record: !!document.querySelector('a[href$="/assessments/new"]')})`)
	if page["notice"] != msg("fi", "client.done_closed") || !strings.Contains(page["closed"].(string), msg("fi", "closure_reason.moved_abroad")) {
		t.Errorf("closed client page: %v", page)
	}
	if page["record"] == true {
		t.Error("a closed client can still be given an assessment")
	}
	// Search results show the client as closed.
	b.follow("search form", 200, click(`nav a[href="/clients"]`))
	b.step("typing a name", typeInto("#query", "oberg"))
	b.follow("search results", 200, click(`form[role="search"] button[type="submit"]`))
	if row := eval[string](b, `document.querySelector("#results-title ~ .table-wrap tbody tr").innerText`); !strings.Contains(row, msg("fi", "search.closed")) {
		t.Errorf("search result %q is not marked closed", row)
	}
	b.follow("client page", 200, click(`#results-title ~ .table-wrap tbody a`))
	b.follow("client page after reopening", 200, click(`form[action$="/reopen"] button`))
	page = eval[map[string]any](b, `({notice: document.querySelector('.notice[role="status"]')?.innerText ?? "",
		record: !!document.querySelector('a[href$="/assessments/new"]'),
		history: document.querySelector("section[aria-labelledby='history-title']").innerText})`)
	if page["notice"] != msg("fi", "client.done_reopened") || page["record"] != true {
		t.Errorf("reopened client page: %v", page)
	}
	if !strings.Contains(page["history"].(string), msg("fi", "label.closed")) {
		t.Errorf("the history does not show the closing:\n%s", page["history"])
	}
}

// TestReassignResponsibleWorker: a client is transferred to Helsinki; its
// main user is told on the front page, opens the list by clicking, and
// makes a Helsinki worker responsible; the client leaves the list.
func TestReassignResponsibleWorker(t *testing.T) {
	a := startApp(t)
	ctx := context.Background()
	espoo := a.actorOf(t, "worker@espoo.demo")
	until := a.st.Today().AddDate(2, 0, 0)
	code := model.SyntheticIdentityCode(time.Date(1991, time.May, 17, 0, 0, 0, 0, time.UTC), 961)
	c, err := a.st.RegisterClient(ctx, espoo, model.ClientFields{Municipality: "049", PersonalIdentityCode: &code, FirstNames: "Nuur",
		LastName: "Siirtolainen", ResidenceBasis: &model.ResidenceBasis{Type: "residence_permit", ValidUntil: &until}, ServiceLanguage: "fi"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.TransferClient(ctx, espoo, c.ID, model.TransferInput{Municipality: "091", Reason: "Muutti Helsinkiin"}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, a)
	b.signIn("main@helsinki.demo")
	if n := eval[string](b, `document.querySelector('main .notice[role="status"]')?.innerText ?? ""`); !strings.Contains(n, msg("fi", "home.transfers_in_link")) {
		t.Fatalf("the front page does not tell of the transfer: %q", n)
	}
	b.follow("clients needing a responsible worker", 200, click(`main .notice a[href="/admin/responsible"]`))
	rows := eval[[]string](b, `[...document.querySelectorAll("main tbody tr")].map(r => r.innerText)`)
	if len(rows) == 0 || !strings.Contains(strings.Join(rows, "\n"), "Siirtolainen, Nuur") {
		t.Fatalf("list: %q", rows)
	}
	b.follow("a client's responsible workers", 200, click(`main tbody a[href="/admin/responsible/`+c.ID+`"]`))
	b.follow("nothing chosen", 422, click(`main form.form button[type="submit"]`))
	if e := eval[string](b, `document.getElementById("account-ids-error")?.innerText ?? ""`); !strings.Contains(e, msg("fi", "responsible.choose_one")) {
		t.Errorf("error %q", e)
	}
	b.step("choosing Helmi", click(`main input[name="account_ids"]`))
	b.follow("list after assigning", 200, click(`main form.form button[type="submit"]`))
	if n := eval[string](b, `document.querySelector('.notice[role="status"]')?.innerText ?? ""`); n != msg("fi", "responsible.done") {
		t.Errorf("confirmation %q", n)
	}
	if body := eval[string](b, `document.querySelector("main").innerText`); strings.Contains(body, "Siirtolainen") {
		t.Errorf("the client is still listed:\n%s", body)
	}
	b.follow("front page", 200, click(`nav a[href="/"]`))
	if n := eval[int](b, `document.querySelectorAll('main .notice a[href="/admin/responsible"]').length`); n != 0 {
		t.Error("the front page still tells of the transfer")
	}
}
