package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/server/redirecttest"
	"github.com/kotodigi/kotodigi/internal/signin"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
	"github.com/kotodigi/kotodigi/internal/web"
)

var hiddenNextRe = regexp.MustCompile(`name="next" value="([^"]*)"`)

// TestSignIn runs the checks of signing in on one database per engine, with
// instances behind trusted proxies (the environment's own), without any,
// behind proxies elsewhere, with an https public address, and with a
// password-check gate of one slot.
func TestSignIn(t *testing.T) {
	t.Parallel() // its own databases; runs beside the other tests of this kind
	const n = 40
	opts := store.Options{Sessions: signin.Policy{HashWait: time.Minute, HashQueue: n}}
	cfg := server.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnvServer(t, tg, opts, cfg)
		plain := e.instance(store.Options{}, server.Config{})
		otherProxy := e.instance(store.Options{}, server.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
		tls := e.instance(store.Options{}, server.Config{BaseURL: "https://kotodigi.example"})
		checkNextStaysOnSite(t, e)
		checkOnlyPlausibleAddressRecorded(t, e)
		checkSessionCookieBehindTLSProxy(t, tls, plain)
		checkTrustedProxies(t, e)
		checkConcurrentWrongPasswords(t, e, opts, cfg, n)
		checkBusyPasswordChecks(t, e)
		checkNoTrustedProxy(t, e, plain, otherProxy) // last: it uses up 127.0.0.1's limit
	})
}

