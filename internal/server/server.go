// Package server holds the route table, the middleware every request passes
// (request id, security headers, authentication, CSRF, body limits, panic
// recovery, access log without personal data) and the http.Server with
// graceful shutdown.
package server

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/jobs"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/mail"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
)

// AuthKind says how a route authenticates its caller.
type AuthKind int

const (
	// AuthNone: public (only the explicit list: health, OpenAPI, sign-in page, static files).
	AuthNone AuthKind = iota
	// AuthBearer: API routes; Authorization: Bearer TOKEN.
	AuthBearer
	// AuthSession: web pages; the session cookie, CSRF token on unsafe methods.
	AuthSession
	// AuthSessionOptional: web pages that work signed in or out (sign-in form).
	AuthSessionOptional
)

// Route is one endpoint. Every route declares the one named action it performs.
type Route struct {
	Method  string
	Pattern string // net/http pattern path, e.g. /api/v1/clients/{id}
	Action  authz.Action
	Auth    AuthKind
	Summary string
	Handler http.HandlerFunc
	// Roles, when set, narrows the route to callers holding one of these
	// roles (organisation roles or grant roles), even where the action's rule
	// would allow more: e.g. a log monitor's page of an action a main user
	// may also perform elsewhere. The permission matrix shows the narrowing.
	Roles []authz.Role
	// MaxBodyBytes, when set, caps this route's request bodies instead of
	// Config.MaxBodyBytes (a file upload, which may also take up to
	// uploadReadTimeout to arrive).
	MaxBodyBytes int64
}

// uploadReadTimeout is how long a route with its own MaxBodyBytes may take
// to read its request.
const uploadReadTimeout = 10 * time.Minute

// Config configures the server.
type Config struct {
	Addr string
	// MaxBodyBytes caps request bodies (default 1 MiB).
	MaxBodyBytes int64
	// BaseURL is the service's public address. When it starts with
	// https://, session cookies are Secure (with the __Host- prefix) whatever
	// the Host header of a request says (behind a TLS-terminating proxy).
	BaseURL string
	// TrustedProxies are the networks of the reverse proxies in front of the
	// service. Only for a request whose TCP peer is in one of them is the
	// client's address taken from X-Forwarded-For (the right-most address
	// that is not itself a trusted proxy); anyone else's X-Forwarded-For is
	// ignored. The address is used for the per-address sign-in limit and in
	// the audit trail.
	TrustedProxies []netip.Prefix
}

// Server serves the web UI and the API.
type Server struct {
	cfg     Config
	store   *store.Store
	catalog *locale.Catalog
	log     *slog.Logger
	routes  []Route
	mux     *http.ServeMux
	handler http.Handler
	// SignIn says which ways of signing in the sign-in page offers.
	SignIn SignInOptions
	// ErrorPage, when set, renders the error page of web routes (the web
	// package sets it); otherwise a plain-text page is shown.
	ErrorPage func(w http.ResponseWriter, r *http.Request, status int)
	// xlsx keeps rendered XLSX workbooks of the published snapshot.
	xlsx xlsxCache
	// JobHealth says when a background job is failing or stuck (GET
	// /readyz, the jobs page); zero fields take jobs.DefaultHealth.
	JobHealth jobs.Health
	// Mail, when configured, sends invitation links to new accounts;
	// otherwise the main user is shown the link once, to pass on.
	Mail *mail.Sender
}

// BaseURL is the service's configured public address ("" when not set).
func (s *Server) BaseURL() string { return strings.TrimRight(s.cfg.BaseURL, "/") }

// New builds a server without routes; Mount adds them.
func New(cfg Config, st *store.Store, cat *locale.Catalog, log *slog.Logger) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	s := &Server{cfg: cfg, store: st, catalog: cat, log: log, mux: http.NewServeMux()}
	s.mux.HandleFunc("/", s.notFound)
	s.handler = s.base(s.mux)
	return s
}

