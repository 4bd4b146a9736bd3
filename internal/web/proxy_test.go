package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/signin"
	"github.com/kotodigi/kotodigi/internal/store"
)

// lastSignInAddr is the address the audit trail recorded for the latest
// sign-in attempt of email.
func (e *env) lastSignInAddr(t *testing.T, email string) string {
	t.Helper()
	items, err := e.store.AuditEvents(context.Background(), store.OperatorActor(), store.AuditFilter{ActorEmail: email, Action: "auth.sign_in", Limit: 1})
	if err != nil || len(items) == 0 {
		t.Fatalf("no sign-in event of %s: %v", email, err)
	}
	return items[0].RemoteAddr
}

// checkSessionCookieBehindTLSProxy: with an https base address (the
// instance tls), the session cookie is Secure with the __Host- prefix
// although the request reaches kotodigi as plain HTTP to a loopback address
// (a TLS-terminating proxy), and that cookie then signs the person in;
// without one (plain), plain HTTP to localhost keeps a plain cookie.
func checkSessionCookieBehindTLSProxy(t *testing.T, tls, plain string) {
	for base, wantName := range map[string]string{tls: "__Host-kotodigi_session", plain: "kotodigi_session"} {
		secure := base == tls
		req, _ := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(url.Values{"email": {helsinkiWorker}, "password": {password}, "next": {"/"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var session *http.Cookie
		for _, c := range res.Cookies() {
			if strings.HasSuffix(c.Name, "kotodigi_session") {
				session = c
			}
		}
		if res.StatusCode != http.StatusSeeOther || session == nil || session.Name != wantName || session.Secure != secure || !session.HttpOnly || session.Path != "/" {
			t.Fatalf("secure %v: status %d, cookie %+v, want %s", secure, res.StatusCode, session, wantName)
		}
		if hsts := res.Header.Get("Strict-Transport-Security"); (hsts != "") != secure {
			t.Errorf("secure %v: Strict-Transport-Security %q", secure, hsts)
		}
		req, _ = http.NewRequest(http.MethodGet, base+"/", nil)
		req.AddCookie(&http.Cookie{Name: session.Name, Value: session.Value})
		res, err = http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("secure %v: front page with the cookie: status %d", secure, res.StatusCode)
		}
	}
}

// checkTrustedProxies: behind a trusted proxy, each client has a
// per-address limit of its own and its own address in the audit trail; what
// a client writes into X-Forwarded-For itself is not believed.
func checkTrustedProxies(t *testing.T, e *env) {
	limit := signin.DefaultPolicy.MaxFailuresPerAddr
	for i := range limit {
		if st := wrongPassword(t, e.url, fmt.Sprintf("a%d@hel.example", i), "203.0.113.5"); st != http.StatusUnauthorized {
			t.Fatalf("attempt %d from 203.0.113.5: status %d", i, st)
		}
	}
	if got := e.lastSignInAddr(t, fmt.Sprintf("a%d@hel.example", limit-1)); got != "203.0.113.5" {
		t.Errorf("audit trail address %q, want the client's 203.0.113.5", got)
	}
	if st := wrongPassword(t, e.url, "z@hel.example", "203.0.113.5"); st != http.StatusTooManyRequests {
		t.Errorf("client over its limit: status %d, want 429", st)
	}
	// Another client behind the same proxy has a limit of its own, also
	// when it claims to be the limited one (the proxy appends the real
	// address after what the client sent).
	for name, xff := range map[string][]string{
		"another client":                   {"198.51.100.7"},
		"claiming to be the limited one":   {"203.0.113.5, 198.51.100.8"},
		"through two proxies":              {"198.51.100.9, 127.0.0.2"},
		"with the claim in its own header": {"203.0.113.5", "198.51.100.10"},
	} {
		want := strings.TrimSpace(strings.Split(xff[len(xff)-1], ",")[0])
		if name == "claiming to be the limited one" {
			want = "198.51.100.8"
		}
		email := strings.ReplaceAll(name, " ", "-") + "@hel.example"
		if st := wrongPassword(t, e.url, email, xff...); st != http.StatusUnauthorized {
			t.Errorf("%s (%q): status %d, want 401", name, xff, st)
		}
		if got := e.lastSignInAddr(t, email); got != want {
			t.Errorf("%s (%q): audit trail address %q, want %q", name, xff, got, want)
		}
	}
}

// checkNoTrustedProxy: without trusted proxies (plain), or from a peer that
// is not one (otherProxy), X-Forwarded-For changes nothing: a client cannot
// escape the per-address limit or put another address in the audit trail.
func checkNoTrustedProxy(t *testing.T, e *env, plain, otherProxy string) {
	limit := signin.DefaultPolicy.MaxFailuresPerAddr
	for i := range limit {
		base := []string{plain, otherProxy}[i%2]
		if st := wrongPassword(t, base, fmt.Sprintf("b%d@hel.example", i), fmt.Sprintf("203.0.113.%d", i)); st != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d", i, st)
		}
	}
	for _, email := range []string{"b0@hel.example", "b1@hel.example"} {
		if got := e.lastSignInAddr(t, email); got != "127.0.0.1" {
			t.Errorf("audit trail address of %s: %q, want the peer 127.0.0.1", email, got)
		}
	}
	for _, base := range []string{plain, otherProxy} {
		if st := wrongPassword(t, base, "z@hel.example", "198.51.100.200"); st != http.StatusTooManyRequests {
			t.Errorf("over the limit with a made-up X-Forwarded-For: status %d, want 429", st)
		}
	}
}
