// Package authz holds the permission decisions: which role may perform which
// named action on which municipality's data. It is pure: no I/O. The store
// enforces the same rules in SQL (scoped queries) and the server asks Allowed
// before it calls the store, so there is one table to review: Rules.
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
	MainUserAppoint    Action = "main_user.appoint"
	MainUserRemove     Action = "main_user.remove"
	OrganisationRead   Action = "organisation.read"
	AuditRead          Action = "audit.read"
	AuditVerify        Action = "audit.verify"
	AnomalyRead        Action = "anomaly.read"
	AnomalyReport      Action = "anomaly.report"
	AnomalyInvestigate Action = "anomaly.investigate"
	StatisticsRead     Action = "statistics.read"
	// Case records.
	AssessmentCreate Action = "assessment.create"
	AssessmentRead   Action = "assessment.read"
	PlanCreate       Action = "plan.create"
	PlanRead         Action = "plan.read"
	PlanReview       Action = "plan.review"
	ServiceCreate    Action = "service.create"
	ServiceRead      Action = "service.read"
	ClientTransfer   Action = "client.transfer"
	TimelineRead     Action = "timeline.read"
	WorklistRead     Action = "worklist.read"
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
}

// Rules is the permission table. Changing it changes the golden permission matrix.
var Rules = map[Action]Rule{
	Public:             {Scope: ScopeNone},
	AccountRead:        {Scope: ScopeNone},
	ClientCreate:       {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}},
	ClientRead:         {Scope: ScopeMunicipality, GrantRoles: []Role{Worker, Viewer}},
	ClientUpdate:       {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}},
	ClientSearch:       {Scope: ScopeMunicipality, GrantRoles: []Role{Worker, Viewer}},
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
	AnomalyRead:        {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, NationalRoles: []Role{LogMonitor}},
	AnomalyReport:      {Scope: ScopeNational, OrgRoles: []Role{LogMonitor}},
	AnomalyInvestigate: {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}},
	AuditVerify:        {Scope: ScopeNational, OrgRoles: []Role{LogMonitor}},
	AuditRead:          {Scope: ScopeMunicipality, OrgRoles: []Role{MainUser}, NationalRoles: []Role{LogMonitor}},
	StatisticsRead:     {Scope: ScopeNational, OrgRoles: []Role{Statistician}},
	AssessmentCreate:   {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}},
	AssessmentRead:     {Scope: ScopeMunicipality, GrantRoles: []Role{Worker, Viewer}},
	PlanCreate:         {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}},
	PlanRead:           {Scope: ScopeMunicipality, GrantRoles: []Role{Worker, Viewer}},
	PlanReview:         {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}},
	ServiceCreate:      {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}},
	ServiceRead:        {Scope: ScopeMunicipality, GrantRoles: []Role{Worker, Viewer}},
	ClientTransfer:     {Scope: ScopeMunicipality, GrantRoles: []Role{Worker}},
	TimelineRead:       {Scope: ScopeMunicipality, GrantRoles: []Role{Worker, Viewer}},
	WorklistRead:       {Scope: ScopeMunicipality, GrantRoles: []Role{Worker, Viewer}},
}

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
