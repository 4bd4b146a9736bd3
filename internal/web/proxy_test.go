package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/signin"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// signInVia posts a wrong password for email with the given X-Forwarded-For
// headers and returns the status.
func (b *browser) signInVia(email string, forwardedFor ...string) int {
	b.e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.e.url+"/login", strings.NewReader(url.Values{"email": {email}, "password": {"wrong-password-123"}}.Encode()))
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, v := range forwardedFor {
		req.Header.Add("X-Forwarded-For", v)
	}
	return b.do(req).status
}

// lastSignInAddr is the address the audit trail recorded for the latest
// sign-in attempt of email.
func (e *env) lastSignInAddr(email string) string {
	e.t.Helper()
	items, err := e.store.AuditEvents(context.Background(), store.OperatorActor(), store.AuditFilter{ActorEmail: email, Action: "auth.sign_in", Limit: 1})
	if err != nil || len(items) == 0 {
		e.t.Fatalf("no sign-in event of %s: %v", email, err)
	}
	return items[0].RemoteAddr
}

// TestClientAddressBehindTrustedProxies: behind a trusted proxy, each client
// has a per-address limit of its own and its own address in the audit
// trail; what a client writes into X-Forwarded-For itself is not believed.
func TestClientAddressBehindTrustedProxies(t *testing.T) {
	cfg := server.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnvServer(t, tg, store.Options{}, cfg)
		b := e.browser()
		limit := signin.DefaultPolicy.MaxFailuresPerAddr
		for i := range limit {
			if st := b.signInVia(fmt.Sprintf("a%d@hel.example", i), "203.0.113.5"); st != http.StatusUnauthorized {
				t.Fatalf("attempt %d from 203.0.113.5: status %d", i, st)
			}
		}
		if got := e.lastSignInAddr(fmt.Sprintf("a%d@hel.example", limit-1)); got != "203.0.113.5" {
			t.Errorf("audit trail address %q, want the client's 203.0.113.5", got)
		}
		if st := b.signInVia("z@hel.example", "203.0.113.5"); st != http.StatusTooManyRequests {
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
			if st := b.signInVia(email, xff...); st != http.StatusUnauthorized {
				t.Errorf("%s (%q): status %d, want 401", name, xff, st)
			}
			if got := e.lastSignInAddr(email); got != want {
				t.Errorf("%s (%q): audit trail address %q, want %q", name, xff, got, want)
			}
		}
	})
}

// TestForwardedForIgnoredWithoutTrustedProxies: without trusted proxies (or
// from a peer that is not one), X-Forwarded-For changes nothing: a client
// cannot escape the per-address limit or put another address in the audit
// trail.
func TestForwardedForIgnoredWithoutTrustedProxies(t *testing.T) {
	for name, cfg := range map[string]server.Config{
		"none":          {},
		"another proxy": {TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}},
	} {
		t.Run(name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, tg testdb.Target) {
				e := newEnvServer(t, tg, store.Options{}, cfg)
				b := e.browser()
				limit := signin.DefaultPolicy.MaxFailuresPerAddr
				for i := range limit {
					if st := b.signInVia(fmt.Sprintf("a%d@hel.example", i), fmt.Sprintf("203.0.113.%d", i)); st != http.StatusUnauthorized {
						t.Fatalf("attempt %d: status %d", i, st)
					}
				}
				if got := e.lastSignInAddr("a0@hel.example"); got != "127.0.0.1" {
					t.Errorf("audit trail address %q, want the peer 127.0.0.1", got)
				}
				if st := b.signInVia("z@hel.example", "198.51.100.200"); st != http.StatusTooManyRequests {
					t.Errorf("over the limit with a made-up X-Forwarded-For: status %d, want 429", st)
				}
			})
		})
	}
}

// TestSessionCookieSecureBehindTLSProxy: with an https base address, the
// session cookie is Secure with the __Host- prefix although the request
// reaches kotodigi as plain HTTP to a loopback address (a TLS-terminating
// proxy), and that cookie then signs the person in.
func TestSessionCookieSecureBehindTLSProxy(t *testing.T) {
	for base, wantName := range map[string]string{"https://kotodigi.example": "__Host-kotodigi_session", "": "kotodigi_session"} {
		testdb.Each(t, func(t *testing.T, tg testdb.Target) {
			e := newEnvServer(t, tg, store.Options{}, server.Config{BaseURL: base})
			b := e.browser()
			p := b.post("/login", url.Values{"email": {helsinkiWorker}, "password": {password}, "next": {"/"}})
			var session *http.Cookie
			for _, c := range (&http.Response{Header: p.header}).Cookies() {
				if strings.HasSuffix(c.Name, "kotodigi_session") {
					session = c
				}
			}
			if p.status != http.StatusSeeOther || session == nil || session.Name != wantName || session.Secure != (base != "") || !session.HttpOnly || session.Path != "/" {
				t.Fatalf("base %q: status %d, cookie %+v, want %s", base, p.status, session, wantName)
			}
			if base != "" && p.header.Get("Strict-Transport-Security") == "" {
				t.Errorf("base %q: no Strict-Transport-Security", base)
			}
			req, _ := http.NewRequest(http.MethodGet, e.url+"/", nil)
			req.AddCookie(&http.Cookie{Name: session.Name, Value: session.Value})
			res, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("base %q: front page with the cookie: status %d", base, res.StatusCode)
			}
		})
	}
}
