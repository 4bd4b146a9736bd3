package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/monitoring"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// Administrative accounts of the test environment.
const (
	helsinkiMain = "main@helsinki.test"
	espooMain    = "main@espoo.test"
	kehaAdmin    = "admin@keha.test"
	logMonitor   = "monitor@keha.test"
	taskFi       = "Osaamisen ja kotoutumisen palvelutarpeen arviointi (14 §)"
)

// newAdminEnv is newEnv with main users of Helsinki and Espoo, a KEHA admin
// and a log monitor.
func newAdminEnv(t *testing.T, tg testdb.Target) *env {
	t.Helper()
	return newAdminEnvWith(t, tg, store.Options{})
}

func newAdminEnvWith(t *testing.T, tg testdb.Target, opts store.Options) *env {
	t.Helper()
	e := newEnvWith(t, tg, opts)
	for _, a := range []struct {
		email, name, org string
		role             authz.Role
	}{
		{helsinkiMain, "Hanna Pääkäyttäjä", "municipality:091", authz.MainUser},
		{espooMain, "Eero Pääkäyttäjä", "municipality:049", authz.MainUser},
		{kehaAdmin, "Kaisa Ylläpitäjä", "keha", authz.KehaAdmin},
		{logMonitor, "Lauri Lokivalvoja", "keha", authz.LogMonitor},
	} {
		if _, err := e.store.CreateAccount(context.Background(), store.OperatorActor(),
			store.NewAccount{Email: a.email, Name: a.name, OrganisationID: a.org, Roles: []authz.Role{a.role}, Password: password}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// signedIn is a new browser signed in as email.
func (e *env) signedIn(email string) *browser {
	e.t.Helper()
	b := e.browser()
	b.signIn(email)
	return b
}

// submit posts form to path with the CSRF token read from the page at from.
func (b *browser) submit(from, path string, form url.Values) page {
	b.e.t.Helper()
	form.Set("csrf_token", b.csrf(from))
	return b.post(path, form)
}

// row returns the table row of body that contains all of wants.
func row(t *testing.T, body string, wants ...string) string {
	t.Helper()
	for _, r := range strings.Split(body, "<tr") {
		ok := true
		for _, w := range wants {
			ok = ok && strings.Contains(r, w)
		}
		if ok {
			return r
		}
	}
	t.Fatalf("no row with %q", wants)
	return ""
}

// idIn finds the first submatch of pattern in s.
func idIn(t *testing.T, pattern, s string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("%s not found in %s", pattern, s)
	}
	return m[1]
}

func wantStatus(t *testing.T, what string, p page, status int) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: status %d, want %d (location %q)\n%s", what, p.status, status, p.location, p.body)
	}
}

