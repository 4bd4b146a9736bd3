package authz

import (
	"strings"
	"testing"
)

func TestSystemActionsAreNeverAllowed(t *testing.T) {
	for _, r := range AllRoles {
		p := PrincipalFor(r, "091")
		for a, rule := range Rules {
			if rule.Scope != ScopeSystem {
				continue
			}
			if p.Allowed(a, "091").Allowed || p.Allowed(a, "").Allowed {
				t.Errorf("%s may perform the system action %s", r, a)
			}
		}
	}
}

func TestActionFlags(t *testing.T) {
	for a, rule := range Rules {
		if rule.Work && !rule.PersonalData {
			t.Errorf("%s is work on a client but not personal data", a)
		}
		// Every case-record and client action handles personal data; no
		// administration action does.
		for _, prefix := range []string{"client.", "assessment.", "plan.", "service.", "timeline.", "worklist."} {
			if strings.HasPrefix(string(a), prefix) && !rule.PersonalData {
				t.Errorf("%s is not marked as personal data", a)
			}
		}
		for _, prefix := range []string{"grant.", "account.", "main_user.", "auth.", "audit.", "anomaly.", "statistics."} {
			if strings.HasPrefix(string(a), prefix) && rule.PersonalData {
				t.Errorf("%s is marked as personal data", a)
			}
		}
		if strings.HasSuffix(string(a), ".read") && rule.Work {
			t.Errorf("%s is a read but marked as work", a)
		}
	}
	audited := Audited()
	for _, a := range []Action{AuthSignIn, ImportRun, TimelineRead, PlanCreate, ClientTransfer, AuditRetention} {
		found := false
		for _, b := range audited {
			found = found || a == b
		}
		if !found {
			t.Errorf("Audited() misses %s", a)
		}
	}
}
