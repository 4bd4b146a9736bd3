package web_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/api"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/signin"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
	"github.com/kotodigi/kotodigi/internal/web"
)

const password = "a-long-password-1"

// Accounts of the test environment.
const (
	helsinkiWorker = "worker@helsinki.test"
	helsinkiViewer = "viewer@helsinki.test"
	espooWorker    = "worker@espoo.test"
	grantTask      = "Kotoutumislain 14 §: osaamisen ja palvelutarpeen arviointi"
)

// env is a kotodigi server on a real database, wired as cmd/kotodigi does.
type env struct {
	t     *testing.T
	url   string
	store *store.Store
	srv   *server.Server
	// locations collects every Location header any browser of this env got.
	locations []string
	target    testdb.Target
}

func newEnv(t *testing.T, tg testdb.Target) *env {
	t.Helper()
	return newEnvWith(t, tg, store.Options{})
}

// newEnvWith is newEnv with store options (such as a clock).
func newEnvWith(t *testing.T, tg testdb.Target, opts store.Options) *env {
	t.Helper()
	return newEnvServer(t, tg, opts, server.Config{})
}

// newEnvServer is newEnvWith with a server configuration.
func newEnvServer(t *testing.T, tg testdb.Target, opts store.Options, cfg server.Config) *env {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, tg.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	op := store.OperatorActor()
	for _, a := range []struct{ email, name, org, muni, role string }{
		{helsinkiWorker, "Helmi Työntekijä", "municipality:091", "091", "worker"},
		{helsinkiViewer, "Ville Katselija", "municipality:091", "091", "viewer"},
		{espooWorker, "Erik Työntekijä", "municipality:049", "049", "worker"},
	} {
		if _, err := s.CreateAccount(ctx, op, store.NewAccount{Email: a.email, Name: a.name, OrganisationID: a.org, Password: password}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateGrant(ctx, op, store.NewGrant{Email: a.email, Municipality: a.muni, Role: a.role, Task: grantTask}); err != nil {
			t.Fatal(err)
		}
	}
	srv := server.New(cfg, s, locale.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv.Mount(api.Routes(srv))
	srv.Mount(web.Routes(srv))
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &env{t: t, url: ts.URL, store: s, srv: srv, target: tg}
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	e *env
	c *http.Client
}

func (e *env) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is a response with its body read. Character references in the body
// are resolved (html/template writes "+" as "&#43;"), so that tests compare
// what a person sees.
type page struct {
	status   int
	location string
	header   http.Header
	body     string
	// raw is the body as sent, with the data-label attributes of the
	// tables that reflow on narrow screens (body leaves them out, so that
	// tests can compare cells as "<td>text</td>").
	raw string
}

// dataLabel is the attribute that names a table cell's column on a narrow screen.
var dataLabel = regexp.MustCompile(` data-label="[^"]*"`)

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	loc := res.Header.Get("Location")
	if loc != "" {
		b.e.locations = append(b.e.locations, loc)
	}
	raw := html.UnescapeString(string(body))
	return page{status: res.StatusCode, location: loc, header: res.Header, body: dataLabel.ReplaceAllString(raw, ""), raw: raw}
}

func (b *browser) get(path string) page {
	b.e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.e.url+path, nil)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.e.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf reads the CSRF token from a form on the page at path.
func (b *browser) csrf(path string) string {
	b.e.t.Helper()
	p := b.get(path)
	m := csrfRe.FindStringSubmatch(p.body)
	if m == nil {
		b.e.t.Fatalf("GET %s: no csrf_token field (status %d)", path, p.status)
	}
	return m[1]
}

func (b *browser) signIn(email string) {
	b.e.t.Helper()
	p := b.post("/login", url.Values{"email": {email}, "password": {password}, "next": {"/"}})
	if p.status != http.StatusSeeOther || p.location != "/" {
		b.e.t.Fatalf("sign-in of %s: status %d, location %q", email, p.status, p.location)
	}
}

// clientForm is a complete, valid registration of a Helsinki client.
func clientForm(pic, first, last string) url.Values {
	today := time.Now().In(store.Finland)
	return url.Values{
		"municipality":                      {"091"},
		"personal_identity_code":            {pic},
		"uma_number":                        {""},
		"first_names":                       {first},
		"last_name":                         {last},
		"date_of_birth":                     {""},
		"residence_basis.type":              {"residence_permit"},
		"residence_basis.valid_until":       {today.AddDate(2, 0, 0).Format(time.DateOnly)},
		"residence_basis.first_permit_date": {today.AddDate(0, -3, 0).Format(time.DateOnly)},
		"service_language":                  {"fi"},
		"email":                             {""},
		"phone":                             {"+358 40 123 4567"},
		"right_to_work":                     {"Oikeus ansiotyöhön ilman rajoituksia"},
	}
}

func identityCode(individual int) string {
	return model.SyntheticIdentityCode(time.Date(1990, time.January, 1, 0, 0, 0, 0, time.UTC), individual)
}

var clientPathRe = regexp.MustCompile(`^/clients/[0-9a-f-]{36}\?done=registered$`)

// register registers a client through the form and returns its page's path.
func (b *browser) register(form url.Values) string {
	b.e.t.Helper()
	form.Set("csrf_token", b.csrf("/clients/new"))
	p := b.post("/clients/new", form)
	if p.status != http.StatusSeeOther || !clientPathRe.MatchString(p.location) {
		b.e.t.Fatalf("registration: status %d, location %q\n%s", p.status, p.location, p.body)
	}
	return strings.TrimSuffix(p.location, "?done=registered")
}

// search runs the search form and returns the page.
func (b *browser) search(query string) page {
	b.e.t.Helper()
	return b.post("/clients/search", url.Values{"csrf_token": {b.csrf("/clients")}, "query": {query}})
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: %q not found", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("%s: %q found, must not be there", what, w)
		}
	}
}

