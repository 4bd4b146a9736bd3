package store

import (
	"strings"

	"github.com/kotodigi/kotodigi/internal/authz"
)

// grantFilter is the SQL subquery "the grants of account $A, active on day
// $T, that allow action on client c", with accountParam and todayParam naming
// $A and $T. It is built from the action's rule in authz.Rules, so that the
// SQL scoping every client query and the golden permission matrix are one
// rule: a grant with one of the rule's GrantRoles from the client's
// municipality, or one of its OrgRoles held by an account of that
// municipality; for a read (authz.Action.Read) also such a grant or role of
// a municipality that transferred the client away, until the transfer's
// read period ends (client_transfers.read_until). A rule the SQL cannot
// express (no roles, or national roles) is a programming error: grantFilter
// panics, and TestGrantFilterIsTheRule covers every rule.
func grantFilter(action authz.Action, accountParam, todayParam string) string {
	rule := authz.Rules[action]
	if rule.Scope != authz.ScopeMunicipality || len(rule.GrantRoles)+len(rule.OrgRoles) == 0 || len(rule.NationalRoles) > 0 {
		panic("store: the SQL grant filter cannot express the rule of " + string(action))
	}
	// municipality is "the client's municipality" (col is the municipality
	// code a grant or an organisation names), and for a read also one that
	// transferred the client away, during the transfer's read period.
	municipality := func(col, prefix string) string {
		m := col + ` = ` + prefix + `c.municipality_code`
		if action.Read() {
			m = `(` + m + ` OR ` + col + ` IN (SELECT ` + prefix + `t.from_municipality FROM client_transfers t
			WHERE t.client_id = c.id AND t.read_until >= ` + todayParam + `))`
		}
		return m
	}
	var parts []string
	if len(rule.GrantRoles) > 0 {
		parts = append(parts, `SELECT g.id FROM grants g WHERE g.account_id = `+accountParam+` AND `+municipality("g.municipality_code", "")+`
		AND g.revoked_at IS NULL AND (g.valid_until IS NULL OR g.valid_until >= `+todayParam+`) AND g.role IN (`+sqlRoles(rule.GrantRoles)+`)`)
	}
	if len(rule.OrgRoles) > 0 {
		// An organisation role in one's own municipality (e.g. a main
		// user's): no grant, so the grant id is 0.
		parts = append(parts, `SELECT 0 FROM account_roles ar JOIN accounts a ON a.id = ar.account_id WHERE ar.account_id = `+accountParam+`
		AND a.disabled_at IS NULL AND ar.role IN (`+sqlRoles(rule.OrgRoles)+`) AND `+municipality("a.organisation_id", "'municipality:' || "))
	}
	return strings.Join(parts, ` UNION ALL `)
}

// sqlRoles lists roles as SQL string literals.
func sqlRoles(rs []authz.Role) string {
	roles := make([]string, len(rs))
	for i, r := range rs {
		if strings.Trim(string(r), "abcdefghijklmnopqrstuvwxyz_") != "" {
			panic("store: role name not fit for SQL: " + string(r))
		}
		roles[i] = "'" + string(r) + "'"
	}
	return strings.Join(roles, ", ")
}
