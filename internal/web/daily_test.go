package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestEveryAuditedActionHasALabel: no page shows an internal action code
// (client.read, timeline.read, ...): every audited action is named in each
// language.
func TestEveryAuditedActionHasALabel(t *testing.T) {
	cat := locale.MustLoad()
	for _, lang := range locale.Languages {
		keys := map[string]bool{}
		for _, k := range cat.Keys(lang) {
			keys[k] = true
		}
		for _, a := range authz.Audited() {
			if !keys["audit_action."+string(a)] {
				t.Errorf("%s: no label for the audited action %s (audit_action.%s)", lang, a, a)
			}
		}
	}
}

// TestLogAndAccessPagesNameActionsAndPeople: the log page and the "who has
// seen" page show translated actions and people's names with their address as
// secondary text; the log search offers the actions as a choice list.
func TestLogAndAccessPagesNameActionsAndPeople(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		w := e.signedIn(helsinkiWorker)
		path := w.register(clientForm(identityCode(966), "Leila", "Haddad"))
		wantStatus(t, "timeline", w.get(path), http.StatusOK)

		mon := e.signedIn(logMonitor)
		p := mon.get("/monitoring/audit")
		wantStatus(t, "audit page", p, http.StatusOK)
		mustContain(t, "audit page", p.body, `<select id="action" name="action"`, `<option value="timeline.read">Asiakkaan aikajanan katselu</option>`,
			`<option value="client.search">Asiakashaku</option>`)
		mustNotContain(t, "audit page", p.body, `list="audit-actions"`, ">timeline.read<", ">client.read<")
		person := `Helmi Työntekijä<span class="subline email">` + helsinkiWorker + `</span>`
		mustContain(t, "audit page's registration", row(t, p.body, "<td>Asiakkaan rekisteröinti</td>"), person)

		p = mon.submit("/monitoring/audit", "/monitoring/audit", url.Values{"action": {"client.read"}})
		wantStatus(t, "audit search by action", p, http.StatusOK)
		mustContain(t, "audit search by action", p.body, `<option value="client.read" selected>`, "<td>Asiakkaan tietojen katselu</td>")
		mustNotContain(t, "audit search by action", p.body, "<td>Asiakkaan rekisteröinti</td>")
		p = mon.submit("/monitoring/audit", "/monitoring/audit", url.Values{"action": {"no.such"}})
		wantStatus(t, "audit search by an unknown action", p, http.StatusUnprocessableEntity)
		mustContain(t, "audit search by an unknown action", p.body, `href="#action"`)

		if _, err := e.store.CreateGrant(context.Background(), store.OperatorActor(),
			store.NewGrant{Email: helsinkiMain, Municipality: "091", Role: "viewer", Task: taskFi}); err != nil {
			t.Fatal(err)
		}
		m := e.signedIn(helsinkiMain)
		p = m.get(path + "/accesses")
		wantStatus(t, "accesses page", p, http.StatusOK)
		mustContain(t, "accesses page", row(t, p.body, "<td>Asiakkaan tietojen katselu</td>"), person)
		mustNotContain(t, "accesses page", p.body, ">timeline.read<", ">client.read<")
	})
}

// TestGrantsAndHistoryNameWhoDidIt: "granted by" and the client's change
// history name the person, with the address as secondary text.
func TestGrantsAndHistoryNameWhoDidIt(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		m := e.signedIn(helsinkiMain)
		p := m.submit("/admin/staff", "/admin/staff", url.Values{"email": {"new@helsinki.test"}, "name": {"Niina Uusi"}, "organisation": {"municipality:091"}})
		wantStatus(t, "new account", p, http.StatusSeeOther)
		p = m.submit("/admin/grants", "/admin/grants", url.Values{"email": {"new@helsinki.test"}, "role": {"worker"}, "task": {taskFi}, "valid_until": {""}})
		wantStatus(t, "new grant", p, http.StatusSeeOther)
		mustContain(t, "granted by", row(t, m.get("/admin/grants").body, "new@helsinki.test"), `Hanna Pääkäyttäjä<span class="subline email">`+helsinkiMain+`</span>`)

		w := e.signedIn(helsinkiWorker)
		path := w.register(clientForm(identityCode(967), "Samir", "Aziz"))
		f := clientForm(identityCode(967), "Samir", "Aziz")
		f.Set("last_name", "Aziz-Karimi")
		f.Set("csrf_token", w.csrf(path+"/edit"))
		wantStatus(t, "edit", w.post(path+"/edit", f), http.StatusSeeOther)
		mustContain(t, "change history", row(t, w.get(path).body, "<td>Aziz-Karimi</td>"), `Helmi Työntekijä<span class="subline email">`+helsinkiWorker+`</span>`)
	})
}