func TestMainUserCreatesAccountAndGrantsAccess(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		m := e.signedIn(helsinkiMain)
		staff := m.get("/admin/staff")
		wantStatus(t, "staff page", staff, http.StatusOK)
		mustContain(t, "staff page", staff.body, "<title>Henkilöstön tunnukset – Koto-digi</title>", helsinkiWorker, "Helmi Työntekijä",
			`value="municipality:091" checked`, `value="wellbeing_county:90"`, `href="/admin/staff" aria-current="page"`)
		mustNotContain(t, "staff page", staff.body, espooWorker)

		// A missing name is shown next to its field, with the e-mail kept.
		newEmail := "uuno.uusi@helsinki.test"
		p := m.submit("/admin/staff", "/admin/staff", url.Values{"email": {newEmail}, "organisation": {"municipality:091"}})
		wantStatus(t, "account without a name", p, http.StatusUnprocessableEntity)
		mustContain(t, "account without a name", p.body, `role="alert"`, `<a href="#name">Nimi: Pakollinen tieto.</a>`, `value="`+newEmail+`"`,
			"<title>Virhe: Henkilöstön tunnukset – Koto-digi</title>")
		p = m.submit("/admin/staff", "/admin/staff", url.Values{"email": {newEmail}, "name": {"Uuno Uusi"}, "organisation": {"municipality:091"}})
		// Shown at once (not redirected): the invitation link is shown this once.
		wantStatus(t, "create account", p, http.StatusOK)
		mustContain(t, "staff page after creation", p.body, "Tunnus on luotu.", "/invitation/kdinv_", "Uuno Uusi", newEmail)
		p = m.submit("/admin/staff", "/admin/staff", url.Values{"email": {newEmail}, "name": {"Uuno Toinen"}, "organisation": {"municipality:091"}})
		wantStatus(t, "same e-mail again", p, http.StatusConflict)
		mustContain(t, "same e-mail again", p.body, "Tällä sähköpostiosoitteella on jo tunnus.")
		if err := e.store.SetPassword(context.Background(), newEmail, password); err != nil {
			t.Fatal(err)
		}

		grants := m.get("/admin/grants")
		mustContain(t, "grants page", grants.body, `<datalist id="statutory-tasks">`, `<option value="`+taskFi+`">`,
			`<option value="Monikielinen yhteiskuntaorientaatio (24 §)">`, `list="statutory-tasks"`, `<option value="`+newEmail+`">Uuno Uusi</option>`)
		// Espoo's staff cannot get Helsinki's grant.
		p = m.submit("/admin/grants", "/admin/grants", url.Values{"email": {espooWorker}, "role": {"worker"}, "task": {taskFi}})
		wantStatus(t, "grant to another municipality's worker", p, http.StatusUnprocessableEntity)
		mustContain(t, "grant to another municipality's worker", p.body, `href="#email"`,
			"Kunta voi myöntää käyttöoikeuden vain omalle henkilöstölleen ja oman hyvinvointialueensa henkilöstölle.", `value="`+espooWorker+`"`)
		p = m.submit("/admin/grants", "/admin/grants", url.Values{"email": {newEmail}, "role": {"worker"}})
		wantStatus(t, "grant without a task", p, http.StatusUnprocessableEntity)
		mustContain(t, "grant without a task", p.body, `<a href="#task">Tehtävä: Pakollinen tieto.</a>`)

		p = m.submit("/admin/grants", "/admin/grants", url.Values{"email": {newEmail}, "role": {"worker"}, "task": {taskFi}, "valid_until": {""}})
		if p.status != http.StatusSeeOther || p.location != "/admin/grants?done=granted" {
			t.Fatalf("grant: status %d, location %q\n%s", p.status, p.location, p.body)
		}
		grants = m.get(p.location)
		mustContain(t, "grants page after granting", grants.body, "Käyttöoikeus on myönnetty.")
		r := row(t, grants.body, newEmail)
		mustContain(t, "new grant's row", r, "Uuno Uusi", "Helsinki (091)", "<td>Työntekijä<span class=\"subline\">", taskFi, "Toistaiseksi", helsinkiMain, "Ei koskaan", "Voimassa")

		g := e.signedIn(newEmail)
		acc := g.get("/account")
		wantStatus(t, "grantee's account page", acc, http.StatusOK)
		mustContain(t, "grantee's account page", acc.body, "<title>Omat tiedot – Koto-digi</title>", "Uuno Uusi", "Helsinki (091)",
			"<td>Työntekijä</td>", "<td>"+taskFi+"</td>", "Toistaiseksi", `name="everywhere" value="true"`, `href="/account" aria-current="page"`)
		mustNotContain(t, "grantee's navigation", acc.body, `href="/admin/grants"`, `href="/monitoring/audit"`)
		wantStatus(t, "grantee's search page", g.get("/clients"), http.StatusOK)
		// The grantee's first sign-in shows in the review.
		mustNotContain(t, "review after sign-in", row(t, m.get("/admin/grants").body, newEmail), "Ei koskaan")
	})
}

func TestRevokingAGrantStopsTheGranteesNextRequest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		w := e.signedIn(helsinkiWorker)
		path := w.register(clientForm(identityCode(960), "Leyla", "Karimi"))
		wantStatus(t, "client page before revocation", w.get(path), http.StatusOK)

		m := e.signedIn(helsinkiMain)
		id := idIn(t, `action="/admin/grants/(\d+)/revoke"`, row(t, m.get("/admin/grants").body, helsinkiWorker))
		p := m.submit("/admin/grants", "/admin/grants/"+id+"/revoke", url.Values{})
		if p.status != http.StatusSeeOther || p.location != "/admin/grants?done=revoked" {
			t.Fatalf("revoke: status %d, location %q", p.status, p.location)
		}
		review := m.get(p.location).body
		mustContain(t, "review after revocation", review, "Käyttöoikeus on peruttu.")
		mustContain(t, "revoked row", row(t, review, helsinkiWorker), "Peruttu ", "("+helsinkiMain+")")
		mustNotContain(t, "revoked row", row(t, review, helsinkiWorker), "/revoke\"", "/change\"")

		wantStatus(t, "client page after revocation", w.get(path), http.StatusNotFound)
		wantStatus(t, "search after revocation", w.search("Karimi"), http.StatusForbidden)
		mustContain(t, "account after revocation", w.get("/account").body, "Sinulla ei ole voimassa olevia kuntien myöntämiä käyttöoikeuksia")
	})
}

