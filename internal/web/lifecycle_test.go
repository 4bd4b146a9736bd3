package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

var fi = func(key string, args ...any) string { return locale.MustLoad().T("fi", key, args...) }

// errorAt is the error message shown at the input with the id ("" if none).
func errorAt(body, id string) string {
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `-error"[^>]*>(?:<span[^>]*>[^<]*</span>)?([^<]*)`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}

// TestCorrectionsThroughTheForms: a worker corrects an assessment and a
// service on their correction forms (the reason is required, at its field),
// sees the earlier version with the record, marks a service as entered in
// error; a viewer may not correct.
func TestCorrectionsThroughTheForms(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		b := e.browser()
		b.signIn(helsinkiWorker)
		client := b.caseClient(981, "Samir", "Haddad", nil)
		assessment, service := b.recordAssessmentAndService(client)

		form := b.get(assessment + "/edit")
		if form.status != 200 || !strings.Contains(form.body, `id="correction_reason"`) || !strings.Contains(form.body, `value="`+e.today(0, 0, 0)+`"`) {
			t.Fatalf("correction form: %d\n%s", form.status, form.body)
		}
		f := e.assessmentForm()
		f.Set("date", e.today(0, 0, -1))
		p := b.submit(assessment+"/edit", assessment+"/edit", f)
		if p.status != http.StatusUnprocessableEntity || errorAt(p.body, "correction_reason") != fi("field.required") {
			t.Fatalf("without a reason: %d %q", p.status, errorAt(p.body, "correction_reason"))
		}
		if !strings.Contains(p.body, `value="`+e.today(0, 0, -1)+`"`) {
			t.Error("the typed date was not kept")
		}
		f.Set("correction_reason", "Päivämäärä kirjattu väärin")
		p = b.submit(assessment+"/edit", assessment+"/edit", f)
		if p.status != http.StatusSeeOther || p.location != assessment+"?done=corrected" {
			t.Fatalf("correction: %d %q\n%s", p.status, p.location, p.body)
		}
		page := b.get(assessment + "?done=corrected").body
		for _, want := range []string{fi("correction.done"), fi("versions.heading"), "Päivämäärä kirjattu väärin", helsinkiWorker,
			fi("label.assessment.date")} {
			if !strings.Contains(page, want) {
				t.Errorf("assessment page lacks %q", want)
			}
		}

		// A service's attendance afterwards; a final test only for integration training.
		sf := e.serviceForm("language_course")
		sf.Set("attendance", "attended")
		sf.Set("final_language_test.level", "B1")
		sf.Set("correction_reason", "Kurssi päättyi")
		p = b.submit(service+"/edit", service+"/edit", sf)
		if p.status != http.StatusUnprocessableEntity || errorAt(p.body, "final_language_test-level") != fi("case.language_test_not_allowed") {
			t.Fatalf("final test of a language course: %d %q", p.status, errorAt(p.body, "final_language_test-level"))
		}
		sf.Del("final_language_test.level")
		if p = b.submit(service+"/edit", service+"/edit", sf); p.status != http.StatusSeeOther {
			t.Fatalf("attendance afterwards: %d\n%s", p.status, p.body)
		}
		if page := b.get(service).body; !strings.Contains(page, fi("attendance.attended")) || !strings.Contains(page, "Kurssi päättyi") {
			t.Error("the service page does not show the attendance and the correction")
		}
		sf.Set("entered_in_error", "true")
		sf.Set("correction_reason", "Väärälle asiakkaalle")
		if p = b.submit(service+"/edit", service+"/edit", sf); p.status != http.StatusSeeOther {
			t.Fatalf("entered in error: %d\n%s", p.status, p.body)
		}
		if page := b.get(service).body; !strings.Contains(page, fi("correction.entered_in_error_notice")) {
			t.Error("the service page does not say entered in error")
		}
		if page := b.get(client).body; !strings.Contains(page, fi("correction.entered_in_error_tag")) {
			t.Error("the timeline does not mark the service")
		}

		v := e.browser()
		v.signIn(helsinkiViewer)
		if p := v.get(assessment + "/edit"); p.status != http.StatusForbidden {
			t.Errorf("viewer's correction form: %d", p.status)
		}
		if p := v.get(assessment); strings.Contains(p.body, assessment+"/edit") {
			t.Error("the viewer is offered a correction")
		}
	})
}

