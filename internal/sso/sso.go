// Package sso signs staff in through their organisation's OpenID Connect
// identity provider (Entra ID, Keycloak, a Suomi.fi bridge): the authorization
// code flow with PKCE (S256), state and nonce. The state lives in the database
// and is also bound to the browser by a cookie, so a sign-in cannot be
// finished in another browser or replayed.
package sso

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/credential"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"golang.org/x/oauth2"
)

// Config names the identity provider and this client.
type Config struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string // e.g. https://kotodigi.example/login/oidc/callback
	// HTTPClient talks to the provider (tests pass the provider's client).
	HTTPClient *http.Client
}

// Enabled reports whether a provider is configured.
func (c Config) Enabled() bool { return c.Issuer != "" && c.ClientID != "" }

// Paths of the two routes.
const (
	StartPath    = "/login/oidc"
	CallbackPath = "/login/oidc/callback"
	stateCookie  = "kotodigi_oidc_state"
)

type handler struct {
	cfg Config
	srv *server.Server

	mu       sync.Mutex
	provider *oidc.Provider
}

// Routes returns the sign-in routes (none when no provider is configured).
func Routes(srv *server.Server, cfg Config) []server.Route {
	if !cfg.Enabled() {
		return nil
	}
	h := &handler{cfg: cfg, srv: srv}
	return []server.Route{
		{Method: "GET", Pattern: StartPath, Action: authz.Public, Auth: server.AuthNone, Summary: "Start sign-in with the identity provider", Handler: h.start},
		{Method: "GET", Pattern: CallbackPath, Action: authz.Public, Auth: server.AuthNone, Summary: "Finish sign-in with the identity provider", Handler: h.callback},
	}
}

func (h *handler) ctx(ctx context.Context) context.Context {
	if h.cfg.HTTPClient != nil {
		return oidc.ClientContext(ctx, h.cfg.HTTPClient)
	}
	return ctx
}

// discover fetches the provider's metadata once (retrying on later requests
// if the provider was unreachable).
func (h *handler) discover(ctx context.Context) (*oidc.Provider, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.provider != nil {
		return h.provider, nil
	}
	dctx, cancel := context.WithTimeout(h.ctx(ctx), 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(dctx, h.cfg.Issuer)
	if err != nil {
		return nil, err
	}
	h.provider = p
	return p, nil
}

func (h *handler) oauth(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: h.cfg.ClientID, ClientSecret: h.cfg.ClientSecret, RedirectURL: h.cfg.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

func (h *handler) start(w http.ResponseWriter, r *http.Request) {
	p, err := h.discover(r.Context())
	if err != nil {
		h.srv.Fail(w, r, errors.Join(errors.New("identity provider unreachable"), err))
		return
	}
	state, _, err1 := credential.NewToken("")
	nonce, _, err2 := credential.NewToken("")
	if err := errors.Join(err1, err2); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	verifier := oauth2.GenerateVerifier()
	if err := h.srv.Store().SaveOIDCState(r.Context(), state, verifier, nonce, server.SafeNext(r.URL.Query().Get("next"))); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: CallbackPath, MaxAge: int(10 * time.Minute / time.Second),
		HttpOnly: true, Secure: server.IsSecure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, h.oauth(p).AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)), http.StatusFound)
}

func (h *handler) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	c, err := r.Cookie(stateCookie)
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: "", Path: CallbackPath, MaxAge: -1, HttpOnly: true, Secure: server.IsSecure(r), SameSite: http.SameSiteLaxMode})
	if state == "" || err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		h.srv.Fail(w, r, &model.Error{Code: model.CodeUnauthenticated, Detail: "sign-in state does not match this browser"})
		return
	}
	verifier, nonce, next, err := h.srv.Store().TakeOIDCState(r.Context(), state)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	if q.Get("error") != "" || q.Get("code") == "" {
		h.srv.Fail(w, r, &model.Error{Code: model.CodeUnauthenticated, Detail: "the identity provider refused the sign-in"})
		return
	}
	p, err := h.discover(r.Context())
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	ctx := h.ctx(r.Context())
	tok, err := h.oauth(p).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		h.srv.Fail(w, r, &model.Error{Code: model.CodeUnauthenticated, Detail: "code exchange failed"})
		return
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		h.srv.Fail(w, r, &model.Error{Code: model.CodeUnauthenticated, Detail: "no ID token"})
		return
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: h.cfg.ClientID}).Verify(ctx, raw)
	if err != nil || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		h.srv.Fail(w, r, &model.Error{Code: model.CodeUnauthenticated, Detail: "ID token not valid"})
		return
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		h.srv.Fail(w, r, &model.Error{Code: model.CodeUnauthenticated, Detail: "ID token claims not readable"})
		return
	}
	req := server.From(r)
	token, _, err := h.srv.Store().SignInWithOIDC(r.Context(), idt.Issuer, idt.Subject, claims.Email, claims.EmailVerified, req.Actor.Meta)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	server.SetSessionCookie(w, r, token)
	http.Redirect(w, r, server.SafeNext(next), http.StatusSeeOther)
}