func TestMainUserChangesAGrant(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		m := e.signedIn(helsinkiMain)
		r := row(t, m.get("/admin/grants").body, helsinkiViewer)
		id := idIn(t, `action="/admin/grants/(\d+)/change"`, r)
		mustContain(t, "change form", r, `<details class="row-form">`, `<label for="grant-`+id+`-role">`, `<option value="viewer" selected>`,
			`<label for="grant-`+id+`-valid_until">`, `name="current_valid_until" value=""`)

		p := m.submit("/admin/grants", "/admin/grants/"+id+"/change", url.Values{"role": {"worker"}, "valid_until": {"2020-01-01"}, "current_valid_until": {""}})
		wantStatus(t, "end date in the past", p, http.StatusUnprocessableEntity)
		mustContain(t, "end date in the past", p.body, `role="alert"`, `href="#grant-`+id+`-valid_until"`, "Päivämäärä ei voi olla menneisyydessä.")
		mustContain(t, "refused change's row", row(t, p.body, helsinkiViewer), `<details class="row-form" open>`, `value="2020-01-01"`, `<option value="worker" selected>`)

		until := time.Now().In(store.Finland).AddDate(0, 2, 0)
		p = m.submit("/admin/grants", "/admin/grants/"+id+"/change", url.Values{"role": {"worker"}, "valid_until": {until.Format(time.DateOnly)}, "current_valid_until": {""}})
		if p.status != http.StatusSeeOther || p.location != "/admin/grants?done=changed" {
			t.Fatalf("change: status %d, location %q\n%s", p.status, p.location, p.body)
		}
		want := until.Format("2.1.2006")
		mustContain(t, "changed row", row(t, m.get(p.location).body, helsinkiViewer), "<td>Työntekijä<span class=\"subline\">", "<td>"+want+"</td>")
		mustContain(t, "grantee's account", e.signedIn(helsinkiViewer).get("/account").body, "<td>Työntekijä</td>", "<td>"+want+"</td>")
	})
}

func TestMainUsersSeeOnlyTheirOwnMunicipality(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		w := e.signedIn(helsinkiWorker)
		path := w.register(clientForm(identityCode(961), "Samir", "Haddad"))
		hki := e.signedIn(helsinkiMain)
		hkiGrant := idIn(t, `action="/admin/grants/(\d+)/revoke"`, row(t, hki.get("/admin/grants").body, helsinkiWorker))

		espoo := e.signedIn(espooMain)
		p := espoo.get("/admin/grants")
		wantStatus(t, "Espoo's grants", p, http.StatusOK)
		mustContain(t, "Espoo's grants", p.body, espooWorker, "Espoo (049)")
		mustNotContain(t, "Espoo's grants", p.body, helsinkiWorker, helsinkiViewer, "Helsinki (091)")
		mustNotContain(t, "Espoo's staff", espoo.get("/admin/staff").body, helsinkiWorker, helsinkiViewer)
		wantStatus(t, "Espoo revokes Helsinki's grant", espoo.submit("/admin/grants", "/admin/grants/"+hkiGrant+"/revoke", url.Values{}), http.StatusNotFound)
		wantStatus(t, "Espoo changes Helsinki's grant", espoo.submit("/admin/grants", "/admin/grants/"+hkiGrant+"/change",
			url.Values{"role": {"viewer"}, "valid_until": {""}}), http.StatusNotFound)
		wantStatus(t, "Espoo reads Helsinki's client accesses", espoo.get(path+"/accesses"), http.StatusNotFound)
		wantStatus(t, "Espoo downloads Helsinki's client accesses", espoo.get(path+"/accesses.csv"), http.StatusNotFound)
		wantStatus(t, "Helsinki's worker after Espoo's attempts", w.get(path), http.StatusOK)
	})
}