// Mount adds a route table. Every route must name an action that has a rule
// in authz.Rules, and only routes whose action is authz.Public may be public.
func (s *Server) Mount(table []Route) {
	for _, r := range table {
		if rule, ok := authz.Rules[r.Action]; !ok || rule.Scope == authz.ScopeSystem {
			panic("route " + r.Method + " " + r.Pattern + " has no rule for action " + string(r.Action))
		}
		if (r.Auth == AuthNone) != (r.Action == authz.Public) {
			panic("route " + r.Method + " " + r.Pattern + ": public routes, and only they, use authz.Public")
		}
		s.routes = append(s.routes, r)
		s.mux.Handle(r.Method+" "+r.Pattern, s.wrap(r))
	}
}

// SignInOptions are the enabled ways of signing in.
type SignInOptions struct {
	// OIDCPath is the start of sign-in with the identity provider ("" = none).
	OIDCPath string
	// NoPassword hides the password form (password sign-in switched off).
	NoPassword bool
}

// Routes returns the route table (for the OpenAPI and permission-matrix tests).
func (s *Server) Routes() []Route { return s.routes }

// Handler is the complete HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Catalog returns the message catalog.
func (s *Server) Catalog() *locale.Catalog { return s.catalog }

// Store returns the store.
func (s *Server) Store() *store.Store { return s.store }

type ctxKey struct{}

// Request is what the middleware knows about a request.
type Request struct {
	ID        string
	Lang      string
	Actor     store.Actor
	Route     *Route
	CSRFToken string
	// SessionToken is the raw session cookie value (web routes only).
	SessionToken string
	// Secure says that cookies are Secure (IsSecure).
	Secure bool
}

// From returns the request info set by the middleware.
func From(r *http.Request) *Request {
	if v, ok := r.Context().Value(ctxKey{}).(*Request); ok {
		return v
	}
	return &Request{Lang: locale.Languages[0]}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// LangCookie remembers the user's language choice.
const LangCookie = "kotodigi_lang"

// base runs for every request: request id, security headers, language,
// panic recovery and the access log (method, route pattern, status, duration;
// never query strings, bodies or identity codes).
func (s *Server) base(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		req := &Request{ID: hex.EncodeToString(b)}
		choice := ""
		if c, err := r.Cookie(LangCookie); err == nil {
			choice = c.Value
		}
		req.Lang = locale.Negotiate(choice, r.Header.Get("Accept-Language"))
		req.Actor.Meta = store.RequestMeta{RemoteAddr: s.clientAddr(r), RequestID: req.ID}
		req.Secure = secureConnection(r) || strings.HasPrefix(s.cfg.BaseURL, "https://")
		h := w.Header()
		h.Set("X-Request-Id", req.ID)
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if req.Secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		sw := &statusWriter{ResponseWriter: w}
		// The mux records the matched pattern on the request it is given
		// (inner), not on r.
		inner := r.WithContext(context.WithValue(r.Context(), ctxKey{}, req))
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				// The panic value and stack may hold personal data: log only where it happened.
				s.log.Error("panic", "request_id", req.ID, "stack", stackLocations(debug.Stack()))
				if sw.status == 0 {
					s.problem(sw, inner, errors.New("panic"))
				}
			}
			pattern := inner.Pattern
			if pattern == "" || pattern == "/" {
				pattern = "unmatched"
			}
			s.log.Info("request", "id", req.ID, "method", logMethod(r.Method), "route", pattern, "status", sw.status,
				"ms", time.Since(start).Milliseconds())
		}()
		next.ServeHTTP(sw, inner)
	})
}

// logMethod is the request method for the access log: a client may send any
// token of up to the header limit as its method, so unknown ones are "other".
func logMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// stackLocations keeps only file:line lines of a stack trace (no argument values).
func stackLocations(stack []byte) string {
	var out []string
	for _, line := range strings.Split(string(stack), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "/") {
			if i := strings.LastIndex(line, " +0x"); i > 0 {
				line = line[:i]
			}
			out = append(out, line)
		}
	}
	return strings.Join(out, " | ")
}

// maxAddrLength bounds a peer address that is not an IP address (which a
// listener other than TCP may give).
const maxAddrLength = 64

