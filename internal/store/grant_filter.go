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
// municipality; for a read (authz.Action.Read) also such a grant from a
// municipality that transferred the client away, until the transfer's read
// period ends (client_transfers.read_until). A rule the SQL cannot express
// (no grant roles, or organisation roles besides them) is a programming
// error: grantFilter panics, and TestGrantFilterIsTheRule covers every rule.
func grantFilter(action authz.Action, accountParam, todayParam string) string {
	rule := authz.Rules[action]
	if rule.Scope != authz.ScopeMunicipality || len(rule.GrantRoles) == 0 || len(rule.OrgRoles) > 0 || len(rule.NationalRoles) > 0 {
		panic("store: the SQL grant filter cannot express the rule of " + string(action))
	}
	roles := make([]string, len(rule.GrantRoles))
	for i, r := range rule.GrantRoles {
		if strings.Trim(string(r), "abcdefghijklmnopqrstuvwxyz_") != "" {
			panic("store: role name not fit for SQL: " + string(r))
		}
		roles[i] = "'" + string(r) + "'"
	}
	muni := `g.municipality_code = c.municipality_code`
	if action.Read() {
		muni = `(` + muni + ` OR g.municipality_code IN (SELECT t.from_municipality FROM client_transfers t
			WHERE t.client_id = c.id AND t.read_until >= ` + todayParam + `))`
	}
	return `SELECT g.id FROM grants g WHERE g.account_id = ` + accountParam + ` AND ` + muni + `
		AND g.revoked_at IS NULL AND (g.valid_until IS NULL OR g.valid_until >= ` + todayParam + `) AND g.role IN (` + strings.Join(roles, ", ") + `)`
}