func TestKehaAdminAppointsAndRemovesMainUsers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		k := e.signedIn(kehaAdmin)
		p := k.get("/admin/main-users")
		wantStatus(t, "main users page", p, http.StatusOK)
		mustContain(t, "main users page", p.body, `<select id="municipality" name="municipality"`, `<option value="091">Helsinki (091)</option>`,
			`<form method="get" action="/admin/main-users"`, `href="/admin/main-users" aria-current="page"`)
		mustNotContain(t, "main users page without a choice", p.body, helsinkiWorker)
		p = k.get("/admin/main-users?municipality=091")
		mustContain(t, "Helsinki's accounts", p.body, "<title>Pääkäyttäjät: Helsinki (091) – Koto-digi</title>", helsinkiWorker, helsinkiViewer,
			`<option value="091" selected>`)
		mustContain(t, "Helsinki's main user", row(t, p.body, helsinkiMain), "Pääkäyttäjä", "Poista pääkäyttäjän rooli")
		wantStatus(t, "unknown municipality", k.get("/admin/main-users?municipality=999"), http.StatusNotFound)

		p = k.submit("/admin/main-users", "/admin/main-users", url.Values{"municipality": {"091"}, "email": {helsinkiViewer}})
		if p.status != http.StatusSeeOther || p.location != "/admin/main-users?done=appointed&municipality=091" {
			t.Fatalf("appoint: status %d, location %q\n%s", p.status, p.location, p.body)
		}
		mustContain(t, "after appointment", k.get(p.location).body, "Pääkäyttäjä on nimetty.")
		v := e.signedIn(helsinkiViewer)
		g := v.get("/admin/grants")
		wantStatus(t, "appointed main user's grants page", g, http.StatusOK)
		mustContain(t, "appointed main user's grants page", g.body, helsinkiWorker, `href="/admin/staff"`, `href="/admin/anomalies"`)

		p = k.submit("/admin/main-users", "/admin/main-users", url.Values{"municipality": {"091"}, "email": {logMonitor}})
		wantStatus(t, "appoint KEHA staff", p, http.StatusUnprocessableEntity)
		mustContain(t, "appoint KEHA staff", p.body, `href="#appoint-email"`, "Pääkäyttäjä voi olla vain kunnan työntekijä.")
		p = k.submit("/admin/main-users", "/admin/main-users", url.Values{"municipality": {"091"}, "email": {"nobody@helsinki.test"}})
		wantStatus(t, "appoint an unknown account", p, http.StatusUnprocessableEntity)
		mustContain(t, "appoint an unknown account", p.body, "Tunnusta ei löydy tällä sähköpostiosoitteella.", `value="nobody@helsinki.test"`)

		// A municipality without anyone to appoint gets a new main user's account.
		p = k.submit("/admin/main-users", "/admin/main-users/new", url.Values{"municipality": {"049"}, "email": {"uusi.paakayttaja@espoo.test"}, "name": {"Ulla Uusi"}})
		if p.status != http.StatusSeeOther || p.location != "/admin/main-users?done=created&municipality=049" {
			t.Fatalf("create main user: status %d, location %q\n%s", p.status, p.location, p.body)
		}
		mustContain(t, "new main user's row", row(t, k.get(p.location).body, "uusi.paakayttaja@espoo.test"), "Ulla Uusi", "Pääkäyttäjä")
		if err := e.store.SetPassword(context.Background(), "uusi.paakayttaja@espoo.test", password); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "new main user's grants page", e.signedIn("uusi.paakayttaja@espoo.test").get("/admin/grants").body, espooWorker)

		id := idIn(t, `action="/admin/main-users/(\d+)/remove"`, row(t, k.get("/admin/main-users?municipality=091").body, helsinkiViewer))
		p = k.submit("/admin/main-users", "/admin/main-users/"+id+"/remove", url.Values{"municipality": {"091"}})
		if p.status != http.StatusSeeOther || p.location != "/admin/main-users?done=removed&municipality=091" {
			t.Fatalf("remove: status %d, location %q", p.status, p.location)
		}
		wantStatus(t, "removed main user's next request", v.get("/admin/grants"), http.StatusForbidden)

		// Only KEHA admins appoint.
		m := e.signedIn(helsinkiMain)
		wantStatus(t, "main user opens the main users page", m.get("/admin/main-users"), http.StatusForbidden)
		wantStatus(t, "main user appoints", m.submit("/", "/admin/main-users", url.Values{"municipality": {"091"}, "email": {helsinkiWorker}}), http.StatusForbidden)
		wantStatus(t, "KEHA admin opens a municipality's grants", k.get("/admin/grants"), http.StatusForbidden)
	})
}

// adminGetPages are the administration and monitoring pages of every role.
var adminGetPages = []string{"/admin/staff", "/admin/grants", "/admin/grants/revoke-dormant", "/admin/anomalies", "/admin/anomalies/1",
	"/admin/main-users", "/monitoring/anomalies", "/monitoring/anomalies/1", "/monitoring/response-times", "/monitoring/audit", "/monitoring/jobs", "/admin/retention"}