// checkNextStaysOnSite walks every route that takes "next" (the sign-in
// page, the sign-in form, the language switcher, also on the sign-in page)
// with single-, double- and triple-encoded slashes and backslashes, tabs and
// newlines, schemes, encoded dots and look-alike characters: each ends on
// this site's front page or sign-in page, also when the value the page hands
// back is submitted again.
func checkNextStaysOnSite(t *testing.T, e *env) {
	b := e.browser()
	signIn := func(next string) string {
		p := b.post("/login", url.Values{"email": {helsinkiWorker}, "password": {password}, "next": {next}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("sign-in with next=%q: status %d", next, p.status)
		}
		return p.location
	}
	switchLanguage := func(next string) string {
		p := b.post("/language", url.Values{"lang": {"fi"}, "next": {next}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("language with next=%q: status %d", next, p.status)
		}
		return p.location
	}
	check := func(route, next, got string, want ...string) {
		t.Helper()
		for _, w := range want {
			if got == w {
				return
			}
		}
		t.Errorf("%s with next=%q: Location %q, want one of %q", route, next, got, want)
	}
	pages := []string{"/login?next=/%25252Fevil.example", "/login?next=/%25255Cevil.example"}
	for _, next := range redirecttest.Hostile() {
		check("POST /login", next, signIn(next), "/")
		check("POST /language", next, switchLanguage(next), "/")
		check("POST /language from the sign-in page", next, switchLanguage("/login?next="+url.QueryEscape(next)), "/login")
		pages = append(pages, "/login?next="+url.QueryEscape(next))
	}
	// What the sign-in page hands back (its form and its language
	// switcher) is submitted again.
	handedBack := map[string]string{}
	for _, path := range pages {
		p := b.get(path)
		hidden := hiddenNextRe.FindAllStringSubmatch(p.body, -1)
		if p.status != http.StatusOK || len(hidden) == 0 {
			t.Fatalf("GET %s: status %d, %d next fields", path, p.status, len(hidden))
		}
		for _, m := range hidden {
			handedBack[m[1]] = path
		}
	}
	for next, path := range handedBack {
		check("POST /login after GET "+path, next, signIn(next), "/", "/login")
		check("POST /language after GET "+path, next, switchLanguage(next), "/", "/login")
	}
	for next, want := range map[string]string{"/clients": "/clients", "/clients%2Fnew": "/clients/new"} {
		check("POST /login", next, signIn(next), want)
	}
}

// instance starts another kotodigi instance on the environment's database
// and returns its address: the sign-in limits hold across instances.
func (e *env) instance(opts store.Options, cfg server.Config) string {
	e.t.Helper()
	s, err := store.Open(context.Background(), e.target.URL, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { s.Close() })
	srv := server.New(cfg, s, locale.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv.Mount(web.Routes(srv))
	ts := httptest.NewServer(srv.Handler())
	e.t.Cleanup(ts.Close)
	return ts.URL
}

// wrongPassword signs in with a wrong password as email, with the given
// X-Forwarded-For headers, and returns the status.
func wrongPassword(t *testing.T, base, email string, forwardedFor ...string) int {
	req, err := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(url.Values{"email": {email}, "password": {"wrong-password-123"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, v := range forwardedFor {
		req.Header.Add("X-Forwarded-For", v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// burst sends n wrong passwords at once, alternating between the instances,
// and counts the answers by status.
func burst(t *testing.T, urls []string, n int, email, address func(i int) string) map[int]int {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	statuses := map[int]int{}
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			st := wrongPassword(t, urls[i%len(urls)], email(i), address(i))
			mu.Lock()
			statuses[st]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return statuses
}

// checkedUpTo checks that a burst's answers are 401 (checked) or 429, and
// that then, one attempt after another, exactly limit attempts in all are
// checked before the next is refused: a burst never gets more.
func checkedUpTo(t *testing.T, got map[int]int, n, limit int, next func(i int) int) {
	t.Helper()
	checked := got[http.StatusUnauthorized]
	if checked > limit || checked+got[http.StatusTooManyRequests] != n {
		t.Fatalf("answers by status %v: want at most %d checked (401), the rest 429", got, limit)
	}
	for i := checked; i < limit; i++ {
		if st := next(i); st != http.StatusUnauthorized {
			t.Fatalf("attempt %d after the burst: status %d, want 401", i+1, st)
		}
	}
	if st := next(limit); st != http.StatusTooManyRequests {
		t.Fatalf("attempt %d: status %d, want 429", limit+1, st)
	}
}

// checkConcurrentWrongPasswords: 40 wrong passwords sent at once to two
// instances are checked at most 5 times for one account and at most 20
// times from one address; every other attempt is answered 429 at once, no
// later attempt gets past the limit, and then even the right password waits.
// Every attempt is in the audit trail.
func checkConcurrentWrongPasswords(t *testing.T, e *env, opts store.Options, cfg server.Config, n int) {
	pol := signin.DefaultPolicy
	urls := []string{e.url, e.instance(opts, cfg)}
	// One account, attempts from many addresses.
	from := func(i int) string { return fmt.Sprintf("192.0.2.%d", i+1) }
	got := burst(t, urls, n, func(int) string { return helsinkiViewer }, from)
	checkedUpTo(t, got, n, pol.MaxFailures, func(i int) int { return wrongPassword(t, e.url, helsinkiViewer, from(n+i)) })
	p := e.browser().post("/login", url.Values{"email": {helsinkiViewer}, "password": {password}})
	if p.status != http.StatusTooManyRequests {
		t.Errorf("right password after the limit: status %d, want 429", p.status)
	}
	events, err := e.store.AuditEvents(context.Background(), store.OperatorActor(),
		store.AuditFilter{ActorEmail: helsinkiViewer, Action: "auth.sign_in", Outcome: "denied", Limit: 1000})
	if want := n + pol.MaxFailures - got[http.StatusUnauthorized] + 2; err != nil || len(events) != want {
		t.Errorf("%d denied sign-ins audited (%v), want %d", len(events), err, want)
	}
	// One address, attempts for many accounts.
	person := func(i int) string { return fmt.Sprintf("person%d@hel.example", i) }
	got = burst(t, urls, n, person, func(int) string { return "198.51.100.99" })
	checkedUpTo(t, got, n, pol.MaxFailuresPerAddr, func(i int) int { return wrongPassword(t, e.url, person(n+i), "198.51.100.99") })
}

// checkBusyPasswordChecks: when every password check slot is taken and no
// one may wait, a sign-in is answered 503 with a translated message and
// Retry-After, and does not count as a failed attempt.
func checkBusyPasswordChecks(t *testing.T, e *env) {
	gate := signin.NewGate(1, 0, time.Minute)
	busy := e.instance(store.Options{PasswordGate: gate}, server.Config{})
	entered, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() { done <- gate.Do(context.Background(), func() { close(entered); <-release }) }()
	<-entered
	b := e.browser()
	signIn := func() page {
		req, _ := http.NewRequest(http.MethodPost, busy+"/login", strings.NewReader(url.Values{"email": {helsinkiWorker}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return b.do(req)
	}
	for range signin.DefaultPolicy.MaxFailures + 1 {
		p := signIn()
		if p.status != http.StatusServiceUnavailable || p.header.Get("Retry-After") == "" {
			t.Fatalf("busy sign-in: status %d, Retry-After %q", p.status, p.header.Get("Retry-After"))
		}
		mustContain(t, "busy sign-in", p.body, `role="alert"`, "Juuri nyt kirjautuu liian moni. Yritä uudelleen muutaman sekunnin kuluttua.")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if p := signIn(); p.status != http.StatusSeeOther {
		t.Errorf("sign-in when a slot is free: status %d", p.status)
	}
}

// checkOnlyPlausibleAddressRecorded: what is typed into the e-mail field of
// a failed sign-in is recorded only when it is a plausible e-mail address; a
// password typed there by mistake, or 200,000 characters, are not stored
// anywhere (the audit trail says that it was not an address).
func checkOnlyPlausibleAddressRecorded(t *testing.T, e *env) {
	ctx := context.Background()
	typedPassword := "Kesä2026!salasana"
	long := strings.Repeat("x", 200000) + "@hel.example"
	for _, typed := range []string{typedPassword, long, " Nobody@Hel.Example "} {
		req, _ := http.NewRequest(http.MethodPost, e.url+"/login", strings.NewReader(url.Values{"email": {typed}, "password": {"wrong-password-123"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", "192.0.2.250")
		p := e.browser().do(req)
		if p.status != http.StatusUnauthorized {
			t.Fatalf("sign-in as %.20q: status %d", typed, p.status)
		}
		mustNotContain(t, "sign-in page", p.body, strings.Repeat("x", 300))
	}
	rows, err := e.store.DB().QueryRead(ctx, `SELECT actor_email, detail FROM audit_events WHERE action = 'auth.sign_in' AND remote_addr = '192.0.2.250' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var email, detail string
		if err := rows.Scan(&email, &detail); err != nil {
			t.Fatal(err)
		}
		got = append(got, email+" | "+detail)
	}
	rows.Close()
	want := []string{" | identifier not an e-mail address", " | identifier not an e-mail address", "nobody@hel.example | wrong credentials"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sign-in events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, q := range []string{
		`SELECT COUNT(*) FROM audit_events WHERE actor_email LIKE '%salasana%' OR detail LIKE '%salasana%' OR LENGTH(actor_email) > 254 OR LENGTH(detail) > 254`,
		`SELECT COUNT(*) FROM sign_in_attempts WHERE email LIKE '%salasana%' OR LENGTH(email) > 254`,
	} {
		rows, err := e.store.DB().QueryRead(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		rows.Next()
		if err := rows.Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d (%v)", q, n, err)
		}
		rows.Close()
	}
}
