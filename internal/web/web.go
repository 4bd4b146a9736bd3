// Package web is the server-rendered web UI: one file per page or action, a
// typed view model per page, templates and the stylesheet embedded. It works
// without JavaScript. Identity codes and names never go into URLs: every form
// that may carry them is posted.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"path"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/server"
)

//go:embed templates static
var files embed.FS

// handler holds what every page needs: the server, the parsed templates and
// the embedded static files.
type handler struct {
	srv    *server.Server
	cat    *locale.Catalog
	pages  map[string]*template.Template
	static map[string]staticFile
	// cssURL is the stylesheet's address with a content hash, so that a
	// changed stylesheet is fetched again despite long caching.
	cssURL string
	// crossOrigin protects the public POST routes (sign-in, language), which
	// the session middleware does not see.
	crossOrigin *http.CrossOriginProtection
}

// Routes returns the web UI's route table and installs the error page.
func Routes(srv *server.Server) []server.Route {
	h := newHandler(srv)
	srv.ErrorPage = h.errorPage
	pub := func(method, pattern, summary string, fn http.HandlerFunc) server.Route {
		return server.Route{Method: method, Pattern: pattern, Action: authz.Public, Auth: server.AuthNone, Summary: summary, Handler: fn}
	}
	page := func(method, pattern string, action authz.Action, summary string, fn http.HandlerFunc) server.Route {
		return server.Route{Method: method, Pattern: pattern, Action: action, Auth: server.AuthSession, Summary: summary, Handler: fn}
	}
	return []server.Route{
		pub("GET", "/static/{file}", "Web UI stylesheet", h.staticFile),
		pub("GET", "/login", "Sign-in page", h.loginForm),
		pub("POST", "/login", "Sign in with e-mail and password", h.login),
		pub("POST", "/language", "Choose the UI language (sets a cookie)", h.language),
		page("POST", "/logout", authz.AccountRead, "Sign out", h.logout),
		page("GET", "/{$}", authz.AccountRead, "Front page: my account and grants", h.home),
		page("GET", "/clients", authz.ClientSearch, "Client search form", h.searchForm),
		page("POST", "/clients/search", authz.ClientSearch, "Search clients (query in the body, never in the URL)", h.search),
		page("GET", "/clients/new", authz.ClientCreate, "Client registration form", h.registerForm),
		page("POST", "/clients/new", authz.ClientCreate, "Register a client", h.register),
		page("GET", "/clients/{id}", authz.ClientRead, "Client page with change history", h.client),
		page("GET", "/clients/{id}/edit", authz.ClientUpdate, "Client edit form", h.editForm),
		page("POST", "/clients/{id}/edit", authz.ClientUpdate, "Change a client's fields", h.edit),
	}
}

// pageTemplates maps each page to its template file.
var pageTemplates = []string{"login", "home", "search", "client_form", "client", "error"}

func newHandler(srv *server.Server) *handler {
	h := &handler{srv: srv, cat: srv.Catalog(), pages: map[string]*template.Template{},
		static: map[string]staticFile{}, crossOrigin: http.NewCrossOriginProtection()}
	base := template.Must(template.New("layout.html").ParseFS(files, "templates/layout.html", "templates/partials/*.html"))
	for _, name := range pageTemplates {
		t := template.Must(base.Clone())
		h.pages[name] = template.Must(t.ParseFS(files, "templates/"+name+".html"))
	}
	entries, err := fs.ReadDir(files, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := files.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		h.static[e.Name()] = staticFile{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, contentType: contentType(e.Name())}
	}
	css, ok := h.static["app.css"]
	if !ok {
		panic("web: static/app.css is missing")
	}
	h.cssURL = "/static/app.css?v=" + css.etag[1:len(css.etag)-1]
	return h
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	}
	return "application/octet-stream"
}

// render executes a page into a buffer first, so that a template error never
// leaves half a page, and writes it with the status. Pages may hold personal
// data: they are never cached.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout.html", data); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Language", server.From(r).Lang)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// redirect answers a form post with 303 See Other.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusSeeOther)
}