func TestEachRoleGetsForbiddenOnOtherRolesPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		own := map[string][]string{
			helsinkiWorker: nil,
			helsinkiMain:   {"/admin/staff", "/admin/grants", "/admin/grants/revoke-dormant", "/admin/anomalies", "/admin/anomalies/1"},
			kehaAdmin:      {"/admin/main-users", "/monitoring/jobs", "/admin/retention"},
			logMonitor:     {"/monitoring/anomalies", "/monitoring/anomalies/1", "/monitoring/response-times", "/monitoring/audit", "/monitoring/jobs"},
		}
		for who, allowed := range own {
			b := e.signedIn(who)
			for _, path := range adminGetPages {
				p := b.get(path)
				switch {
				case contains(allowed, path) && strings.HasSuffix(path, "/1"):
					wantStatus(t, who+" GET "+path, p, http.StatusNotFound) // allowed, but there is no anomaly 1
				case contains(allowed, path):
					wantStatus(t, who+" GET "+path, p, http.StatusOK)
				default:
					wantStatus(t, who+" GET "+path, p, http.StatusForbidden)
					mustContain(t, who+" GET "+path, p.body, "<h1>Ei käyttöoikeutta</h1>")
				}
			}
		}
		w := e.signedIn(helsinkiWorker)
		home := w.get("/")
		mustContain(t, "worker's navigation", home.body, `href="/account"`, `href="/clients"`)
		mustNotContain(t, "worker's navigation", home.body, `href="/admin/`, `href="/monitoring/`)
		for path, form := range map[string]url.Values{
			"/admin/staff":                 {"email": {"x@helsinki.test"}, "name": {"X"}, "organisation": {"municipality:091"}},
			"/admin/grants":                {"email": {helsinkiViewer}, "role": {"worker"}, "task": {taskFi}},
			"/admin/grants/1/revoke":       {},
			"/admin/grants/revoke-dormant": {},
			"/admin/anomalies/1":           {"finding": {"misuse"}},
			"/admin/main-users":            {"municipality": {"091"}, "email": {helsinkiWorker}},
			"/monitoring/anomalies/1":      {"report": {"true"}},
			"/monitoring/audit":            {},
			"/admin/main-users/new":        {"municipality": {"091"}, "email": {"y@helsinki.test"}, "name": {"Y"}},
			"/admin/main-users/1/remove":   {"municipality": {"091"}},
			"/admin/grants/1/change":       {"role": {"worker"}},
		} {
			wantStatus(t, "worker POST "+path, w.submit("/", path, form), http.StatusForbidden)
		}
		if _, err := e.store.AccountIDByEmail(context.Background(), "x@helsinki.test"); err == nil {
			t.Error("the worker created an account")
		}
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestAnomalyIsReportedInvestigatedAndAccessRevoked(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		ctx := context.Background()
		w := e.signedIn(helsinkiWorker)
		path := w.register(clientForm(identityCode(963), "Nadia", "Rahman"))
		// A viewer tries to change the client again and again.
		v := e.signedIn(helsinkiViewer)
		for range monitoring.DefaultAnomalyRules.RepeatedDenied {
			wantStatus(t, "viewer's edit", v.submit("/", path+"/edit", clientForm(identityCode(963), "Nadia", "Changed")), http.StatusForbidden)
		}
		if _, _, err := e.store.DetectAnomalies(ctx, monitoring.DefaultAnomalyRules, 0, 10000); err != nil {
			t.Fatal(err)
		}
		rule := "Toistuvat estetyt yritykset"

		mon := e.signedIn(logMonitor)
		list := mon.get("/monitoring/anomalies")
		wantStatus(t, "monitor's list", list, http.StatusOK)
		r := row(t, list.body, rule, helsinkiViewer)
		mustContain(t, "anomaly row", r, "Helsinki (091)", "Uusi", "Kohtalainen")
		href := idIn(t, `href="(/monitoring/anomalies/\d+)"`, r)
		id := strings.TrimPrefix(href, "/monitoring/anomalies/")
		mustContain(t, "new anomalies", mon.get("/monitoring/anomalies?status=new").body, href)
		mustNotContain(t, "closed anomalies", mon.get("/monitoring/anomalies?status=closed").body, href+`"`)
		wantStatus(t, "unknown status", mon.get("/monitoring/anomalies?status=bogus"), http.StatusBadRequest)

		detail := mon.get(href)
		wantStatus(t, "monitor's anomaly page", detail, http.StatusOK)
		mustContain(t, "monitor's anomaly page", detail.body, "<title>Poikkeama "+id+" – Koto-digi</title>", rule, helsinkiViewer,
			"Asiakkaan tietojen muutos", "<strong>Estetty</strong>", `name="report" value="true"`, `name="report" value="false"`, `<textarea id="note"`)
		if n := strings.Count(detail.body, "<td>Asiakkaan tietojen muutos</td>"); n != monitoring.DefaultAnomalyRules.RepeatedDenied {
			t.Errorf("%d evidence events shown, want %d", n, monitoring.DefaultAnomalyRules.RepeatedDenied)
		}

		// Not reported yet: the municipality does not see it.
		hm := e.signedIn(helsinkiMain)
		mustNotContain(t, "main user's list before reporting", hm.get("/admin/anomalies").body, helsinkiViewer)
		wantStatus(t, "main user's page before reporting", hm.get("/admin/anomalies/"+id), http.StatusNotFound)

		p := mon.submit(href, href, url.Values{"note": {"Toistuvia muutosyrityksiä katselijan oikeuksilla."}})
		wantStatus(t, "review without a decision", p, http.StatusUnprocessableEntity)
		mustContain(t, "review without a decision", p.body, `href="#report"`, "Toistuvia muutosyrityksiä katselijan oikeuksilla.</textarea>")
		p = mon.submit(href, href, url.Values{"report": {"true"}, "note": {"Toistuvia muutosyrityksiä katselijan oikeuksilla."}})
		if p.status != http.StatusSeeOther || p.location != href+"?done=reported" {
			t.Fatalf("report: status %d, location %q\n%s", p.status, p.location, p.body)
		}
		detail = mon.get(p.location)
		mustContain(t, "reported anomaly", detail.body, "Poikkeama on raportoitu kunnalle.", "Raportoitu kunnalle")
		mustNotContain(t, "reported anomaly", detail.body, `name="report"`)
		p = mon.submit(href, href, url.Values{"report": {"false"}})
		wantStatus(t, "second review", p, http.StatusConflict)
		mustContain(t, "second review", p.body, "Poikkeama on jo käsitelty.")

		// The municipality investigates.
		mustContain(t, "main user's list", row(t, hm.get("/admin/anomalies").body, helsinkiViewer), rule, `href="/admin/anomalies/`+id+`"`)
		mine := hm.get("/admin/anomalies/" + id)
		wantStatus(t, "main user's anomaly page", mine, http.StatusOK)
		mustContain(t, "main user's anomaly page", mine.body, "Toistuvia muutosyrityksiä katselijan oikeuksilla.", "Asiakkaan tietojen muutos",
			`name="finding" value="misuse"`, `<input type="checkbox" id="revoke" name="revoke" value="true"`,
			`<label for="revoke">Peru tämän henkilön käyttöoikeudet kuntaamme heti</label>`)
		wantStatus(t, "Espoo's main user", e.signedIn(espooMain).get("/admin/anomalies/"+id), http.StatusNotFound)

		p = hm.submit("/admin/anomalies/"+id, "/admin/anomalies/"+id, url.Values{"note": {"Selvitetty."}})
		wantStatus(t, "finding without a result", p, http.StatusUnprocessableEntity)
		mustContain(t, "finding without a result", p.body, `href="#finding"`)
		p = hm.submit("/admin/anomalies/"+id, "/admin/anomalies/"+id, url.Values{"finding": {"misuse"}, "note": {"Katselija yritti muuttaa tietoja ilman tehtävää."}, "revoke": {"true"}})
		if p.status != http.StatusSeeOther || p.location != "/admin/anomalies/"+id+"?done=recorded&revoked=1" {
			t.Fatalf("finding: status %d, location %q\n%s", p.status, p.location, p.body)
		}
		mustContain(t, "after the finding", hm.get(p.location).body, "Selvityksen tulos on tallennettu. Perutut käyttöoikeudet: 1.",
			"Käyttöoikeuksia käytettiin väärin", "Katselija yritti muuttaa tietoja ilman tehtävää.")

		// The person's grant is gone at the next request.
		wantStatus(t, "viewer after the finding", v.get(path), http.StatusNotFound)
		mustContain(t, "revoked grant in the review", row(t, hm.get("/admin/grants").body, helsinkiViewer), "Peruttu ")
		mustContain(t, "closed anomalies", mon.get("/monitoring/anomalies?status=closed").body, href+`"`)
		times := mon.get("/monitoring/response-times")
		wantStatus(t, "response times", times, http.StatusOK)
		mustContain(t, "response times", row(t, times.body, "Helsinki (091)"), `<td class="num">1</td><td class="num">0</td>`)
	})
}

func TestAuditLogSearchWithOlderPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		w := e.signedIn(helsinkiWorker)
		path := w.register(clientForm(identityCode(964), "Omar", "Nouri"))
		for range 60 {
			w.get(path) // a client page view is one read (Store.ClientView)
		}
		all, err := e.store.AuditEvents(context.Background(), store.OperatorActor(),
			store.AuditFilter{ActorEmail: helsinkiWorker, Action: "client.read", Outcome: "allowed", Limit: 1000})
		if err != nil || len(all) <= 50 || len(all) > 100 {
			t.Fatalf("%d reads in the log (%v), want 51–100", len(all), err)
		}
		mon := e.signedIn(logMonitor)
		p := mon.get("/monitoring/audit")
		wantStatus(t, "audit page", p, http.StatusOK)
		mustContain(t, "audit page", p.body, "Uusimmat tapahtumat", `<form method="post" action="/monitoring/audit"`)
		p = mon.submit("/monitoring/audit", "/monitoring/audit", url.Values{"actor_email": {helsinkiWorker}, "action": {"client.read"}, "outcome": {"allowed"}})
		wantStatus(t, "audit search", p, http.StatusOK)
		if n := strings.Count(p.body, "<td>Asiakkaan tietojen katselu</td>"); n != 50 {
			t.Errorf("first page: %d reads, want 50", n)
		}
		mustContain(t, "audit search", p.body, "<title>Lokihaun tulokset – Koto-digi</title>", `name="before" value="`, `name="actor_email" value="`+helsinkiWorker+`"`)
		before := idIn(t, `name="before" value="(\d+)"`, p.body)
		p = mon.post("/monitoring/audit", url.Values{"csrf_token": {mon.csrf("/monitoring/audit")}, "actor_email": {helsinkiWorker}, "action": {"client.read"},
			"outcome": {"allowed"}, "before": {before}})
		if n := strings.Count(p.body, "<td>Asiakkaan tietojen katselu</td>"); n != len(all)-50 {
			t.Errorf("older page: %d reads, want %d", n, len(all)-50)
		}
		mustNotContain(t, "last page", p.body, `name="before"`)
		p = mon.submit("/monitoring/audit", "/monitoring/audit", url.Values{"from": {"2026-02-30"}, "to": {""}})
		wantStatus(t, "bad date", p, http.StatusUnprocessableEntity)
		mustContain(t, "bad date", p.body, `href="#from"`, "Päivämäärä ei ole kelvollinen")
		for _, l := range e.locations {
			if strings.Contains(l, "@") {
				t.Errorf("Location %q carries an e-mail address", l)
			}
		}
	})
}