func TestSignInWithWrongPasswordShowsErrorAndKeepsEmail(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		b := newEnv(t, tg).browser()
		p := b.post("/login", url.Values{"email": {helsinkiWorker}, "password": {"wrong-password-123"}, "next": {"/clients"}})
		if p.status != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", p.status)
		}
		mustContain(t, "failed sign-in", p.body,
			`role="alert"`, "Sähköpostiosoite tai salasana on väärin.", `href="#email"`,
			`value="`+helsinkiWorker+`"`, `aria-invalid="true"`, `name="next" value="/clients"`, "<title>Virhe: Kirjaudu sisään – Koto-digi</title>")
		mustNotContain(t, "failed sign-in", p.body, "wrong-password-123")
		if c := b.c.Jar.Cookies(mustURL(t, b.e.url)); len(c) != 0 {
			t.Errorf("cookies after a failed sign-in: %v", c)
		}
	})
}

// TestSignInShowsMyGrantsOnTheAccountPage: the account page shows the
// account and its grants; the front page is the working view and does not
// repeat them.
func TestSignInShowsMyGrantsOnTheAccountPage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		b := newEnv(t, tg).browser()
		b.signIn(helsinkiWorker)
		p := b.get("/")
		if p.status != http.StatusOK {
			t.Fatalf("front page: status %d", p.status)
		}
		mustContain(t, "front page", p.body, `<html lang="fi">`, "<title>Etusivu – Koto-digi</title>", "Helmi Työntekijä",
			`href="/clients"`, `href="/clients/new"`, `action="/logout"`, `href="/account"`)
		mustNotContain(t, "front page", p.body, grantTask)
		mustContain(t, "account page", b.get("/account").body, helsinkiWorker, "Helsinki (091)", "<td>Työntekijä</td>", grantTask, "Toistaiseksi")
		if cc := p.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", cc)
		}
	})
}

func TestUnauthenticatedFrontPageRedirectsToSignIn(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		b := newEnv(t, tg).browser()
		p := b.get("/")
		if p.status != http.StatusSeeOther || p.location != "/login?next=%2F" {
			t.Fatalf("GET /: status %d, location %q", p.status, p.location)
		}
		p = b.get("/login?next=%2F")
		mustContain(t, "sign-in page", p.body, `name="next" value="/"`, `<label for="email">`, `<label for="password">`)
	})
}

