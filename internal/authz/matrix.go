package authz

import (
	"fmt"
	"strings"
)

// Endpoint is what the permission matrix needs to know of a route.
type Endpoint struct {
	Method, Pattern string
	Action          Action
	Roles           []Role // the route's narrowing, if any
}

// PrincipalFor returns a principal holding role r in the context of
// municipality muni: a grant from muni for grant roles, employment by muni for
// main_user, KEHA-keskus for keha_admin and log_monitor, the ministry for
// statistician.
func PrincipalFor(r Role, muni string) *Principal {
	p := &Principal{AccountID: 1, Email: string(r) + "@example.invalid"}
	switch r {
	case Worker, Viewer:
		p.OrganisationID, p.OrgKind, p.OrgCode = "municipality:"+muni, "municipality", muni
		p.Grants = []Grant{{ID: 1, Municipality: muni, Role: r, Task: "matrix"}}
	case MainUser:
		p.OrganisationID, p.OrgKind, p.OrgCode = "municipality:"+muni, "municipality", muni
		p.Roles = []Role{r}
	case KehaAdmin, LogMonitor:
		p.OrganisationID, p.OrgKind, p.OrgCode = "keha", "keha", "keha"
		p.Roles = []Role{r}
	case Statistician:
		p.OrganisationID, p.OrgKind, p.OrgCode = "tem", "tem", "tem"
		p.Roles = []Role{r}
	}
	return p
}

// MatrixCSV renders, for every endpoint and role, whether the role may act on
// its own municipality's data and on another municipality's data, as a CSV
// that a person can review (and a golden file that shows every change).
func MatrixCSV(endpoints []Endpoint) string {
	var b strings.Builder
	b.WriteString("method,path,action,role,own_municipality,other_municipality\n")
	yes := func(d Decision) string {
		if d.Allowed {
			return "allow"
		}
		return "deny"
	}
	for _, e := range endpoints {
		for _, r := range AllRoles {
			p := PrincipalFor(r, "091")
			own, other := p.Allowed(e.Action, "091"), p.Allowed(e.Action, "049")
			if len(e.Roles) > 0 && !p.HoldsAny(e.Roles) {
				own, other = Decision{}, Decision{}
			}
			fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s\n", e.Method, e.Pattern, e.Action, r, yes(own), yes(other))
		}
	}
	return b.String()
}
