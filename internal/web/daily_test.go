package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/model"
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
		wantStatus(t, "new account", p, http.StatusOK)
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

var invitationRe = regexp.MustCompile(`https?://[^<"\s]+(/invitation/kdinv_[A-Za-z0-9_-]+)`)

// TestNewAccountGetsAnInvitationAndCanBeDisabledAndEnabled: where password
// sign-in is on and no SMTP is configured, a new account's one-time,
// expiring invitation link is shown to the main user once; it sets the
// password once. The main user disables the account (its session ends at
// once) and enables it again; every step is audited through the store.
func TestNewAccountGetsAnInvitationAndCanBeDisabledAndEnabled(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		m := e.signedIn(helsinkiMain)
		p := m.submit("/admin/staff", "/admin/staff", url.Values{"email": {"invited@helsinki.test"}, "name": {"Iida Kutsuttu"}, "organisation": {"municipality:091"}})
		wantStatus(t, "new account", p, http.StatusOK)
		mustContain(t, "new account", p.body, "Tunnus on luotu", "Anna henkilölle (invited@helsinki.test) tämä kutsulinkki", "Salasana asettamatta")
		link := invitationRe.FindStringSubmatch(p.body)
		if link == nil {
			t.Fatalf("no invitation link on the page:\n%s", p.body)
		}
		if again := m.get("/admin/staff").body; strings.Contains(again, link[1]) {
			t.Error("the invitation link is shown again")
		}

		anon := e.browser()
		f := anon.get(link[1])
		wantStatus(t, "invitation form", f, http.StatusOK)
		mustContain(t, "invitation form", f.body, "Tervetuloa, Iida Kutsuttu.", `autocomplete="new-password"`)
		p = anon.post(link[1], url.Values{"password": {"a-long-new-password"}, "password_again": {"another-password!"}})
		wantStatus(t, "different passwords", p, http.StatusUnprocessableEntity)
		mustContain(t, "different passwords", p.body, "Salasanat eivät ole samat.", `aria-invalid="true"`, `autofocus`)
		p = anon.post(link[1], url.Values{"password": {"short"}, "password_again": {"short"}})
		wantStatus(t, "short password", p, http.StatusUnprocessableEntity)
		mustContain(t, "short password", p.body, "vähintään 12 merkkiä")
		p = anon.post(link[1], url.Values{"password": {"a-long-new-password"}, "password_again": {"a-long-new-password"}})
		if p.status != http.StatusSeeOther || p.location != "/login?done=password_set" {
			t.Fatalf("setting the password: status %d, location %q", p.status, p.location)
		}
		mustContain(t, "sign-in page", anon.get(p.location).body, "Salasana on asetettu.")
		wantStatus(t, "the link used again", anon.get(link[1]), http.StatusNotFound)
		mustContain(t, "the link used again", anon.get(link[1]).body, "Linkki ei ole enää voimassa")

		invited := e.browser()
		if s := invited.post("/login", url.Values{"email": {"invited@helsinki.test"}, "password": {"a-long-new-password"}, "next": {"/"}}); s.status != http.StatusSeeOther {
			t.Fatalf("sign-in with the new password: status %d", s.status)
		}
		wantStatus(t, "invited person's account page", invited.get("/account"), http.StatusOK)

		id := idIn(t, `action="/admin/staff/(\d+)/disable"`, row(t, m.get("/admin/staff").body, "invited@helsinki.test"))
		p = m.submit("/admin/staff", "/admin/staff/"+id+"/disable", url.Values{})
		wantStatus(t, "disable", p, http.StatusOK)
		mustContain(t, "disable", p.body, "Tunnus on poistettu käytöstä.")
		mustContain(t, "disabled row", row(t, p.body, "invited@helsinki.test"), "Poistettu käytöstä", `action="/admin/staff/`+id+`/enable"`)
		if s := invited.get("/account"); s.status != http.StatusSeeOther {
			t.Errorf("a disabled account's session still works: status %d", s.status)
		}
		if s := e.browser().post("/login", url.Values{"email": {"invited@helsinki.test"}, "password": {"a-long-new-password"}, "next": {"/"}}); s.status != http.StatusUnauthorized {
			t.Errorf("a disabled account signs in: status %d", s.status)
		}
		p = m.submit("/admin/staff", "/admin/staff/"+id+"/enable", url.Values{})
		wantStatus(t, "enable", p, http.StatusOK)
		mustContain(t, "enabled row", row(t, p.body, "invited@helsinki.test"), "Käytössä", `action="/admin/staff/`+id+`/disable"`)
		invited.signInWith("invited@helsinki.test", "a-long-new-password")

		// Another municipality's main user reaches none of it.
		o := e.signedIn(espooMain)
		wantStatus(t, "Espoo disables a Helsinki account", o.submit("/admin/staff", "/admin/staff/"+id+"/disable", url.Values{}), http.StatusNotFound)
		// Nobody disables their own account from the list.
		mustNotContain(t, "own row", row(t, m.get("/admin/staff").body, helsinkiMain), "/disable")

		events, err := e.store.AuditEvents(context.Background(), store.OperatorActor(), store.AuditFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, ev := range events {
			seen[ev.Action+"/"+ev.Outcome]++
		}
		for _, want := range []string{"account.invite/allowed", "account.set_password/allowed", "account.disable/allowed", "account.enable/allowed", "account.disable/denied"} {
			if seen[want] == 0 {
				t.Errorf("no %s event (%v)", want, seen)
			}
		}
	})
}

