// Package authz holds the permission decisions: which role may perform which
// named action on which municipality's data. It is pure: no I/O. Rules is the
// one table to review. The server asks Allowed before it calls the store only
// for national actions and route role narrowing; municipality-scoped actions
// are decided by the store, which asks Allowed for the municipality named in
// the request and builds its SQL grant filter from the same rule (see
// store.grantFilter), so the golden permission matrix reviews what the SQL
// enforces. Every audited action, also those without a route (sign-in,
// imports, retention), is an Action constant with a rule.
package authz

import (
	"slices"

	"github.com/kotodigi/kotodigi/internal/model"
)

// Role is an organisation-level role or a municipality grant role.
type Role string

// Roles (DESIGN.md § 1).
const (
	KehaAdmin    Role = "keha_admin"
	LogMonitor   Role = "log_monitor"
	MainUser     Role = "main_user"
	Worker       Role = "worker"
	Viewer       Role = "viewer"
	Statistician Role = "statistician"
)

// OrgRoles are the roles held through one's own organisation (not grants).
var OrgRoles = []Role{KehaAdmin, LogMonitor, MainUser, Statistician}

// AllRoles lists every role, for the permission matrix.
var AllRoles = []Role{KehaAdmin, LogMonitor, MainUser, Worker, Viewer, Statistician}

// Action is a named action; every endpoint declares exactly one.
type Action string

// Actions. Names used in the audit trail are fixed by CONTRACT.md.
const (
	Public             Action = "public"
	AccountRead        Action = "account.read" // my own account and grants
	ClientCreate       Action = "client.create"
	ClientRead         Action = "client.read"
	ClientUpdate       Action = "client.update"
	ClientSearch       Action = "client.search"
	GrantCreate        Action = "grant.create"
	GrantRevoke        Action = "grant.revoke"
	GrantList          Action = "grant.list"
	GrantUpdate        Action = "grant.update"
	AccountCreate      Action = "account.create"
	AccountList        Action = "account.list"
	AccountDisable     Action = "account.disable"
	AccountEnable      Action = "account.enable"
	AccountInvite      Action = "account.invite"
	MainUserAppoint    Action = "main_user.appoint"
	MainUserRemove     Action = "main_user.remove"
	OrganisationRead   Action = "organisation.read"
	AuditRead          Action = "audit.read"
	AuditVerify        Action = "audit.verify"
	AnomalyRead        Action = "anomaly.read"
	AnomalyReport      Action = "anomaly.report"
	AnomalyInvestigate Action = "anomaly.investigate"
	StatisticsRead     Action = "statistics.read"
	// IndicatorRead: indicator figures (knowledge management); audited as a
	// non-personal read.
	IndicatorRead Action = "indicator.read"
	// DataQualityRead: the counts of a municipality's data-quality page
	// (clients, assessments and services whose data keeps its figures
	// incomplete); audited, no client named.
	DataQualityRead Action = "data_quality.read"
	// DataQualityClients: the municipality's own clients behind one count
	// of the data-quality page (names: personal data).
	DataQualityClients Action = "data_quality.clients"
	// Case records.
	AssessmentCreate Action = "assessment.create"
	AssessmentRead   Action = "assessment.read"
	PlanCreate       Action = "plan.create"
	PlanRead         Action = "plan.read"
	PlanReview       Action = "plan.review"
	ServiceCreate    Action = "service.create"
	ServiceRead      Action = "service.read"
	ClientTransfer   Action = "client.transfer"
	// Corrections of case records (GDPR art. 16; CONTRACT.md § 3): every
	// earlier version is kept with the reason; also marking a record as
	// entered in error.
	AssessmentUpdate Action = "assessment.update"
	PlanUpdate       Action = "plan.update"
	ReviewUpdate     Action = "review.update"
	ServiceUpdate    Action = "service.update"
	// Closing and reopening a client relationship.
	ClientClose  Action = "client.close"
	ClientReopen Action = "client.reopen"
	// ResponsibleRead: a main user lists the municipality's clients that
	// need a responsible worker (none with access, or transferred in) and
	// a client's responsible workers; ResponsibleAssign sets them.
	ResponsibleRead   Action = "responsible.read"
	ResponsibleAssign Action = "responsible.assign"
	TimelineRead      Action = "timeline.read"
	WorklistRead      Action = "worklist.read"
	// ImportManage: a municipality's main user imports the data of an
	// earlier system in the web UI (upload, dry-run report, confirm, result).
	ImportManage Action = "import.manage"
	// JobRead: the background jobs' status page (KEHA-keskus).
	JobRead Action = "job.read"
	// ClientLookup: a main user finds a client of the municipality by full
	// identity code or UMA number, for "who has seen this client's data" and
	// the subject access report; it shows who the person is, no case data.
	ClientLookup Action = "client.lookup"
	// ClientSubjectAccessReport: everything stored about a client and who
	// has processed it (GDPR art. 15), for the responsible municipality's
	// main user.
	ClientSubjectAccessReport Action = "client.subject_access_report"
	// ClientLegalHold: set or clear a legal hold that stops retention from
	// removing a client.
	ClientLegalHold Action = "client.legal_hold"
	// RetentionRead: the retention dry run (what a run would remove, counts
	// only), for KEHA-keskus.
	RetentionRead Action = "retention.read"
	// Merging two records of one person (issue 13.5): a main user requests
	// (naming the other record by identity code or UMA number), the other
	// responsible municipality's main user approves or refuses, or a
	// KEHA-keskus admin decides alone; the same parties may undo within 30
	// days. Reading the requests shows who the records are.
	ClientMergeRequest Action = "client.merge_request"
	ClientMergeRead    Action = "client.merge_read"
	ClientMergeDecide  Action = "client.merge_decide"
	ClientMergeUndo    Action = "client.merge_undo"
	// Audited actions without a route (ScopeSystem): sign-in, the command
	// line and background jobs record them.
	AuthSignIn  Action = "auth.sign_in"
	AuthSignOut Action = "auth.sign_out"
	TokenCreate Action = "token.create"
	// AccountSetPassword: a person set their password with an invitation link.
	AccountSetPassword Action = "account.set_password"
	ClientImport       Action = "client.import"
	ImportRun          Action = "import.run"
	AuditRetention     Action = "audit.retention"
	// StatisticsRefresh: a new snapshot of the indicators was published.
	StatisticsRefresh Action = "statistics.refresh"
	// RetentionRun: the retention job (or `kotodigi retention`) removed what
	// had passed its retention period, or listed it in a dry run.
	RetentionRun Action = "retention.run"
	// SyntheticGenerate: the command line filled a test database with
	// synthetic clients (one event per run; benchmark data, not audited per
	// client).
	SyntheticGenerate Action = "synthetic.generate"
)