func TestRegistrationWithExpiredResidenceBasisIsRefusedAndKeepsInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		b := newEnv(t, tg).browser()
		b.signIn(helsinkiWorker)
		form := clientForm(identityCode(950), "Amina Sofia", "Yusuf")
		form.Set("residence_basis.valid_until", "2020-01-31")
		form.Set("csrf_token", b.csrf("/clients/new"))
		p := b.post("/clients/new", form)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", p.status)
		}
		expired := "Oleskeluperuste on vanhentunut. Asiakasta ei voi rekisteröidä ilman voimassa olevaa oleskeluperustetta."
		mustContain(t, "refused registration", p.body,
			`role="alert"`,
			`<a href="#residence_basis-valid_until">Oleskeluperuste voimassa: `+expired+`</a>`,
			`id="residence_basis-valid_until-error"`,
			`value="Amina Sofia"`, `value="Yusuf"`, `value="`+identityCode(950)+`"`, `value="2020-01-31"`,
			`value="+358 40 123 4567"`, "Oikeus ansiotyöhön ilman rajoituksia</textarea>",
			`<option value="residence_permit" selected>Oleskelulupa</option>`)
		// The message is next to its field, and the field points at it.
		field := regexp.MustCompile(`(?s)<div class="field field-error">\s*<label for="residence_basis-valid_until">.*?</div>`).FindString(p.body)
		mustContain(t, "valid-until field", field, expired, `aria-invalid="true"`, `aria-describedby="residence_basis-valid_until-hint residence_basis-valid_until-error"`)
		if !strings.HasPrefix(regexp.MustCompile(`<title>[^<]*`).FindString(p.body), "<title>Virhe: ") {
			t.Error("the title does not say the form has errors")
		}
		// Nothing was stored.
		r := b.search("Amina")
		mustContain(t, "search after refusal", r.body, "Yhtään asiakasta ei löytynyt.")
		r = b.search(identityCode(950))
		mustContain(t, "search by identity code after refusal", r.body, "Yhtään asiakasta ei löytynyt.")
	})
}

func TestRegistrationShowsEveryFieldError(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		b := newEnv(t, tg).browser()
		b.signIn(helsinkiWorker)
		form := url.Values{"csrf_token": {b.csrf("/clients/new")}, "municipality": {"091"}, "first_names": {"Olena"},
			"residence_basis.first_permit_date": {"31.12.2024"}, "service_language": {"en"}, "email": {"not-an-address"}}
		p := b.post("/clients/new", form)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", p.status)
		}
		mustContain(t, "empty registration", p.body,
			`href="#personal_identity_code">Henkilötunnus: Anna henkilötunnus tai UMA-numero.`,
			`href="#last_name">Sukunimi: Pakollinen tieto.`,
			`href="#residence_basis-first_permit_date">Ensimmäisen oleskeluluvan tai rekisteröinnin päivä: Päivämäärä ei ole kelvollinen`,
			`href="#residence_basis-type">Oleskeluperuste: Oleskeluperuste on pakollinen`,
			`href="#service_language">Asiointikieli: Asiointikieli voi olla vain suomi tai ruotsi.`,
			`href="#email">Sähköpostiosoite: Sähköpostiosoite ei ole kelvollinen.`,
			`value="Olena"`, `value="31.12.2024"`, `value="not-an-address"`)
	})
}

func TestSuccessfulRegistrationShowsTheClient(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		b := newEnv(t, tg).browser()
		b.signIn(helsinkiWorker)
		pic := identityCode(951)
		path := b.register(clientForm(pic, "Thị Lan", "Nguyễn"))
		p := b.get(path + "?done=registered")
		if p.status != http.StatusOK {
			t.Fatalf("client page: status %d", p.status)
		}
		mustContain(t, "client page", p.body, "Asiakas on rekisteröity.", "Thị Lan Nguyễn", pic, "1.1.1990", "Helsinki (091)", "Oleskelulupa",
			"<dt>Asiointikieli</dt><dd>suomi</dd>", "<dt>Työnhakija</dt><dd>Ei</dd>", "+358 40 1234567",
			"Tietoja ei ole muutettu rekisteröinnin jälkeen.", `href="`+path+`/edit"`, "<title>Asiakkaan tiedot – Koto-digi</title>")
		// Registering the same person again names the responsible municipality.
		again := clientForm(pic, "Thi Lan", "Nguyen")
		again.Set("csrf_token", b.csrf("/clients/new"))
		d := b.post("/clients/new", again)
		if d.status != http.StatusConflict {
			t.Fatalf("duplicate: status %d, want 409", d.status)
		}
		mustContain(t, "duplicate", d.body, `role="alert"`, "Henkilö on jo rekisteröity kansalliseen asiakasrekisteriin (vastuukunta: Helsinki 091).", `value="Thi Lan"`)
	})
}

func TestPostWithoutCSRFTokenIsRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		b := newEnv(t, tg).browser()
		b.signIn(helsinkiWorker)
		p := b.post("/clients/new", clientForm(identityCode(952), "Dmytro", "Kovalenko"))
		if p.status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", p.status)
		}
		mustContain(t, "refusal", p.body, `<html lang="fi">`, "<h1>Ei käyttöoikeutta</h1>")
		form := clientForm(identityCode(952), "Dmytro", "Kovalenko")
		form.Set("csrf_token", "not-the-token-of-this-session")
		if p := b.post("/clients/new", form); p.status != http.StatusForbidden {
			t.Fatalf("wrong token: status %d, want 403", p.status)
		}
		if p := b.post("/logout", url.Values{}); p.status != http.StatusForbidden {
			t.Fatalf("sign-out without token: status %d, want 403", p.status)
		}
		mustContain(t, "search after refusal", b.search("Kovalenko").body, "Yhtään asiakasta ei löytynyt.")
	})
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		b := e.browser()
		for _, path := range []string{"/login", "/language"} {
			req, _ := http.NewRequest(http.MethodPost, e.url+path, strings.NewReader(url.Values{"email": {helsinkiWorker}, "password": {password}, "lang": {"sv"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			if p := b.do(req); p.status != http.StatusForbidden {
				t.Errorf("cross-site POST %s: status %d, want 403", path, p.status)
			}
		}
		if c := b.c.Jar.Cookies(mustURL(t, e.url)); len(c) != 0 {
			t.Errorf("cookies after refused posts: %v", c)
		}
	})
}

func TestLanguageSwitchToSwedish(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		b := newEnv(t, tg).browser()
		b.signIn(helsinkiWorker)
		p := b.post("/language", url.Values{"lang": {"sv"}, "next": {"/clients/new"}})
		if p.status != http.StatusSeeOther || p.location != "/clients/new" {
			t.Fatalf("language: status %d, location %q", p.status, p.location)
		}
		p = b.get("/clients/new")
		mustContain(t, "Swedish form", p.body, `<html lang="sv">`, "<title>Registrera klient – Koto-digi</title>", ">Personbeteckning</label>",
			">UMA-nummer</label>", "<legend>Ärendespråk</legend>", ">Uppehållsgrund</label>", "Intyg om anhängig ansökan", "Tillfälligt skydd",
			">Arbetssökande</label>", ">Rätt att arbeta <span", "Helsingfors (091)", `lang="sv" aria-current="true"`)
		mustNotContain(t, "Swedish form", p.body, "Henkilötunnus", "Asiointikieli")
		// The sign-in page keeps where to go after sign-in.
		if p := b.post("/language", url.Values{"lang": {"en"}, "next": {"/login?next=%2Fclients"}}); p.location != "/login?next=%2Fclients" {
			t.Errorf("language on the sign-in page: location %q", p.location)
		}
		mustContain(t, "English front page", b.get("/").body, `<html lang="en">`, "Deadlines: overdue and coming up", "Clients you handled recently")
		mustContain(t, "English account page", b.get("/account").body, `<html lang="en">`, "Access rights", "Worker")
		if p := b.post("/language", url.Values{"lang": {"de"}, "next": {"/"}}); p.status != http.StatusBadRequest {
			t.Errorf("unsupported language: status %d, want 400", p.status)
		}
	})
}