// signInWith signs in with a password of one's own.
func (b *browser) signInWith(email, pw string) {
	b.e.t.Helper()
	if p := b.post("/login", url.Values{"email": {email}, "password": {pw}, "next": {"/"}}); p.status != http.StatusSeeOther {
		b.e.t.Fatalf("sign-in of %s: status %d", email, p.status)
	}
}

// TestIdentityProviderOnlyAccountsGetNoInvitation: with password sign-in
// off, a new account gets no invitation, the staff page says the person
// signs in through the identity provider, and so does the account page.
func TestIdentityProviderOnlyAccountsGetNoInvitation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnvWith(t, tg, store.Options{DisablePasswordSignIn: true})
		b := e.browser()
		token, _, err := e.store.SignInWithOIDC(context.Background(), "https://idp.test", "subject-1", helsinkiMain, true, store.RequestMeta{})
		if err != nil {
			t.Fatal(err)
		}
		b.c.Jar.SetCookies(mustURL(t, e.url), []*http.Cookie{{Name: "kotodigi_session", Value: token, Path: "/"}})
		mustContain(t, "account page", b.get("/account").body, "Kirjaudut organisaatiosi tunnistuspalvelun kautta.")
		p := b.submit("/admin/staff", "/admin/staff", url.Values{"email": {"idp@helsinki.test"}, "name": {"Ilkka Tunnistettu"}, "organisation": {"municipality:091"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("new account: status %d\n%s", p.status, p.body)
		}
		page := b.get(p.location).body
		mustContain(t, "after creating", page, "Henkilö kirjautuu organisaation tunnistuspalvelun kautta")
		mustNotContain(t, "after creating", page, "/invitation/", `/invite"`)
	})
}

// TestFrontPageIsAWorkingView: a worker's front page lists the deadlines
// due and overdue and the clients the worker recently handled (only those
// still readable); a main user's lists the municipality's open tasks.
func TestFrontPageIsAWorkingView(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		w := e.signedIn(helsinkiWorker)
		p := w.get("/")
		mustContain(t, "worker's empty front page", p.body, "Määräajat: erääntyneet ja lähestyvät", "Viimeksi käsittelemäsi asiakkaat",
			"Et ole kirjannut asiakkaille mitään", `href="/worklist"`)
		client := w.caseClient(971, "Rania", "Khalil", nil)
		// An assessment without a plan: the plan's preparation becomes due.
		wantStatus(t, "assessment", w.submit(client+"/assessments/new", client+"/assessments/new", e.assessmentForm()), http.StatusSeeOther)
		p = w.get("/")
		mustContain(t, "worker's front page", p.body, `<a href="`+client+`">Khalil, Rania</a>`, "Kotoutumissuunnitelman laatiminen", `href="`+client+`/plans/new"`)
		// A viewer who handled nothing sees no recent clients.
		mustContain(t, "viewer's front page", e.signedIn(helsinkiViewer).get("/").body, "Et ole kirjannut asiakkaille mitään")
		// Another municipality's worker never sees them.
		mustNotContain(t, "Espoo worker's front page", e.signedIn(espooWorker).get("/").body, "Khalil")

		m := e.signedIn(helsinkiMain)
		p = m.get("/")
		mustContain(t, "main user's front page", p.body, "Kunnan avoimet tehtävät", "Selvitettävät poikkeamat", "Pian päättyvät käyttöoikeudet", "Käyttämättömät tunnukset")
		mustNotContain(t, "main user's front page", p.body, "Määräajat: erääntyneet")
		until := time.Now().In(store.Finland).AddDate(0, 0, 10).Format(time.DateOnly)
		if _, err := e.store.CreateGrant(context.Background(), store.OperatorActor(), store.NewGrant{Email: helsinkiViewer, Municipality: "091", Role: "worker", Task: taskFi,
			ValidUntil: mustDate(t, until)}); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "main user's front page", m.get("/").body, "Ville Katselija", "voimassa "+formatFi(mustDateVal(t, until))+" asti")
	})
}

func mustDate(t *testing.T, s string) *model.Date {
	t.Helper()
	d := mustDateVal(t, s)
	return &d
}

func mustDateVal(t *testing.T, s string) model.Date {
	t.Helper()
	d, err := model.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
