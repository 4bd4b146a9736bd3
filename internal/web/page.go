package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

// Page is what the layout needs; every page's view model embeds it.
type Page struct {
	Lang string
	// Title is the translated page title (without the service name).
	Title string
	// HasErrors prefixes the title with "Error:" so that screen-reader users
	// hear at once that the form was not accepted.
	HasErrors bool
	// Nav is the current navigation item ("home", "search", "register").
	Nav       string
	SignedIn  bool
	UserName  string
	CSRFToken string
	CanSearch bool
	CanCreate bool
	// Here is where the language switcher comes back to.
	Here   string
	CSSURL string
	cat    *locale.Catalog
}

// T translates key into the page's language.
func (p Page) T(key string, args ...any) string { return p.cat.T(p.Lang, key, args...) }

// LangChoice is one button of the language switcher.
type LangChoice struct {
	Code, Label string
	Current     bool
}

// Languages lists the language switcher's choices, each named in its own language.
func (p Page) Languages() []LangChoice {
	out := make([]LangChoice, 0, len(locale.Languages))
	for _, l := range locale.Languages {
		out = append(out, LangChoice{Code: l, Label: p.cat.T(l, "lang.self"), Current: l == p.Lang})
	}
	return out
}

// FullTitle is the <title>: page, service and, on a failed form, an error prefix.
func (p Page) FullTitle() string {
	t := p.Title + " – " + p.T("app.name")
	if p.HasErrors {
		t = p.T("form.error_prefix") + " " + t
	}
	return t
}

// errorSummary is the box of errors at the top of a form.
type errorSummary struct {
	Title string
	Items []summaryItem
}

// Summarize gives the error summary of items, or nil when there is nothing wrong.
func (p Page) Summarize(items []summaryItem) *errorSummary {
	if len(items) == 0 {
		return nil
	}
	return &errorSummary{Title: p.T("form.error_summary_title"), Items: items}
}

// newPage builds the layout's part of a view model from the request.
func (h *handler) newPage(r *http.Request, titleKey, nav string) Page {
	req := server.From(r)
	p := Page{Lang: req.Lang, Nav: nav, CSRFToken: req.CSRFToken, CSSURL: h.cssURL, cat: h.cat, Here: herePath(r)}
	p.Title = p.T(titleKey)
	if pr := req.Actor.Principal; pr != nil {
		p.SignedIn = true
		p.UserName = pr.Name
		p.CanSearch = pr.Allowed(authz.ClientSearch, "").Allowed
		p.CanCreate = len(pr.Municipalities(authz.ClientCreate)) > 0
	}
	return p
}

// herePath is the page to come back to after a language change: the path of
// a GET page (never its query), or the form page a POST came from.
func herePath(r *http.Request) string {
	p := r.URL.Path
	if r.Method == http.MethodGet {
		return p
	}
	switch {
	case p == "/clients/search":
		return "/clients"
	case p == "/login", p == "/clients/new", strings.HasSuffix(p, "/edit"):
		return p
	}
	return "/"
}

// formatDate writes a date as people in Finland read it: 1.2.2026 in Finnish
// and Swedish, 1 February 2026 in English.
func formatDate(lang string, d *model.Date) string {
	if d == nil || d.IsZero() {
		return ""
	}
	if lang == "en" {
		return fmt.Sprintf("%d %s %d", d.Day, d.Month.String(), d.Year)
	}
	return fmt.Sprintf("%d.%d.%d", d.Day, int(d.Month), d.Year)
}

// formatTime writes a moment in Finnish time.
func formatTime(lang string, t time.Time) string {
	t = t.In(store.Finland)
	d := model.DateOf(t)
	switch lang {
	case "fi":
		return formatDate(lang, &d) + " klo " + t.Format("15.04")
	case "sv":
		return formatDate(lang, &d) + " kl. " + t.Format("15.04")
	}
	return formatDate(lang, &d) + " " + t.Format("15:04")
}

func (h *handler) yesNo(lang string, b bool) string {
	if b {
		return h.cat.T(lang, "common.yes")
	}
	return h.cat.T(lang, "common.no")
}

// municipalityLabel is "Helsinki (091)".
func (h *handler) municipalityLabel(code, lang string) string {
	if code == "" {
		return ""
	}
	return h.srv.Store().MunicipalityName(code, lang) + " (" + code + ")"
}

// residenceLabel translates a residence basis type.
func (h *handler) residenceLabel(lang, typ string) string {
	if typ == "" {
		return ""
	}
	key := "residence." + typ
	if !h.cat.Has(key) {
		return typ
	}
	return h.cat.T(lang, key)
}

// serviceLanguageLabel translates a service language code.
func (h *handler) serviceLanguageLabel(lang, code string) string {
	switch code {
	case "fi", "sv":
		return h.cat.T(lang, "service_language."+code)
	}
	return code
}
