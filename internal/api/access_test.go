package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

func TestMainUserManagesAccessAndKehaAppointsMainUsers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		ctx := context.Background()
		m := "main@hel.example"
		// Accounts: own staff yes; another municipality's or another county's no; roles no; service provider not in this version.
		if st, got := e.do(m, "POST", "/api/v1/accounts", map[string]any{"email": "new@hel.example", "name": "New Worker", "organisation": "municipality:091"}); st != 201 {
			t.Fatalf("own staff account: %d %v", st, got)
		}
		if st, _ := e.do(m, "POST", "/api/v1/accounts", map[string]any{"email": "x@espoo.example", "name": "X", "organisation": "municipality:049"}); st != 403 {
			t.Errorf("account for another municipality: %d", st)
		}
		if st, _ := e.do(m, "POST", "/api/v1/accounts", map[string]any{"email": "x@hel.example", "name": "X", "organisation": "municipality:091", "roles": []string{"main_user"}}); st != 403 {
			t.Errorf("main user makes a main user: %d", st)
		}
		if st, got := e.do(m, "POST", "/api/v1/accounts", map[string]any{"email": "x@acme.example", "name": "X", "organisation": "service_provider:acme"}); st != 422 || got["code"] != "not_in_this_version" {
			t.Errorf("service provider account: %d %v", st, got)
		}
		// Espoo belongs to wellbeing county 03: Espoo's main user may make county staff accounts.
		if _, err := e.s.CreateAccount(ctx, store.OperatorActor(), store.NewAccount{Email: "main@espoo.example", Name: "M", OrganisationID: "municipality:049"}); err != nil {
			t.Fatal(err)
		}
		e.tokens["admin@keha.example"] = e.token(t, "admin@keha.example", "keha", "keha_admin")
		if st, got := e.do("admin@keha.example", "POST", "/api/v1/main-users", map[string]any{"email": "main@espoo.example"}); st != 204 {
			t.Fatalf("KEHA appoints: %d %v", st, got)
		}
		e.tokens["main@espoo.example"], _ = e.s.CreateToken(ctx, store.OperatorActor(), "main@espoo.example", time.Hour)
		if st, got := e.do("main@espoo.example", "POST", "/api/v1/accounts", map[string]any{"email": "nurse@lu.example", "name": "Nurse", "organisation": "wellbeing_county:03"}); st != 201 {
			t.Errorf("county staff account by Espoo: %d %v", st, got)
		}
		if st, got := e.do("main@espoo.example", "POST", "/api/v1/grants", map[string]any{"email": "nurse@lu.example", "municipality": "049", "role": "viewer", "task": "§ 14 with the county"}); st != 201 {
			t.Errorf("county staff grant by Espoo: %d %v", st, got)
		}
		// Only KEHA appoints; a main user cannot, nor can KEHA appoint non-municipal staff.
		if st, _ := e.do(m, "POST", "/api/v1/main-users", map[string]any{"email": "new@hel.example"}); st != 403 {
			t.Errorf("main user appoints: %d", st)
		}
		if st, _ := e.do("admin@keha.example", "POST", "/api/v1/main-users", map[string]any{"email": "monitor@keha.example"}); st != 422 {
			t.Errorf("KEHA staff as municipal main user: %d", st)
		}
		// Grants: create, change, review, dormant revocation.
		_, g := e.do(m, "POST", "/api/v1/grants", map[string]any{"email": "new@hel.example", "municipality": "091", "role": "viewer", "task": "§ 14", "valid_until": "2026-12-10"})
		gid := itoa(int64(g["id"].(float64)))
		if st, got := e.do(m, "PATCH", "/api/v1/grants/"+gid, map[string]any{"role": "worker", "valid_until": nil}); st != 200 || got["role"] != "worker" || got["valid_until"] != nil {
			t.Errorf("change grant: %d %v", st, got)
		}
		if st, _ := e.do(m, "PATCH", "/api/v1/grants/"+gid, map[string]any{"role": "keha_admin"}); st != 422 {
			t.Errorf("escalating change: %d", st)
		}
		for _, bad := range []any{"2026-02-30", 20261231, "31.12.2026"} {
			if st, got := e.do(m, "PATCH", "/api/v1/grants/"+gid, map[string]any{"valid_until": bad}); st != 422 || !contains(fieldCodes(got), "valid_until:invalid_date") {
				t.Errorf("end date %v: %d %v", bad, st, got)
			}
		}
		st, review := e.do(m, "GET", "/api/v1/municipalities/091/grants", nil)
		if st != 200 {
			t.Fatalf("review: %d", st)
		}
		found := false
		for _, it := range review["items"].([]any) {
			r := it.(map[string]any)
			if r["email"] == "new@hel.example" && r["created_by"] == m && r["active"] == true {
				found = true
			}
			if r["municipality"] != "091" {
				t.Errorf("review shows another municipality's grant: %v", r)
			}
		}
		if !found {
			t.Errorf("review lacks the new grant: %v", review)
		}
		if st, _ := e.do("main@espoo.example", "GET", "/api/v1/municipalities/091/grants", nil); st != 403 {
			t.Errorf("Espoo reviews Helsinki: %d", st)
		}
		// Nobody has signed in: everyone with a grant created "now" is not dormant yet.
		if st, got := e.do(m, "POST", "/api/v1/municipalities/091/grants/revoke-dormant", nil); st != 200 || len(got["revoked"].([]any)) != 0 {
			t.Errorf("revoke dormant now: %d %v", st, got)
		}
		later := store.Actor{Principal: e.principal(m)}
		s2 := e.reopenAt(t, tg, testNow.Add(91*24*time.Hour))
		ids, err := s2.RevokeDormantGrants(ctx, later, "091")
		if err != nil || len(ids) < 2 {
			t.Errorf("revoke dormant after 91 days: %v %v", ids, err)
		}
	})
}

// token creates an account with a role and returns a token for it.
func (e *env) token(t *testing.T, email, org, role string) string {
	t.Helper()
	ctx := context.Background()
	in := store.NewAccount{Email: email, Name: "N", OrganisationID: org}
	if role != "" {
		in.Roles = append(in.Roles, roleOf(role))
	}
	if _, err := e.s.CreateAccount(ctx, store.OperatorActor(), in); err != nil {
		t.Fatal(err)
	}
	tok, err := e.s.CreateToken(ctx, store.OperatorActor(), email, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// reopenAt opens the same database with the clock at another time.
func (e *env) reopenAt(t *testing.T, tg testdb.Target, now time.Time) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), tg.URL, store.Options{Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