func TestWorkerOfAnotherMunicipalityGetsNotFound(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		hki := e.browser()
		hki.signIn(helsinkiWorker)
		path := hki.register(clientForm(identityCode(953), "Oksana", "Bondarenko"))
		espoo := e.browser()
		espoo.signIn(espooWorker)
		for _, p := range []string{path, path + "/edit"} {
			r := espoo.get(p)
			if r.status != http.StatusNotFound {
				t.Errorf("GET %s by another municipality: status %d, want 404", p, r.status)
			}
			mustContain(t, "not found page", r.body, "<h1>Sivua ei löydy</h1>")
			mustNotContain(t, "not found page", r.body, "Bondarenko", "Oksana")
		}
		form := clientForm(identityCode(953), "Oksana", "Changed")
		form.Set("csrf_token", espoo.csrf("/"))
		if r := espoo.post(path+"/edit", form); r.status != http.StatusNotFound {
			t.Errorf("POST edit by another municipality: status %d, want 404", r.status)
		}
		mustContain(t, "search by another municipality", espoo.search("Bondarenko").body, "Yhtään asiakasta ei löytynyt.")
		mustContain(t, "page for its own municipality", hki.get(path).body, "Oksana Bondarenko")
	})
}

func TestEditKeepsHistoryAndViewersCannotEdit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		b := e.browser()
		b.signIn(helsinkiWorker)
		path := b.register(clientForm(identityCode(954), "Yusuf", "Ahmadi"))
		edit := b.get(path + "/edit")
		mustContain(t, "edit form", edit.body, `value="Yusuf"`, `value="Ahmadi"`, "Helsinki (091)", `value="fi" checked`)
		mustNotContain(t, "edit form", edit.body, `<select id="municipality"`)
		form := clientForm(identityCode(954), "Yusuf Ali", "Ahmadi")
		form.Set("csrf_token", b.csrf(path+"/edit"))
		form.Set("jobseeker", "true")
		form.Set("date_of_birth", "1990-01-01")
		p := b.post(path+"/edit", form)
		if p.status != http.StatusSeeOther || p.location != path+"?done=updated" {
			t.Fatalf("edit: status %d, location %q\n%s", p.status, p.location, p.body)
		}
		page := b.get(path + "?done=updated").body
		mustContain(t, "client page after edit", page, "Muutokset on tallennettu.", "Yusuf Ali Ahmadi", "<dt>Työnhakija</dt><dd>Kyllä</dd>",
			"<td>Etunimet</td><td>Yusuf</td><td>Yusuf Ali</td><td>Helmi Työntekijä<span class=\"subline email\">"+helsinkiWorker+"</span></td>", "<td>Työnhakija</td><td>Ei</td><td>Kyllä</td>", ">Asiakkaasta tuli työnhakija<")
		// An expired residence basis is refused on edit too, with the input kept.
		form.Set("residence_basis.valid_until", "2021-05-05")
		form.Set("last_name", "Ahmadi-Rahimi")
		p = b.post(path+"/edit", form)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("expired on edit: status %d, want 422", p.status)
		}
		mustContain(t, "refused edit", p.body, "Oleskeluperuste on vanhentunut.", `value="Ahmadi-Rahimi"`, "Helsinki (091)")
		mustNotContain(t, "client page after refused edit", b.get(path).body, "Ahmadi-Rahimi")

		v := e.browser()
		v.signIn(helsinkiViewer)
		vp := v.get(path)
		if vp.status != http.StatusOK {
			t.Fatalf("viewer: status %d", vp.status)
		}
		mustNotContain(t, "viewer's client page", vp.body, `href="`+path+`/edit"`, `href="/clients/new"`)
		if r := v.get(path + "/edit"); r.status != http.StatusForbidden {
			t.Errorf("viewer GET edit: status %d, want 403", r.status)
		}
		form.Set("csrf_token", v.csrf("/"))
		if r := v.post(path+"/edit", form); r.status != http.StatusForbidden {
			t.Errorf("viewer POST edit: status %d, want 403", r.status)
		}
		if r := v.get("/clients/new"); r.status != http.StatusForbidden {
			t.Errorf("viewer GET /clients/new: status %d, want 403", r.status)
		}
	})
}