// TestClosingAndResponsibleWorkersThroughTheForms: a worker closes a client
// (errors at the fields), the new-record forms refuse it with a clear
// message, the worker reopens it; a main user sees a client whose worker
// lost access and assigns another worker.
func TestClosingAndResponsibleWorkersThroughTheForms(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		ctx := context.Background()
		b := e.browser()
		b.signIn(helsinkiWorker)
		client := b.caseClient(982, "Leyla", "Karimi", nil)
		p := b.submit(client+"/close", client+"/close", url.Values{"reason": {""}, "date": {e.today(0, 0, 1)}})
		if p.status != http.StatusUnprocessableEntity || errorAt(p.body, "date") != fi("field.date_in_future") {
			t.Fatalf("closing with a future date: %d %q", p.status, errorAt(p.body, "date"))
		}
		if !strings.Contains(p.body, `href="#reason`) {
			t.Error("the missing reason is not in the error summary")
		}
		p = b.submit(client+"/close", client+"/close", url.Values{"reason": {"moved_abroad"}, "date": {e.today(0, 0, 0)}})
		if p.status != http.StatusSeeOther || p.location != client+"?done=closed" {
			t.Fatalf("closing: %d %q\n%s", p.status, p.location, p.body)
		}
		page := b.get(client).body
		if !strings.Contains(page, fi("closure_reason.moved_abroad")) || strings.Contains(page, client+"/assessments/new") {
			t.Error("the closed client's page")
		}
		// A form opened before the closing is refused with a clear message.
		p = b.submit(client, client+"/services/new", e.serviceForm("language_course"))
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, fi("error.client_closed")) {
			t.Fatalf("a service for a closed client: %d", p.status)
		}
		if p = b.submit(client, client+"/reopen", url.Values{}); p.status != http.StatusSeeOther || p.location != client+"?done=reopened" {
			t.Fatalf("reopening: %d %q", p.status, p.location)
		}

		// A main user; the registering worker loses access.
		op := store.OperatorActor()
		if _, err := e.store.CreateAccount(ctx, op, store.NewAccount{Email: "main@helsinki.test", Name: "Paula Pääkäyttäjä",
			OrganisationID: "municipality:091", Roles: []authz.Role{authz.MainUser}, Password: password}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.CreateAccount(ctx, op, store.NewAccount{Email: "worker2@helsinki.test", Name: "Wilma Toinen",
			OrganisationID: "municipality:091", Password: password}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.CreateGrant(ctx, op, store.NewGrant{Email: "worker2@helsinki.test", Municipality: "091", Role: "worker", Task: grantTask}); err != nil {
			t.Fatal(err)
		}
		m := e.browser()
		m.signIn("main@helsinki.test")
		if list := m.get("/admin/responsible").body; strings.Contains(list, "Karimi") {
			t.Fatal("a client with a responsible worker is listed")
		}
		id, _ := e.store.AccountIDByEmail(ctx, helsinkiWorker)
		pr, _ := e.store.PrincipalByAccountID(ctx, id)
		if err := e.store.RevokeGrant(ctx, op, pr.Grants[0].ID); err != nil {
			t.Fatal(err)
		}
		list := m.get("/admin/responsible").body
		if !strings.Contains(list, "Karimi, Leyla") || !strings.Contains(list, fi("client.responsible_no_access", "Helmi Työntekijä")) {
			t.Fatalf("the list:\n%s", list)
		}
		target := "/admin/responsible/" + strings.TrimPrefix(client, "/clients/")
		if p := m.submit(target, target, url.Values{}); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, fi("responsible.choose_one")) {
			t.Fatalf("nothing chosen: %d", p.status)
		}
		w2, _ := e.store.AccountIDByEmail(ctx, "worker2@helsinki.test")
		if p := m.submit(target, target, url.Values{"account_ids": {strconv.FormatInt(w2, 10)}}); p.status != http.StatusSeeOther {
			t.Fatalf("assigning: %d\n%s", p.status, p.body)
		}
		if list := m.get("/admin/responsible").body; strings.Contains(list, "Karimi") {
			t.Error("the client is still listed")
		}
		b2 := e.browser()
		b2.signIn("worker2@helsinki.test")
		if page := b2.get(client).body; !strings.Contains(page, "Wilma Toinen") {
			t.Error("the client page does not name the new responsible worker")
		}
		if p := b2.get("/admin/responsible"); p.status != http.StatusForbidden {
			t.Errorf("a worker opens the main user's page: %d", p.status)
		}
	})
}