// Scope says against what an action is checked.
type Scope int

const (
	// ScopeNone: any authenticated account.
	ScopeNone Scope = iota
	// ScopeMunicipality: the action targets one municipality's data; the caller
	// needs one of GrantRoles from that municipality or one of OrgRoles in it.
	ScopeMunicipality
	// ScopeNational: the caller needs one of OrgRoles; no municipality involved.
	ScopeNational
	// ScopeSystem: recorded by sign-in, the command line or a job; no route
	// may declare it and Allowed always denies it.
	ScopeSystem
)

// Rule is who may perform an action.
type Rule struct {
	Scope Scope
	// GrantRoles: roles granted by the target municipality that allow it.
	GrantRoles []Role
	// OrgRoles: organisation roles that allow it (for ScopeMunicipality: only
	// for the caller's own municipality, except NationalRoles).
	OrgRoles []Role
	// NationalRoles: organisation roles that allow it for any municipality.
	NationalRoles []Role
	// PersonalData: the action reads or writes a client's personal data (log
	// monitoring's unusual-hours rule, the audit log's grouping).
	PersonalData bool
	// Work: the action records work on a client (create, change, case record);
	// reads are not work (log monitoring's reads-without-work rule).
	Work bool
}

// Rules is the permission table. Changing it changes the golden permission matrix.
var Rules = map[Action]Rule{
	Public:             {Scope: ScopeNone},
	AccountRead:        {Scope: ScopeNone},
	ClientCreate:       {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}, PersonalData: true, Work: true},
	ClientRead:         {Scope: ScopeMunicipality, GrantRoles: []Role{Worker, Viewer}, PersonalData: true},
	ClientUpdate:       {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}, PersonalData: true, Work: true},
	ClientSearch:       {Scope: ScopeMunicipality, GrantRoles: []Role{Worker, Viewer}, PersonalData: true},
	GrantCreate:        {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}},
	GrantRevoke:        {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}},
	GrantList:          {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}},
	GrantUpdate:        {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}},
	AccountCreate:      {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, NationalRoles: []Role{KehaAdmin}},
	AccountList:        {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, NationalRoles: []Role{KehaAdmin}},
	MainUserAppoint:    {Scope: ScopeNational, OrgRoles: []Role{KehaAdmin}},
	MainUserRemove:     {Scope: ScopeNational, OrgRoles: []Role{KehaAdmin}},
	OrganisationRead:   {Scope: ScopeNational, OrgRoles: []Role{KehaAdmin}},
	AccountDisable:     {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, NationalRoles: []Role{KehaAdmin}},
	AccountEnable:      {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, NationalRoles: []Role{KehaAdmin}},
	AccountInvite:      {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, NationalRoles: []Role{KehaAdmin}},
	AccountSetPassword: {Scope: ScopeSystem},
	AnomalyRead:        {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, NationalRoles: []Role{LogMonitor}},
	AnomalyReport:      {Scope: ScopeNational, OrgRoles: []Role{LogMonitor}},
	AnomalyInvestigate: {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}},
	AuditVerify:        {Scope: ScopeNational, OrgRoles: []Role{LogMonitor}},
	AuditRead:          {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, NationalRoles: []Role{LogMonitor}},
	StatisticsRead:     {Scope: ScopeNational, OrgRoles: []Role{Statistician}},
	IndicatorRead:      {Scope: ScopeNational, OrgRoles: []Role{Statistician, MainUser}},
	DataQualityRead:    {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}},
	DataQualityClients: {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, PersonalData: true},
	AssessmentCreate:   {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}, PersonalData: true, Work: true},
	AssessmentRead:     {Scope: ScopeMunicipality, GrantRoles: []Role{Worker, Viewer}, PersonalData: true},
	PlanCreate:         {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}, PersonalData: true, Work: true},
	PlanRead:           {Scope: ScopeMunicipality, GrantRoles: []Role{Worker, Viewer}, PersonalData: true},
	PlanReview:         {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}, PersonalData: true, Work: true},
	ServiceCreate:      {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}, PersonalData: true, Work: true},
	ServiceRead:        {Scope: ScopeMunicipality, GrantRoles: []Role{Worker, Viewer}, PersonalData: true},
	ClientTransfer:     {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}, PersonalData: true, Work: true},
	AssessmentUpdate:   {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}, PersonalData: true, Work: true},
	PlanUpdate:         {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}, PersonalData: true, Work: true},
	ReviewUpdate:       {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}, PersonalData: true, Work: true},
	ServiceUpdate:      {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}, PersonalData: true, Work: true},
	ClientClose:        {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}, PersonalData: true, Work: true},
	ClientReopen:       {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}, PersonalData: true, Work: true},
	ResponsibleRead:    {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, PersonalData: true},
	ResponsibleAssign:  {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, PersonalData: true},
	TimelineRead:       {Scope: ScopeMunicipality, GrantRoles: []Role{Worker, Viewer}, PersonalData: true},
	WorklistRead:       {Scope: ScopeMunicipality, GrantRoles: []Role{Worker, Viewer}, PersonalData: true},
	JobRead:            {Scope: ScopeNational, OrgRoles: []Role{KehaAdmin, LogMonitor}},
	ClientLookup:       {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, PersonalData: true},
	// The report and the legal hold: the responsible municipality's main
	// user; a legal hold also KEHA-keskus' admin (retention is national).
	ClientSubjectAccessReport: {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, PersonalData: true},
	ClientLegalHold:           {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, NationalRoles: []Role{KehaAdmin}, PersonalData: true},
	RetentionRead:             {Scope: ScopeNational, OrgRoles: []Role{KehaAdmin}},
	// Merges: a responsible municipality's main user, or KEHA-keskus' admin.
	ClientMergeRequest: {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, NationalRoles: []Role{KehaAdmin}, PersonalData: true},
	ClientMergeRead:    {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, NationalRoles: []Role{KehaAdmin}, PersonalData: true},
	ClientMergeDecide:  {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, NationalRoles: []Role{KehaAdmin}, PersonalData: true},
	ClientMergeUndo:    {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, NationalRoles: []Role{KehaAdmin}, PersonalData: true},
	RetentionRun:       {Scope: ScopeSystem},
	AuthSignIn:         {Scope: ScopeSystem},
	AuthSignOut:        {Scope: ScopeSystem},
	TokenCreate:        {Scope: ScopeSystem},
	ClientImport:       {Scope: ScopeSystem, PersonalData: true, Work: true},
	ImportRun:          {Scope: ScopeSystem, PersonalData: true},
	ImportManage:       {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}},
	AuditRetention:     {Scope: ScopeSystem},
	StatisticsRefresh:  {Scope: ScopeSystem},
	SyntheticGenerate:  {Scope: ScopeSystem, PersonalData: true},
}