func TestSearchIsPostedAndIdentityCodesNeverGoIntoURLs(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		b := e.browser()
		b.signIn(helsinkiWorker)
		pic := identityCode(955)
		path := b.register(clientForm(pic, "Mariam", "Rahimi"))

		form := b.get("/clients?q=" + url.QueryEscape(pic))
		mustContain(t, "search form", form.body, `<form method="post" action="/clients/search"`, `name="query"`, `autocomplete="off"`)
		mustNotContain(t, "search form with a query in the URL", form.body, "Rahimi", pic)

		for _, q := range []string{pic, strings.ToLower(pic), "rahimi", "MARIAM rahimi"} {
			p := b.search(q)
			if p.status != http.StatusOK {
				t.Fatalf("search %q: status %d", q, p.status)
			}
			mustContain(t, "search "+q, p.body, "Löytyi 1 asiakas.", `<a href="`+path+`">Rahimi, Mariam</a>`, "1.1.1990", "Helsinki (091)", "Oleskelulupa")
		}
		short := b.search("a")
		if short.status != http.StatusUnprocessableEntity {
			t.Errorf("short query: status %d, want 422", short.status)
		}
		mustContain(t, "short query", short.body, `href="#query"`, "Kirjoita vähintään 2 merkkiä.", `aria-invalid="true"`)

		edit := clientForm(pic, "Mariam", "Rahimi")
		edit.Set("csrf_token", b.csrf(path+"/edit"))
		b.post(path+"/edit", edit)
		b.post("/language", url.Values{"lang": {"sv"}, "next": {"/clients"}})
		b.post("/logout", url.Values{"csrf_token": {b.csrf("/")}})
		if len(e.locations) < 5 {
			t.Fatalf("only %d redirects seen", len(e.locations))
		}
		for _, loc := range e.locations {
			if strings.Contains(strings.ToUpper(loc), pic) || strings.Contains(loc, "Rahimi") || strings.Contains(loc, "Mariam") {
				t.Errorf("Location %q carries personal data", loc)
			}
		}
	})
}

func TestSignOutEndsTheSession(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		b := newEnv(t, tg).browser()
		b.signIn(helsinkiWorker)
		token := b.csrf("/")
		p := b.post("/logout", url.Values{"csrf_token": {token}})
		if p.status != http.StatusSeeOther || p.location != "/login" {
			t.Fatalf("sign-out: status %d, location %q", p.status, p.location)
		}
		if p := b.get("/clients"); p.status != http.StatusSeeOther || p.location != "/login?next=%2Fclients" {
			t.Fatalf("after sign-out: status %d, location %q", p.status, p.location)
		}
	})
}

func TestTooManyFailedSignInsShowTheWait(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		b := newEnv(t, tg).browser()
		var p page
		for range signin.DefaultPolicy.MaxFailures + 1 {
			p = b.post("/login", url.Values{"email": {helsinkiWorker}, "password": {"wrong-password-123"}})
		}
		if p.status != http.StatusTooManyRequests {
			t.Fatalf("status %d, want 429", p.status)
		}
		mustContain(t, "rate-limited sign-in", p.body, `role="alert"`, "Liian monta yritystä. Yritä uudelleen 15 min kuluttua.", `value="`+helsinkiWorker+`"`)
		if p.header.Get("Retry-After") == "" {
			t.Error("no Retry-After header")
		}
	})
}

func TestErrorPagesAreTranslated(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		b := e.browser()
		p := b.get("/no-such-page")
		if p.status != http.StatusNotFound {
			t.Fatalf("status %d, want 404", p.status)
		}
		mustContain(t, "404", p.body, `<html lang="fi">`, "<title>Sivua ei löydy – Koto-digi</title>", `href="/login"`)
		req, _ := http.NewRequest(http.MethodGet, e.url+"/no-such-page", nil)
		req.Header.Set("Accept-Language", "sv-FI,sv;q=0.9")
		mustContain(t, "404 in Swedish", b.do(req).body, `<html lang="sv">`, "<h1>Sidan hittades inte</h1>")
		p = b.get("/logout")
		if p.status != http.StatusMethodNotAllowed {
			t.Fatalf("GET /logout: status %d, want 405", p.status)
		}
		mustContain(t, "405", p.body, "<h1>Toimintoa ei tueta</h1>")
		b.signIn(helsinkiWorker)
		p = b.get("/clients/00000000-0000-0000-0000-000000000000")
		if p.status != http.StatusNotFound {
			t.Fatalf("unknown client: status %d, want 404", p.status)
		}
		mustContain(t, "404 signed in", p.body, "<h1>Sivua ei löydy</h1>", `href="/">Siirry etusivulle`, `action="/logout"`)
	})
}