// TestPhoneNumberIsShownGrouped: "+358 40 123 4567" is stored without spaces
// and shown grouped again, on the client page and in the edit form.
func TestPhoneNumberIsShownGrouped(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		w := newEnv(t, tg).signedIn(helsinkiWorker)
		path := w.register(clientForm(identityCode(968), "Mina", "Rahimi"))
		mustContain(t, "client page", w.get(path).body, "+358 40 1234567")
		mustNotContain(t, "client page", w.get(path).body, "+358401234567")
		mustContain(t, "edit form", w.get(path+"/edit").body, `value="+358 40 1234567"`)
	})
}

// TestEmployerChoicesHaveNoDoubledBrackets: "Helsinki (091) (kunta)" read
// badly; the kind of organisation follows a dash.
func TestEmployerChoicesHaveNoDoubledBrackets(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		p := newAdminEnv(t, tg).signedIn(helsinkiMain).get("/admin/staff")
		wantStatus(t, "staff page", p, http.StatusOK)
		mustContain(t, "staff page", p.body, "Helsinki (091) – kunta")
		if m := regexp.MustCompile(`\([^()<]*\) \([^()<]*\)`).FindString(p.body); m != "" {
			t.Errorf("doubled brackets on the staff page: %q", m)
		}
		if strings.Contains(p.body, "(kunta)") {
			t.Error("the staff page still says (kunta)")
		}
	})
}

// TestDuplicateRegistrationMarksTheIdentifierAndSaysWhatToDo: another
// municipality's worker registering the same person gets the error at the
// identity code field too, and is told whose client it is and what to do.
func TestDuplicateRegistrationMarksTheIdentifierAndSaysWhatToDo(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		pic := identityCode(969)
		e.signedIn(helsinkiWorker).register(clientForm(pic, "Aziz", "Rahman"))
		b := e.signedIn(espooWorker)
		f := clientForm(pic, "Aziz", "Rahman")
		f.Set("municipality", "049")
		f.Set("csrf_token", b.csrf("/clients/new"))
		p := b.post("/clients/new", f)
		wantStatus(t, "duplicate", p, http.StatusConflict)
		field := regexp.MustCompile(`<input[^>]*id="personal_identity_code"[^>]*>`).FindString(p.body)
		if !strings.Contains(field, `aria-invalid="true"`) || !strings.Contains(field, "personal_identity_code-error") {
			t.Errorf("the identity code field does not carry the error: %s", field)
		}
		mustContain(t, "duplicate", p.body, `id="personal_identity_code-error"`, "Tällä tunnuksella on jo asiakas kansallisessa asiakasrekisterissä.",
			`<a href="#personal_identity_code">Henkilö on jo rekisteröity`, "Asiakas kuuluu kunnalle Helsinki (091). Ota yhteyttä", "siirtämään asiakas teille")
	})
}

// TestAccessibilityStatement: the statement (Act 306/2019) is public, in
// each language, says what was tested and how, the known gaps, how to give
// feedback and the supervising authority; every page's footer links it.
func TestAccessibilityStatement(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		b := e.browser()
		for lang, wants := range map[string][]string{
			"fi": {"<title>Saavutettavuusseloste – Koto-digi</title>", "306/2019", "axe-core", "Näppäimistöllä", "1280 ja 390", "Tunnetut puutteet", "Palaute", "Traficom", "saavutettavuusvaatimukset.fi"},
			"sv": {"<title>Tillgänglighetsutlåtande – Koto-digi</title>", "306/2019", "axe-core", "Kända brister", "Traficom"},
			"en": {"<title>Accessibility statement – Koto-digi</title>", "306/2019", "axe-core", "Known gaps", "Supervising authority", "Traficom"},
		} {
			b.post("/language", url.Values{"lang": {lang}, "next": {"/accessibility"}})
			p := b.get("/accessibility")
			wantStatus(t, "statement ("+lang+")", p, http.StatusOK)
			mustContain(t, "statement ("+lang+")", p.body, append(wants, `<html lang="`+lang+`">`)...)
		}
		b.post("/language", url.Values{"lang": {"fi"}, "next": {"/"}})
		mustContain(t, "sign-in page", b.get("/login").body, `<a href="/accessibility">Saavutettavuusseloste</a>`)
		b.signIn(helsinkiWorker)
		for _, path := range []string{"/", "/clients", "/clients/new", "/worklist", "/account", "/no-such-page"} {
			mustContain(t, path, b.get(path).body, `<footer`, `<a href="/accessibility">Saavutettavuusseloste</a>`)
		}
	})
}