// Actions returns every action, sorted by name.
func Actions() []Action {
	out := make([]Action, 0, len(Rules))
	for a := range Rules {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// Audited returns the actions that can appear in the audit trail (every
// action but Public and AccountRead, which touch nothing worth recording),
// sorted by name.
func Audited() []Action {
	return slices.DeleteFunc(Actions(), func(a Action) bool { return a == Public || a == AccountRead })
}

// PersonalData reports whether action a reads or writes a client's personal data.
func (a Action) PersonalData() bool { return Rules[a].PersonalData }

// Work reports whether action a records work on a client.
func (a Action) Work() bool { return Rules[a].Work }

// Read reports whether action a only reads a client's personal data (personal
// data, not work). A read is also allowed to a municipality that transferred
// the client away, during the transfer's read period (store.grantFilter).
func (a Action) Read() bool { r := Rules[a]; return r.PersonalData && !r.Work }

// Grant is an active access right from a municipality.
type Grant struct {
	ID           int64       `json:"id"`
	Municipality string      `json:"municipality"`
	Role         Role        `json:"role"`
	Task         string      `json:"task"`
	ValidUntil   *model.Date `json:"valid_until"`
}

// Principal is the signed-in account with its roles and currently active grants.
type Principal struct {
	AccountID      int64
	Email          string
	Name           string
	OrganisationID string // municipality:091, wellbeing_county:01, keha, tem, regional_centre:slug
	OrgKind        string
	OrgCode        string
	Roles          []Role
	Grants         []Grant
}

// HasRole reports whether p holds the organisation role r.
func (p *Principal) HasRole(r Role) bool { return slices.Contains(p.Roles, r) }

// HoldsAny reports whether p holds one of roles, as an organisation role or
// through an active grant.
func (p *Principal) HoldsAny(roles []Role) bool {
	for _, r := range roles {
		if p.HasRole(r) {
			return true
		}
		for _, g := range p.Grants {
			if g.Role == r {
				return true
			}
		}
	}
	return false
}

// GrantFor returns p's active grant from municipality with one of roles.
func (p *Principal) GrantFor(municipality string, roles []Role) (Grant, bool) {
	for _, g := range p.Grants {
		if g.Municipality == municipality && slices.Contains(roles, g.Role) {
			return g, true
		}
	}
	return Grant{}, false
}

// Municipalities lists the municipalities whose data p may use for action a
// through grants (sorted, unique).
func (p *Principal) Municipalities(a Action) []string {
	rule := Rules[a]
	var out []string
	for _, g := range p.Grants {
		if slices.Contains(rule.GrantRoles, g.Role) && !slices.Contains(out, g.Municipality) {
			out = append(out, g.Municipality)
		}
	}
	if p.OrgKind == "municipality" && slices.ContainsFunc(rule.OrgRoles, p.HasRole) && !slices.Contains(out, p.OrgCode) {
		out = append(out, p.OrgCode)
	}
	slices.Sort(out)
	return out
}

// Decision is the outcome of Allowed: whether, and which grant (0 = none) allows it.
type Decision struct {
	Allowed bool
	GrantID int64
}

// Allowed decides whether p may perform a on municipality's data ("" for
// actions that are not scoped to one municipality).
func (p *Principal) Allowed(a Action, municipality string) Decision {
	rule, ok := Rules[a]
	if !ok || p == nil {
		return Decision{} // fail closed: an action without a rule is denied
	}
	switch rule.Scope {
	case ScopeSystem:
		return Decision{}
	case ScopeNone:
		return Decision{Allowed: true}
	case ScopeNational:
		return Decision{Allowed: slices.ContainsFunc(rule.OrgRoles, p.HasRole)}
	}
	if slices.ContainsFunc(rule.NationalRoles, p.HasRole) {
		return Decision{Allowed: true}
	}
	if municipality == "" {
		// "Any municipality": allowed if the caller holds the action anywhere.
		return Decision{Allowed: len(p.Municipalities(a)) > 0}
	}
	if g, ok := p.GrantFor(municipality, rule.GrantRoles); ok {
		return Decision{Allowed: true, GrantID: g.ID}
	}
	if p.OrgKind == "municipality" && p.OrgCode == municipality && slices.ContainsFunc(rule.OrgRoles, p.HasRole) {
		return Decision{Allowed: true}
	}
	return Decision{}
}