func TestClientAccessesPageAndCSV(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		w := e.signedIn(helsinkiWorker)
		path := w.register(clientForm(identityCode(965), "Hana", "Salih"))
		wantStatus(t, "worker reads the client", w.get(path), http.StatusOK)
		mustNotContain(t, "worker's client page", w.get(path).body, path+"/accesses")
		wantStatus(t, "worker's accesses page", w.get(path+"/accesses"), http.StatusNotFound)

		// The main user also holds a grant, so the client page links the list.
		if _, err := e.store.CreateGrant(context.Background(), store.OperatorActor(),
			store.NewGrant{Email: helsinkiMain, Municipality: "091", Role: "viewer", Task: taskFi}); err != nil {
			t.Fatal(err)
		}
		m := e.signedIn(helsinkiMain)
		mustContain(t, "main user's client page", m.get(path).body, `href="`+path+`/accesses"`)
		p := m.get(path + "/accesses")
		wantStatus(t, "accesses page", p, http.StatusOK)
		mustContain(t, "accesses page", p.body, "<title>Kuka on nähnyt asiakkaan tiedot – Koto-digi</title>", `href="`+path+`/accesses.csv"`)
		mustContain(t, "worker's read", row(t, p.body, helsinkiWorker, "Asiakkaan tietojen katselu"), "Helsinki (091)", "Sallittu")
		mustContain(t, "worker's registration", row(t, p.body, helsinkiWorker, "Asiakkaan rekisteröinti"), "Sallittu")
		mustNotContain(t, "accesses page", p.body, "Hana", "Salih", identityCode(965))

		c := m.get(path + "/accesses.csv")
		wantStatus(t, "CSV", c, http.StatusOK)
		if ct := c.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := c.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="accesses-`) || !strings.HasSuffix(cd, `.csv"`) {
			t.Errorf("Content-Disposition %q", cd)
		}
		if !strings.HasPrefix(c.body, "\ufeffAika;Henkilö;Organisaatio;Toiminto;Tulos\r\n") {
			t.Errorf("CSV does not start with the BOM and the header row: %q", c.body[:min(80, len(c.body))])
		}
		if !regexp.MustCompile(`\r\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d;` + regexp.QuoteMeta(helsinkiWorker+";Helsinki (091);Asiakkaan tietojen katselu;Sallittu\r\n")).MatchString(c.body) {
			t.Errorf("CSV lacks the worker's read:\n%s", c.body)
		}
		mustContain(t, "CSV", c.body, helsinkiMain+";Helsinki (091);Lokin luku;Sallittu")

		// The log monitor may read it too; Swedish headers follow the language.
		mon := e.signedIn(logMonitor)
		mon.post("/language", url.Values{"lang": {"sv"}, "next": {"/"}})
		c = mon.get(path + "/accesses.csv")
		wantStatus(t, "monitor's CSV", c, http.StatusOK)
		if !strings.HasPrefix(c.body, "\ufeffTid;Person;Organisation;Åtgärd;Resultat\r\n") {
			t.Errorf("Swedish CSV header: %q", c.body[:min(60, len(c.body))])
		}
	})
}

// pathParam is a {parameter} of a route pattern.
var pathParam = regexp.MustCompile(`\{[a-z_]+\}`)

func TestEveryPostRouteRefusesAMissingCSRFToken(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		n := 0
		for _, who := range []string{helsinkiMain, kehaAdmin, logMonitor} {
			b := e.signedIn(who)
			for _, rt := range e.srv.Routes() {
				if rt.Method != http.MethodPost || rt.Auth != server.AuthSession {
					continue
				}
				path := pathParam.ReplaceAllString(rt.Pattern, "1")
				form := url.Values{"municipality": {"091"}, "email": {helsinkiViewer}, "name": {"X"}, "role": {"worker"}, "task": {taskFi},
					"organisation": {"municipality:091"}, "report": {"true"}, "finding": {"misuse"}, "revoke": {"true"}}
				if p := b.post(path, form); p.status != http.StatusForbidden {
					t.Errorf("%s POST %s without a CSRF token: status %d, want 403", who, path, p.status)
				}
				form.Set("csrf_token", "not-the-token-of-this-session")
				if p := b.post(path, form); p.status != http.StatusForbidden {
					t.Errorf("%s POST %s with a wrong CSRF token: status %d, want 403", who, path, p.status)
				}
				n++
			}
		}
		if n < 3*15 {
			t.Errorf("only %d POST routes checked", n)
		}
		// Nothing happened.
		m := e.signedIn(helsinkiMain)
		mustContain(t, "grants after refused posts", row(t, m.get("/admin/grants").body, helsinkiViewer), "<td>Katselija<span class=\"subline\">", "Voimassa")
		if _, err := e.store.AccountIDByEmail(context.Background(), "x@helsinki.test"); err == nil {
			t.Error("an account was created without a token")
		}
	})
}

func TestAdministrationPagesAreAccessible(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		ctx := context.Background()
		w := e.signedIn(helsinkiWorker)
		path := w.register(clientForm(identityCode(966), "Amal", "Yasin"))
		v := e.signedIn(helsinkiViewer)
		for range monitoring.DefaultAnomalyRules.RepeatedDenied {
			v.submit("/", path+"/edit", clientForm(identityCode(966), "Amal", "X"))
		}
		if _, _, err := e.store.DetectAnomalies(ctx, monitoring.DefaultAnomalyRules, 0, 10000); err != nil {
			t.Fatal(err)
		}
		pages := map[string]string{}
		mon := e.signedIn(logMonitor)
		href := idIn(t, `href="(/monitoring/anomalies/\d+)"`, row(t, mon.get("/monitoring/anomalies").body, helsinkiViewer, "Toistuvat estetyt yritykset"))
		for _, p := range []string{"/monitoring/anomalies", href, "/monitoring/response-times", "/monitoring/audit", "/account"} {
			pages["monitor "+p] = mon.get(p).body
		}
		// The summary is in the reader's language, not the stored English.
		mustContain(t, "anomaly page", pages["monitor "+href], "estettyä yritystä", "minuutin aikana")
		mustNotContain(t, "anomaly page", pages["monitor "+href], "denied attempts", `<dd lang="en">`)
		pages["monitor audit results"] = mon.submit("/monitoring/audit", "/monitoring/audit", url.Values{"outcome": {"denied"}}).body
		pages["monitor review with errors"] = mon.submit(href, href, url.Values{}).body
		mon.submit(href, href, url.Values{"report": {"true"}})
		id := strings.TrimPrefix(href, "/monitoring/anomalies/")

		if _, err := e.store.CreateGrant(ctx, store.OperatorActor(), store.NewGrant{Email: helsinkiMain, Municipality: "091", Role: "viewer", Task: taskFi}); err != nil {
			t.Fatal(err)
		}
		m := e.signedIn(helsinkiMain)
		for _, p := range []string{"/admin/staff", "/admin/grants", "/admin/anomalies", "/admin/anomalies/" + id, path, path + "/accesses"} {
			pages["main user "+p] = m.get(p).body
		}
		pages["main user grant with errors"] = m.submit("/admin/grants", "/admin/grants", url.Values{"role": {"worker"}}).body
		pages["main user staff with errors"] = m.submit("/admin/staff", "/admin/staff", url.Values{}).body
		pages["main user finding with errors"] = m.submit("/admin/anomalies/"+id, "/admin/anomalies/"+id, url.Values{}).body

		k := e.signedIn(kehaAdmin)
		for _, p := range []string{"/admin/main-users", "/admin/main-users?municipality=091"} {
			pages["KEHA "+p] = k.get(p).body
		}
		pages["KEHA appointment with errors"] = k.submit("/admin/main-users", "/admin/main-users", url.Values{"municipality": {"091"}}).body
		checkPages(t, pages)
	})
}

func TestRevokingTheGrantsOfDormantAccountsAfterConfirmation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		var mu sync.Mutex
		now := time.Now()
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		e := newAdminEnvWith(t, tg, store.Options{Clock: clock})
		m := e.signedIn(helsinkiMain)
		mustNotContain(t, "grants page with everyone active", m.get("/admin/grants").body, "/admin/grants/revoke-dormant", "Käyttämätön tunnus")
		p := m.get("/admin/grants/revoke-dormant")
		wantStatus(t, "confirmation without dormant grants", p, http.StatusOK)
		mustContain(t, "confirmation without dormant grants", p.body, "Käyttämättömillä tunnuksilla ei ole voimassa olevia käyttöoikeuksia.")
		mustNotContain(t, "confirmation without dormant grants", p.body, `action="/admin/grants/revoke-dormant"`)

		// 100 days later nobody of Helsinki's staff has signed in.
		mu.Lock()
		now = now.Add(100 * 24 * time.Hour)
		mu.Unlock()
		m = e.signedIn(helsinkiMain)
		pages := map[string]string{}
		grants := m.get("/admin/grants")
		pages["grants"] = grants.body
		mustContain(t, "grants page with dormant grantees", grants.body, `href="/admin/grants/revoke-dormant"`, "Peru käyttämättömien tunnusten käyttöoikeudet (2)")
		mustContain(t, "dormant worker", row(t, grants.body, helsinkiWorker), "Käyttämätön tunnus")
		confirm := m.get("/admin/grants/revoke-dormant")
		pages["confirmation"] = confirm.body
		mustContain(t, "confirmation", confirm.body, "<title>Käyttämättömien tunnusten käyttöoikeuksien peruminen – Koto-digi</title>",
			helsinkiWorker, helsinkiViewer, "Peru 2 käyttöoikeutta", `<form method="post" action="/admin/grants/revoke-dormant"`)
		mustNotContain(t, "confirmation", confirm.body, espooWorker)
		checkPages(t, pages)

		p = m.submit("/admin/grants/revoke-dormant", "/admin/grants/revoke-dormant", url.Values{})
		if p.status != http.StatusSeeOther || p.location != "/admin/grants?done=dormant&count=2" {
			t.Fatalf("revoke dormant: status %d, location %q", p.status, p.location)
		}
		after := m.get(p.location).body
		mustContain(t, "after revoking dormant grants", after, "Perutut käyttöoikeudet: 2.")
		mustContain(t, "worker's row", row(t, after, helsinkiWorker), "Peruttu ")
		wantStatus(t, "worker's search after revocation", e.signedIn(helsinkiWorker).get("/clients"), http.StatusForbidden)
		// Espoo's grants are Espoo's business.
		mustContain(t, "Espoo's worker", row(t, e.signedIn(espooMain).get("/admin/grants").body, espooWorker), "Käyttämätön tunnus")
	})
}