func TestStylesheetIsServed(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		b := newEnv(t, tg).browser()
		login := b.get("/login")
		m := regexp.MustCompile(`<link rel="stylesheet" href="(/static/app\.css\?v=[0-9a-f]+)">`).FindStringSubmatch(login.body)
		if m == nil {
			t.Fatal("the sign-in page links no stylesheet")
		}
		p := b.get(m[1])
		if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/css") {
			t.Fatalf("stylesheet: status %d, type %q", p.status, p.header.Get("Content-Type"))
		}
		mustContain(t, "stylesheet", p.body, ":focus-visible", "@media print")
		mustContain(t, "stylesheet cache", p.header.Get("Cache-Control"), "immutable")
		if p := b.get("/static/nope.js"); p.status != http.StatusNotFound {
			t.Errorf("unknown static file: status %d", p.status)
		}
	})
}

// TestPagesAreAccessibleWithoutScripts checks, on every page, what an
// automated accessibility check would: one h1, a language, a unique title,
// a label for every input, no scripts, no inline styles.
func TestPagesAreAccessibleWithoutScripts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		b := e.browser()
		pages := map[string]string{"/login": b.get("/login").body}
		b.signIn(helsinkiWorker)
		path := b.register(clientForm(identityCode(956), "Fatima", "Hassan"))
		for _, p := range []string{"/", "/clients", "/clients/new", path, path + "/edit"} {
			pages[p] = b.get(p).body
		}
		pages["search results"] = b.search("Hassan").body
		bad := clientForm(identityCode(957), "", "")
		bad.Set("csrf_token", b.csrf("/clients/new"))
		pages["registration with errors"] = b.post("/clients/new", bad).body
		pages["404"] = b.get("/clients/not-a-client").body
		checkPages(t, pages)
	})
}

// checkPages checks, on every page, what an automated accessibility check
// would: one h1, a language, a unique title, a label for every input, no
// scripts, no inline styles; and that identity code and query inputs are
// not autocompleted.
func checkPages(t *testing.T, pages map[string]string) {
	t.Helper()
	titles := map[string]string{}
	inputRe := regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	idRe := regexp.MustCompile(`\bid="([^"]+)"`)
	for name, body := range pages {
		if n := strings.Count(body, "<h1"); n != 1 {
			t.Errorf("%s: %d h1 elements", name, n)
		}
		mustContain(t, name, body, `<html lang="fi">`, `<a class="skip-link" href="#main">`, `<main id="main"`, "<header", "<footer")
		mustNotContain(t, name, body, "<script", "style=", " onclick=")
		title := regexp.MustCompile(`<title>([^<]+)</title>`).FindStringSubmatch(body)
		if title == nil {
			t.Errorf("%s: no title", name)
			continue
		}
		if other, dup := titles[title[1]]; dup && !strings.HasPrefix(title[1], "Virhe:") {
			t.Errorf("%s and %s have the same title %q", name, other, title[1])
		}
		titles[title[1]] = name
		ids := map[string]bool{}
		for _, m := range idRe.FindAllStringSubmatch(body, -1) {
			if ids[m[1]] {
				t.Errorf("%s: duplicate id %q", name, m[1])
			}
			ids[m[1]] = true
		}
		for _, in := range inputRe.FindAllString(body, -1) {
			if strings.Contains(in, `type="hidden"`) {
				continue
			}
			id := idRe.FindStringSubmatch(in)
			if id == nil {
				t.Errorf("%s: input without id: %s", name, in)
				continue
			}
			if !strings.Contains(body, `<label for="`+id[1]+`"`) {
				t.Errorf("%s: no label for #%s", name, id[1])
			}
		}
	}
	for _, field := range []string{"personal_identity_code", "uma_number", "query"} {
		for name, body := range pages {
			if in := regexp.MustCompile(`<input[^>]*id="` + field + `"[^>]*>`).FindString(body); in != "" && !strings.Contains(in, `autocomplete="off"`) {
				t.Errorf("%s: %s lacks autocomplete=off", name, field)
			}
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
