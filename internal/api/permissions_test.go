package api_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/api"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestEveryEndpointRefusesAnotherMunicipality calls every municipality-scoped
// API route, generated from the route table, as every role held in Espoo (049)
// or nationally, against Helsinki's (091) data, and expects a refusal (403 or
// 404) — or, for search, an answer without Helsinki's client — and no change.
func TestEveryEndpointRefusesAnotherMunicipality(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		ctx := context.Background()
		op := store.OperatorActor()
		for _, a := range []struct {
			email string
			roles []authz.Role
		}{{"main@espoo.example", []authz.Role{authz.MainUser}}, {"viewer@espoo.example", nil}, {"admin@keha.example", []authz.Role{authz.KehaAdmin}}} {
			org := "municipality:049"
			if strings.Contains(a.email, "keha") {
				org = "keha"
			}
			if _, err := e.s.CreateAccount(ctx, op, store.NewAccount{Email: a.email, Name: "N", OrganisationID: org, Roles: a.roles}); err != nil {
				t.Fatal(err)
			}
			if a.email == "viewer@espoo.example" {
				if _, err := e.s.CreateGrant(ctx, op, store.NewGrant{Email: a.email, Municipality: "049", Role: "viewer", Task: "t"}); err != nil {
					t.Fatal(err)
				}
			}
			tok, err := e.s.CreateToken(ctx, op, a.email, 3600e9)
			if err != nil {
				t.Fatal(err)
			}
			e.tokens[a.email] = tok
		}
		_, c := e.do("worker@hel.example", "POST", "/api/v1/clients", client("010190-999W"))
		clientID := c["id"].(string)
		_, g := e.do("main@hel.example", "POST", "/api/v1/grants", map[string]any{"email": "viewer@hel.example", "municipality": "091", "role": "worker", "task": "t"})
		grantID := itoa(int64(g["id"].(float64)))
		st, pl := e.do("worker@hel.example", "POST", "/api/v1/clients/"+clientID+"/plans", plan("2026-01-01", "2026-12-31"))
		if st != 201 {
			t.Fatalf("plan: %d %v", st, pl)
		}
		planID := pl["id"].(string)

		srv := server.New(server.Config{}, e.s, locale.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)))
		outsiders := []string{"worker@espoo.example", "viewer@espoo.example", "main@espoo.example", "admin@keha.example", "stats@tem.example", "staff@provider.example", "county@lu.example"}
		bodies := map[string]any{
			"POST /api/v1/clients":                              client("020295-998L"),
			"PATCH /api/v1/clients/{id}":                        map[string]any{"last_name": "Changed"},
			"POST /api/v1/clients/search":                       map[string]any{"query": "Yusuf"},
			"POST /api/v1/clients/lookup":                       map[string]any{"query": "010190-999W"},
			"POST /api/v1/grants":                               map[string]any{"email": "worker@hel.example", "municipality": "091", "role": "viewer", "task": "t"},
			"PATCH /api/v1/grants/{id}":                         map[string]any{"role": "viewer"},
			"POST /api/v1/accounts":                             map[string]any{"email": "x@hel.example", "name": "X", "organisation": "municipality:091"},
			"POST /api/v1/clients/{id}/assessments":             assessment("2026-11-20"),
			"POST /api/v1/clients/{id}/plans":                   plan("2027-01-01", "2027-06-30"),
			"POST /api/v1/clients/{id}/plans/{plan_id}/reviews": map[string]any{"date": "2026-06-30", "changes": "Changed by an outsider"},
			"POST /api/v1/clients/{id}/services":                service("guidance_and_counselling", "2026-11-20"),
			"POST /api/v1/clients/{id}/transfer":                map[string]any{"municipality": "049", "reason": "Taken by an outsider"},
			"POST /api/v1/clients/{id}/legal-hold":              map[string]any{"reason": "Set by an outsider"},
			"POST /api/v1/client-merges":                        map[string]any{"client_id": clientID, "other_identifier": "010190-999W", "keep": "other"},
		}
		tested := 0
		for _, rt := range api.Routes(srv) {
			rule := authz.Rules[rt.Action]
			if rule.Scope != authz.ScopeMunicipality {
				continue
			}
			path := rt.Pattern
			if strings.HasPrefix(path, "/api/v1/grants/") {
				path = strings.Replace(path, "{id}", grantID, 1)
			}
			path = strings.Replace(path, "{id}", clientID, 1)
			path = strings.Replace(path, "{code}", "091", 1)
			path = strings.Replace(path, "{plan_id}", planID, 1)
			switch rt.Action {
			case authz.AuditRead:
				path += "?client_id=" + clientID
			case authz.WorklistRead:
				path += "?municipality=091"
			}
			key := rt.Method + " " + rt.Pattern
			for _, who := range outsiders {
				if e.principal(who).Allowed(rt.Action, "091").Allowed {
					continue // a national role (e.g. KEHA admin creating accounts) may act anywhere
				}
				st, body := e.do(who, rt.Method, path, bodies[key])
				switch {
				case st == 403 || st == 404:
				case (rt.Action == authz.ClientSearch || rt.Action == authz.ClientLookup) && st == 200 && !strings.Contains(toJSON(body), clientID):
				case rt.Method == "GET" && !strings.Contains(rt.Pattern, "{") && st == 200 &&
					!strings.Contains(toJSON(body), clientID) && !strings.Contains(toJSON(body), `"091"`):
					// a list of the caller's own municipality's things, without Helsinki's
				default:
					t.Errorf("%s as %s: %d %v", key, who, st, body)
				}
				tested++
			}
		}
		if tested < 7*len(outsiders) {
			t.Fatalf("only %d calls made; the route table shrank?", tested)
		}
		// Nothing changed.
		if st, got := e.do("worker@hel.example", "GET", "/api/v1/clients/"+clientID, nil); st != 200 || got["last_name"] != "Yusuf" || got["municipality"] != "091" {
			t.Errorf("client changed by an outsider: %v", got)
		}
		if kinds := e.timelineKinds("worker@hel.example", clientID); !slices.Equal(kinds, []string{"plan", "jobseeker_status", "client_registered"}) {
			t.Errorf("case records added by an outsider: timeline %v", kinds)
		}
		if st, got := e.do("worker@hel.example", "GET", "/api/v1/clients/"+clientID+"/plans/"+planID, nil); st != 200 || len(got["reviews"].([]any)) != 0 {
			t.Errorf("plan reviewed by an outsider: %d %v", st, got)
		}
		_, me := e.do("viewer@hel.example", "GET", "/api/v1/me", nil)
		if len(me["grants"].([]any)) != 2 {
			t.Errorf("grant revoked by an outsider: %v", me)
		}
		if n := e.clientCount(t); n != 1 {
			t.Errorf("outsiders registered %d clients into Helsinki", n-1)
		}
	})
}
