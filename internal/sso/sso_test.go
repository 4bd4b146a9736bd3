package sso_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/server/redirecttest"
	"github.com/kotodigi/kotodigi/internal/sso"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
	"github.com/oauth2-proxy/mockoidc"
)

type rig struct {
	s   *store.Store
	op  *mockoidc.MockOIDC
	url string
}

// newRig starts a real OpenID provider (mockoidc: discovery, JWKS, signed ID
// tokens, PKCE) and kotodigi with sign-in through it.
func newRig(t *testing.T, tg testdb.Target) *rig {
	t.Helper()
	op, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { op.Shutdown() })
	s, err := store.Open(context.Background(), tg.URL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	srv := server.New(server.Config{}, s, locale.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Start()
	t.Cleanup(ts.Close)
	cfg := op.Config()
	srv.Mount(sso.Routes(srv, sso.Config{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: ts.URL + sso.CallbackPath}))
	if _, err := s.CreateAccount(context.Background(), store.OperatorActor(), store.NewAccount{Email: "wilma@hel.example", Name: "Wilma", OrganisationID: "municipality:091"}); err != nil {
		t.Fatal(err)
	}
	return &rig{s: s, op: op, url: ts.URL}
}

// browser follows redirects through the provider and stops back at kotodigi
// after the callback.
func (r *rig) browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), r.url) && req.URL.Path != sso.CallbackPath {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

func (r *rig) session(t *testing.T, c *http.Client) (store.Session, error) {
	u, _ := url.Parse(r.url)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "kotodigi_session" {
			return r.s.SessionByToken(context.Background(), ck.Value)
		}
	}
	return store.Session{}, io.EOF
}

func user(sub, email string, verified bool) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: sub, Email: email, EmailVerified: verified, PreferredUsername: "u"}
}

func TestSignInThroughIdentityProvider(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		r := newRig(t, tg)
		// First sign-in binds the account to the provider's subject by verified e-mail.
		r.op.QueueUser(user("sub-123", "Wilma@Hel.Example", true))
		c := r.browser(t)
		resp, err := c.Get(r.url + sso.StartPath + "?next=/clients")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/clients" {
			t.Fatalf("after callback: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		sess, err := r.session(t, c)
		if err != nil || sess.Principal.Email != "wilma@hel.example" {
			t.Fatalf("session: %+v %v", sess, err)
		}
		// Later the subject counts, whatever e-mail the provider now reports.
		r.op.QueueUser(user("sub-123", "renamed@hel.example", true))
		c2 := r.browser(t)
		if resp, err := c2.Get(r.url + sso.StartPath); err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("second sign-in: %v %v", resp, err)
		}
		if sess, err := r.session(t, c2); err != nil || sess.Principal.Email != "wilma@hel.example" {
			t.Fatalf("second session: %+v %v", sess, err)
		}
		// Another subject claiming the bound account's e-mail is refused.
		r.op.QueueUser(user("sub-999", "wilma@hel.example", true))
		c3 := r.browser(t)
		resp, err = c3.Get(r.url + sso.StartPath)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("other subject, same e-mail: %d", resp.StatusCode)
		}
		if _, err := r.session(t, c3); err == nil {
			t.Error("other subject got a session")
		}
	})
}

func TestIdentityProviderSignInRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		r := newRig(t, tg)
		// What the provider says is recorded only in bounds: an "e-mail" that
		// is not an address is neither looked up nor recorded, and a subject
		// longer than OpenID Connect allows is refused.
		for name, u := range map[string]*mockoidc.MockUser{
			"unknown person":           user("sub-1", "stranger@example.org", true),
			"unverified e-mail":        user("sub-2", "wilma@hel.example", false),
			"not an e-mail address":    user("sub-3", "Kesä2026!salasana", true),
			"subject beyond the limit": user(strings.Repeat("s", 300), "wilma@hel.example", true),
		} {
			r.op.QueueUser(u)
			c := r.browser(t)
			resp, err := c.Get(r.url + sso.StartPath)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s: %d", name, resp.StatusCode)
			}
			if _, err := r.session(t, c); err == nil {
				t.Errorf("%s: got a session", name)
			}
		}
		events, err := r.s.AuditEvents(context.Background(), store.OperatorActor(), store.AuditFilter{Action: "auth.sign_in", Outcome: "denied"})
		var emails []string
		for _, e := range events {
			emails = append(emails, e.ActorEmail)
		}
		slices.Sort(emails)
		if want := []string{"", "stranger@example.org", "wilma@hel.example", "wilma@hel.example"}; err != nil || !slices.Equal(emails, want) {
			t.Errorf("refused sign-ins audited as %q (%v), want %q", emails, err, want)
		}
		// A callback whose state was not started in this browser (login CSRF), or replayed, is refused.
		r.op.QueueUser(user("sub-123", "wilma@hel.example", true))
		jar, _ := cookiejar.New(nil)
		var callback string
		c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Path == sso.CallbackPath {
				callback = req.URL.String()
				return http.ErrUseLastResponse
			}
			return nil
		}}
		if resp, err := c.Get(r.url + sso.StartPath); err == nil {
			resp.Body.Close()
		}
		if callback == "" {
			t.Fatal("provider did not redirect back")
		}
		other := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := other.Get(callback)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("callback in another browser: %d", resp.StatusCode)
		}
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, _ = c.Get(callback)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("genuine callback: %d", resp.StatusCode)
		}
		resp, _ = c.Get(callback)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("replayed callback: %d", resp.StatusCode)
		}
	})
}

// TestIdentityProviderSignInStaysOnThisSite: the page to go to after signing
// in through the provider is never another site, however "next" is encoded.
func TestIdentityProviderSignInStaysOnThisSite(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		r := newRig(t, tg)
		queries := map[string]string{"next=/%25252Fevil.example": "/", "next=/%25255Cevil.example": "/", "next=%2Fclients": "/clients"}
		for _, next := range redirecttest.Hostile() {
			queries["next="+url.QueryEscape(next)] = "/"
		}
		for query, want := range queries {
			r.op.QueueUser(user("sub-123", "wilma@hel.example", true))
			resp, err := r.browser(t).Get(r.url + sso.StartPath + "?" + query)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
				t.Errorf("%s: %d, Location %q, want %q", query, resp.StatusCode, resp.Header.Get("Location"), want)
			}
		}
	})
}
