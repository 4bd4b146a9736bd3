package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

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
	// Nav is the current navigation item ("home", "search", "register",
	// "worklist", "account", "staff", "grants", "anomalies", "main_users",
	// "monitoring_anomalies", "response_times", "audit", "jobs", "statistics", "data_quality", "import",
	// "responsible").
	Nav       string
	SignedIn  bool
	UserName  string
	CSRFToken string
	CanSearch bool
	CanCreate bool
	// CanManage: a main user's staff accounts and grants of the municipality.
	CanManage bool
	// CanImport: a main user's data migration (uploads of files to import).
	CanImport bool
	// CanInvestigate: a main user's anomalies reported to the municipality.
	CanInvestigate bool
	// CanAssignResponsible: a main user's clients that need a responsible worker.
	CanAssignResponsible bool
	// CanAppoint: a KEHA admin's main users of municipalities.
	CanAppoint bool
	// CanRetention: KEHA-keskus' retention dry run.
	CanRetention bool
	// CanMonitor: a log monitor's anomalies, response times and audit log.
	CanMonitor bool
	// CanJobs: KEHA-keskus' background jobs page (admins and log monitors).
	CanJobs bool
	// CanWorklist: a worker's or viewer's worklist of statutory deadlines.
	CanWorklist bool
	// CanStatistics: knowledge management (dashboard, table builder,
	// indicators) for statisticians and main users.
	CanStatistics bool
	// CanLookup: a main user's data requests (find the municipality's client).
	CanLookup bool
	// CanMerges: KEHA-keskus' admin's merges of two records of one person
	// (a main user reaches them from the data requests page).
	CanMerges bool
	// CanDataQuality: a main user's data quality of the municipality.
	CanDataQuality bool
	// PrintDocument marks a page that is a document to print (the printed
	// integration plan): printed, it leaves out the service's header too.
	PrintDocument bool
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
		_, p.CanManage = ownMunicipality(pr, authz.GrantList)
		_, p.CanInvestigate = ownMunicipality(pr, authz.AnomalyInvestigate)
		_, p.CanImport = ownMunicipality(pr, authz.ImportManage)
		_, p.CanAssignResponsible = ownMunicipality(pr, authz.ResponsibleAssign)
		p.CanAppoint = pr.Allowed(authz.MainUserAppoint, "").Allowed
		p.CanMonitor = isLogMonitor(pr, authz.AnomalyReport)
		p.CanJobs = pr.Allowed(authz.JobRead, "").Allowed
		p.CanRetention = pr.Allowed(authz.RetentionRead, "").Allowed
		p.CanWorklist = len(pr.Municipalities(authz.WorklistRead)) > 0
		p.CanStatistics = pr.Allowed(authz.IndicatorRead, "").Allowed
		_, p.CanLookup = ownMunicipality(pr, authz.ClientLookup)
		p.CanMerges = pr.HasRole(authz.KehaAdmin) && pr.Allowed(authz.ClientMergeRead, "").Allowed
		_, p.CanDataQuality = ownMunicipality(pr, authz.DataQualityRead)
	}
	return p
}

// ownMunicipality is the municipality whose administration the principal
// does through its own organisation (a main user's employer), if the
// principal may perform action a there.
func ownMunicipality(p *authz.Principal, a authz.Action) (string, bool) {
	if p == nil || p.OrgKind != "municipality" || !p.HasRole(authz.MainUser) || !p.Allowed(a, p.OrgCode).Allowed {
		return "", false
	}
	return p.OrgCode, true
}

// isLogMonitor reports whether the principal monitors the national audit
// log and may perform action a.
func isLogMonitor(p *authz.Principal, a authz.Action) bool {
	return p != nil && p.HasRole(authz.LogMonitor) && p.Allowed(a, "").Allowed
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
	case p == "/login", p == "/clients/new", strings.HasSuffix(p, "/edit"), strings.HasSuffix(p, "/close"),
		strings.HasPrefix(p, "/admin/responsible/"):
		return p
	case strings.HasPrefix(p, "/clients/") && (strings.HasSuffix(p, "/new") || strings.HasSuffix(p, "/transfer")):
		// The case-record forms post to their own page.
		return p
	case strings.HasPrefix(p, "/clients/") && strings.HasSuffix(p, "/reviews"):
		return strings.TrimSuffix(p, "/reviews")
	case p == "/admin/staff", p == "/monitoring/audit":
		return p
	case strings.HasPrefix(p, "/admin/grants"):
		return "/admin/grants"
	case strings.HasPrefix(p, "/admin/main-users"):
		return "/admin/main-users"
	case strings.HasPrefix(p, "/admin/anomalies/"), strings.HasPrefix(p, "/monitoring/anomalies/"):
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

// formatLastSignIn is the time of the last sign-in, or "never".
func (h *handler) formatLastSignIn(lang string, t *time.Time) string {
	if t == nil {
		return h.cat.T(lang, "common.never")
	}
	return formatTime(lang, *t)
}

// formatDecimal writes a number with one decimal, with a decimal comma in
// Finnish and Swedish.
func formatDecimal(lang string, f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// organisationNames names organisations by their ids ("municipality:091",
// "wellbeing_county:90", "keha"), looking each up at most once a request.
func (h *handler) organisationNames(r *http.Request) func(id string) string {
	return h.organisationNamesIn(r, server.From(r).Lang)
}

// organisationNamesIn names organisations in language lang.
func (h *handler) organisationNamesIn(r *http.Request, lang string) func(id string) string {
	ref := h.srv.Store().RefData()
	memo := map[string]string{}
	return func(id string) string {
		if name, ok := memo[id]; ok {
			return name
		}
		name := id
		kind, code, _ := strings.Cut(id, ":")
		switch kind {
		case "municipality":
			name = h.municipalityLabel(code, lang)
		case "wellbeing_county":
			if c, ok := ref.WellbeingCounty(code); ok {
				name = c.NameFi
				if lang == "sv" && c.NameSv != "" {
					name = c.NameSv
				}
			}
		default:
			if org, err := h.srv.Store().OrganisationByID(r.Context(), id); err == nil {
				name = org.NameFi
				if lang == "sv" && org.NameSv != "" {
					name = org.NameSv
				}
			}
		}
		memo[id] = name
		return name
	}
}

// auditActionLabel translates the name of an audited action ("client.read");
// an action without a translation is shown as it is.
func (h *handler) auditActionLabel(lang, action string) string {
	if key := "audit_action." + action; h.cat.Has(key) {
		return h.cat.T(lang, key)
	}
	return action
}

// outcomeLabel translates an audit outcome (allowed, denied).
func (h *handler) outcomeLabel(lang, outcome string) string {
	if key := "audit_outcome." + outcome; h.cat.Has(key) {
		return h.cat.T(lang, key)
	}
	return outcome
}

// roleLabels translates a list of roles.
func (h *handler) roleLabels(lang string, roles []authz.Role) string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = h.cat.T(lang, "role."+string(r))
	}
	return strings.Join(out, ", ")
}

// formatPhone groups a stored phone number as it is read aloud
// ("+358401234567" is "+358 40 1234567"); a number the library does not
// understand is shown as stored.
func formatPhone(s string) string {
	if s == "" {
		return ""
	}
	n, err := phonenumbers.Parse(s, "FI")
	if err != nil {
		return s
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}

// person is who did something: the account's name, with its e-mail address
// as secondary text (the template "person" shows it). An account without a
// name (a failed sign-in, the operator) is shown by its address alone.
type person struct{ Name, Email string }

// deref is the string p points to, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