// clientAddr is the client's address: the TCP peer's, or, when the peer is a
// trusted proxy, the right-most X-Forwarded-For address that is not itself a
// trusted proxy. An unreadable entry ends the walk at the last trusted hop.
func (s *Server) clientAddr(r *http.Request) string {
	ip, ok := parseHop(r.RemoteAddr)
	if !ok {
		if len(r.RemoteAddr) > maxAddrLength {
			return r.RemoteAddr[:maxAddrLength]
		}
		return r.RemoteAddr
	}
	if !s.trusted(ip) {
		return ip.String()
	}
	values := r.Header.Values("X-Forwarded-For")
	for i := len(values) - 1; i >= 0; i-- {
		hops := strings.Split(values[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			hop, ok := parseHop(strings.TrimSpace(hops[j]))
			if !ok {
				return ip.String()
			}
			ip = hop
			if !s.trusted(hop) {
				return ip.String()
			}
		}
	}
	return ip.String()
}

func (s *Server) trusted(ip netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// parseHop reads an address, with or without a port ("192.0.2.1",
// "192.0.2.1:4711", "2001:db8::1", "[2001:db8::1]:4711"), as a plain IP
// address (IPv4-mapped addresses as IPv4, no zone).
func parseHop(v string) (netip.Addr, bool) {
	ip, err := netip.ParseAddr(v)
	if err != nil {
		ap, err := netip.ParseAddrPort(v)
		if err != nil {
			return netip.Addr{}, false
		}
		ip = ap.Addr()
	}
	return ip.Unmap().WithZone(""), true
}

// IsSecure reports whether cookies must be Secure: always when the public
// address (Config.BaseURL) is https, and otherwise on anything but plain HTTP
// to a loopback address (local demo and tests).
func IsSecure(r *http.Request) bool {
	if v, ok := r.Context().Value(ctxKey{}).(*Request); ok {
		return v.Secure
	}
	return secureConnection(r)
}

// secureConnection is IsSecure judged by the request alone.
func secureConnection(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// notFound answers requests no route matched: 405 with Allow when the path
// exists for other methods, otherwise 404.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.fail(w, r, &model.Error{Code: "method_not_allowed"})
		return
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.problem(w, r, notFoundErr)
		return
	}
	s.pageError(w, r, http.StatusNotFound)
}

// wrap applies the route's authentication and CSRF protection.
func (s *Server) wrap(rt Route) http.Handler {
	route := rt
	var h http.Handler = route.Handler
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := From(r)
		req.Route = &route
		r.Body = http.MaxBytesReader(w, r.Body, cmp.Or(route.MaxBodyBytes, s.cfg.MaxBodyBytes))
		if route.MaxBodyBytes > 0 {
			// A file upload may take longer than the server's ReadTimeout.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadReadTimeout))
		}
		switch route.Auth {
		case AuthBearer:
			if !s.authenticateBearer(w, r, req) {
				return
			}
		case AuthSession, AuthSessionOptional:
			if !s.authenticateSession(w, r, req, route.Auth == AuthSession) {
				return
			}
		}
		if p := req.Actor.Principal; p != nil {
			if authz.Rules[route.Action].Scope == authz.ScopeNational && !p.Allowed(route.Action, "").Allowed {
				s.fail(w, r, forbiddenErr)
				return
			}
			if len(route.Roles) > 0 && !p.HoldsAny(route.Roles) {
				s.fail(w, r, forbiddenErr)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) authenticateBearer(w http.ResponseWriter, r *http.Request, req *Request) bool {
	token, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kotodigi"`)
		s.problem(w, r, unauthenticatedErr)
		return false
	}
	p, tokenID, err := s.store.PrincipalForToken(r.Context(), token)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kotodigi", error="invalid_token"`)
		if isNotFound(err) {
			s.problem(w, r, unauthenticatedErr)
		} else {
			s.problem(w, r, err)
		}
		return false
	}
	req.Actor.Principal = p
	req.Actor.Meta.SessionRef = "t:" + itoa(tokenID)
	return true
}

// bearerToken reads "Authorization: Bearer TOKEN": the scheme in any case
// (RFC 9110 § 11.1), then one or more spaces and the token.
func bearerToken(auth string) (string, bool) {
	scheme, rest, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token := strings.TrimSpace(rest)
	return token, token != "" && !strings.ContainsAny(token, " \t")
}

// ListenAndServe serves until ctx is cancelled, then shuts down gracefully,
// letting requests in flight finish (up to 20 s).
func (s *Server) ListenAndServe(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
