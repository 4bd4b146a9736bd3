package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/kotodigi/kotodigi/internal/api"
	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/casepolicy"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// The tests in this file keep internal/api/openapi.json true: it describes
// exactly the API's route table, it is a valid OpenAPI 3.1 document, the
// server serves it unchanged, and real responses have the documented shape.

var oaMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// oaDocument parses the embedded document.
func oaDocument(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(api.OpenAPIDocument()))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("openapi.json is not a JSON object: %v", err)
	}
	if dec.More() {
		t.Fatal("openapi.json has data after the document")
	}
	return doc
}

// oaServer is a server with the API's routes on a fresh SQLite database.
func oaServer(t *testing.T, target string, opts store.Options) (*server.Server, *store.Store) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, target, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	srv := server.New(server.Config{}, s, locale.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv.Mount(api.Routes(srv))
	return srv, s
}

// oaAPIRoutes returns the API's routes ("METHOD /path" → route): those under
// /api/ and the health check. Web pages are documented elsewhere.
func oaAPIRoutes(t *testing.T) map[string]server.Route {
	t.Helper()
	srv, _ := oaServer(t, "sqlite:"+filepath.Join(t.TempDir(), "x.db"), store.Options{})
	out := map[string]server.Route{}
	for _, r := range srv.Routes() {
		if !strings.HasPrefix(r.Pattern, "/api/") && r.Pattern != "/healthz" && r.Pattern != "/readyz" {
			continue
		}
		key := strings.ToLower(r.Method) + " " + oaPathTemplate(r.Pattern)
		if _, dup := out[key]; dup {
			t.Errorf("route %s is in the route table twice", key)
		}
		out[key] = r
	}
	if len(out) == 0 {
		t.Fatal("no API routes")
	}
	return out
}

// oaPathTemplate turns a net/http pattern path into an OpenAPI path template.
func oaPathTemplate(pattern string) string {
	p := strings.TrimSuffix(pattern, "{$}")
	return regexp.MustCompile(`\{([A-Za-z0-9_]+)\.\.\.\}`).ReplaceAllString(p, "{$1}")
}

// oaOperations returns the documented operations ("method /path" → operation).
func oaOperations(t *testing.T, doc map[string]any) map[string]map[string]any {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatal("the document has no paths object")
	}
	out := map[string]map[string]any{}
	for path, item := range paths {
		item, ok := item.(map[string]any)
		if !ok {
			t.Errorf("path %s is not an object", path)
			continue
		}
		for _, m := range oaMethods {
			if op, ok := item[m].(map[string]any); ok {
				out[m+" "+path] = op
			}
		}
	}
	return out
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := oaDocument(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] != "kotodigi" || info["version"] == nil || !strings.Contains(fmt.Sprint(info["description"]), "681/2023") {
		t.Errorf("info = %v: want title kotodigi, a version and a description naming the Integration Act 681/2023", info)
	}
	if !reflect.DeepEqual(doc["servers"], []any{map[string]any{"url": "/"}}) {
		t.Errorf("servers = %v", doc["servers"])
	}
	scheme, _ := oaPointer(doc, "#/components/securitySchemes/bearerAuth")
	if m, _ := scheme.(map[string]any); m["type"] != "http" || m["scheme"] != "bearer" {
		t.Errorf("components.securitySchemes.bearerAuth = %v, want an http bearer scheme", scheme)
	}
	if !reflect.DeepEqual(doc["security"], []any{map[string]any{"bearerAuth": []any{}}}) {
		t.Errorf("security = %v, want bearerAuth for every operation not marked otherwise", doc["security"])
	}

	// Every local $ref resolves; there are no others.
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"].(string); ok {
				if _, err := oaPointer(doc, r); err != nil {
					t.Errorf("%s: $ref %q: %v", at, r, err)
				}
			}
			for k, e := range x {
				walk(at+"/"+k, e)
			}
		case []any:
			for i, e := range x {
				walk(at+"/"+strconv.Itoa(i), e)
			}
		}
	}
	walk("#", doc)

	// A full validation against the OpenAPI 3.1 specification: schema
	// keywords, parameters of every path template, unique operation ids, ….
	loader := openapi3.NewLoader()
	d, err := loader.LoadFromData(api.OpenAPIDocument())
	if err != nil {
		t.Fatalf("loading the document: %v", err)
	}
	if !d.IsOpenAPI31OrLater() {
		t.Error("the document is not read as OpenAPI 3.1")
	}
	if err := d.Validate(context.Background()); err != nil {
		t.Errorf("the document is not valid OpenAPI 3.1: %v", err)
	}
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc := oaDocument(t)
	routes := oaAPIRoutes(t)
	ops := oaOperations(t, doc)
	for key, r := range routes {
		op, ok := ops[key]
		if !ok {
			t.Errorf("route %s %s is not in openapi.json", r.Method, r.Pattern)
			continue
		}
		if got := op["x-kotodigi-action"]; got != string(r.Action) {
			t.Errorf("%s: x-kotodigi-action = %v, want %q", key, got, r.Action)
		}
		responses, _ := op["responses"].(map[string]any)
		public := r.Auth == server.AuthNone
		if public {
			if sec, ok := op["security"].([]any); !ok || len(sec) != 0 {
				t.Errorf("%s is public: want \"security\": [], have %v", key, op["security"])
			}
		} else {
			if _, ok := op["security"]; ok {
				t.Errorf("%s needs a bearer token: it must not override the global security", key)
			}
			if _, ok := responses["401"]; !ok {
				t.Errorf("%s needs a bearer token: want a 401 response", key)
			}
		}
		if _, ok := op["requestBody"]; ok {
			for _, status := range []string{"400", "413", "422"} {
				if _, ok := responses[status]; !ok {
					t.Errorf("%s reads a JSON body: want a %s response", key, status)
				}
			}
		}
	}
	for key := range ops {
		if _, ok := routes[key]; !ok {
			t.Errorf("openapi.json documents %s, which is not a route", key)
		}
	}
}

func TestOpenAPIOperations(t *testing.T) {
	doc := oaDocument(t)
	ids := map[string]string{}
	for key, op := range oaOperations(t, doc) {
		id, _ := op["operationId"].(string)
		if id == "" {
			t.Errorf("%s has no operationId", key)
		} else if other, dup := ids[id]; dup {
			t.Errorf("%s and %s have the same operationId %q", key, other, id)
		}
		ids[id] = key
		if s, _ := op["summary"].(string); s == "" {
			t.Errorf("%s has no summary", key)
		}
		if tags, _ := op["tags"].([]any); len(tags) == 0 {
			t.Errorf("%s has no tags", key)
		}
		responses, _ := op["responses"].(map[string]any)
		if len(responses) == 0 {
			t.Errorf("%s has no responses", key)
		}
		// Errors are problem details, except the health and readiness
		// checks' plain 503.
		for status, resp := range responses {
			if status < "400" || key == "get /healthz" || key == "get /readyz" {
				continue
			}
			r, err := oaResolve(doc, resp)
			if err != nil {
				t.Errorf("%s %s: %v", key, status, err)
				continue
			}
			content, _ := r["content"].(map[string]any)
			want := map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}
			if !reflect.DeepEqual(content, want) {
				t.Errorf("%s %s: content = %v, want application/problem+json with the Problem schema", key, status, content)
			}
		}
	}
}

// TestOpenAPIEnumerations checks that the document's lists of codes and
// choices are those of the code.
func TestOpenAPIEnumerations(t *testing.T) {
	doc := oaDocument(t)
	enum := func(ptr string) []string {
		v, err := oaPointer(doc, ptr)
		if err != nil {
			t.Fatalf("%s: %v", ptr, err)
		}
		var out []string
		for _, e := range v.([]any) {
			if e != nil { // the null of a nullable choice
				out = append(out, e.(string))
			}
		}
		return out
	}
	for _, ptr := range []string{"#/components/schemas/ResidenceBasis/properties/type/enum", "#/components/schemas/ResidenceBasisInput/properties/type/enum"} {
		if got := enum(ptr); !slices.Equal(got, model.ResidenceBasisTypes) {
			t.Errorf("%s = %v, want model.ResidenceBasisTypes %v", ptr, got, model.ResidenceBasisTypes)
		}
	}
	var orgRoles []string
	for _, r := range authz.OrgRoles {
		orgRoles = append(orgRoles, string(r))
	}
	if got := enum("#/components/schemas/Me/properties/roles/items/enum"); !oaSameSet(got, orgRoles) {
		t.Errorf("Me.roles enum = %v, want authz.OrgRoles %v", got, orgRoles)
	}
	grantRoles := []string{string(authz.Worker), string(authz.Viewer)}
	for _, s := range []string{"Grant", "GrantInput", "GrantInfo"} {
		if got := enum("#/components/schemas/" + s + "/properties/role/enum"); !oaSameSet(got, grantRoles) {
			t.Errorf("%s.role enum = %v, want %v", s, got, grantRoles)
		}
	}
	if got := enum("#/components/schemas/AuditEvent/properties/outcome/enum"); !oaSameSet(got, []string{audit.Allowed, audit.Denied}) {
		t.Errorf("AuditEvent.outcome enum = %v", got)
	}
	// Case records.
	for ptr, want := range map[string][]string{
		"#/components/schemas/ServiceType/enum":                                      model.ServiceTypes,
		"#/components/schemas/DataSource/enum":                                       model.DataSources,
		"#/components/schemas/LanguageTest/properties/level/enum":                    model.CEFRLevels,
		"#/components/schemas/LanguageTestInput/properties/level/enum":               model.CEFRLevels,
		"#/components/schemas/AssessmentContent/properties/finnish_level/enum":       model.CEFRLevels,
		"#/components/schemas/AssessmentContentInput/properties/swedish_level/enum":  model.CEFRLevels,
		"#/components/schemas/AssessmentContent/properties/literacy/enum":            model.LiteracyLevels,
		"#/components/schemas/AssessmentContentInput/properties/literacy/enum":       model.LiteracyLevels,
		"#/components/schemas/Service/properties/attendance/enum":                    model.Attendances,
		"#/components/schemas/ServiceInput/properties/attendance/enum":               model.Attendances,
		"#/components/schemas/AssessmentInput/properties/eligibility_exception/enum": {model.EligibilityTraffickingVictim},
		"#/components/schemas/Sex/enum":                                              model.Sexes,
		"#/components/schemas/ClientGroup/enum":                                      model.ClientGroups,
		"#/components/schemas/WorklistItem/properties/kind/enum": {casepolicy.PlanPreparation, casepolicy.ServiceGuidance,
			casepolicy.ReviewDue, casepolicy.PlanEnding, casepolicy.EligibilityClosing},
	} {
		if got := enum(ptr); !oaSameSet(got, want) {
			t.Errorf("%s = %v, want %v", ptr, got, want)
		}
	}

	// Every error and field-error code the model declares is documented.
	codes, fields := oaModelCodes(t)
	problemCodes := enum("#/components/schemas/Problem/properties/code/enum")
	for _, c := range codes {
		if !slices.Contains(problemCodes, c) {
			t.Errorf("error code %q (internal/model) is not in Problem.code's enum", c)
		}
	}
	for _, c := range []string{"payload_too_large", "method_not_allowed"} {
		if !slices.Contains(problemCodes, c) {
			t.Errorf("error code %q (internal/server) is not in Problem.code's enum", c)
		}
	}
	fieldCodes := enum("#/components/schemas/FieldError/properties/code/enum")
	for _, c := range fields {
		if !slices.Contains(fieldCodes, c) {
			t.Errorf("field error code %q (internal/model) is not in FieldError.code's enum", c)
		}
	}
	// Every code the server can explain has a message in the catalog, so the
	// catalog also names the codes written as literals elsewhere.
	for _, key := range locale.MustLoad().Keys(locale.Languages[0]) {
		if c, ok := strings.CutPrefix(key, "field."); ok && !slices.Contains(fieldCodes, c) {
			t.Errorf("field error code %q (catalog key %s) is not in FieldError.code's enum", c, key)
		}
		if c, ok := strings.CutPrefix(key, "error."); ok && !slices.Contains(problemCodes, c) {
			t.Errorf("error code %q (catalog key %s) is not in Problem.code's enum", c, key)
		}
	}
}

// oaModelCodes reads the Code* and Field* constants of internal/model.
func oaModelCodes(t *testing.T) (codes, fields []string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "model", "errors.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				v, _ := strconv.Unquote(lit.Value)
				switch {
				case strings.HasPrefix(name.Name, "Code"):
					codes = append(codes, v)
				case strings.HasPrefix(name.Name, "Field"):
					fields = append(fields, v)
				}
			}
		}
	}
	if len(codes) == 0 || len(fields) == 0 {
		t.Fatal("found no error codes in internal/model/errors.go")
	}
	return codes, fields
}

func oaSameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

func TestOpenAPIIsServed(t *testing.T) {
	srv, _ := oaServer(t, "sqlite:"+filepath.Join(t.TempDir(), "x.db"), store.Options{})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/openapi.json without credentials: %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("content type %q, want application/json", ct)
	}
	if !bytes.Equal(body, api.OpenAPIDocument()) {
		t.Error("the served document differs from internal/api/openapi.json")
	}
}

// TestOpenAPIResponsesConform sends real requests and checks each answer
// against the documented response of its operation and status: every
// required member is there, and no member is there that the schema does not list.
func TestOpenAPIResponsesConform(t *testing.T) {
	doc := oaDocument(t)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		srv, s := oaServer(t, tg.URL, store.Options{Clock: func() time.Time { return now }})
		ts := httptest.NewServer(srv.Handler())
		defer ts.Close()
		ctx := context.Background()
		op := store.OperatorActor()
		tokens := map[string]string{}
		for _, a := range []struct {
			email string
			roles []authz.Role
			grant string
		}{
			{"oa-worker@hel.example", nil, "worker"},
			{"oa-viewer@hel.example", nil, "viewer"},
			{"oa-main@hel.example", []authz.Role{authz.MainUser}, ""},
			{"oa-other@hel.example", nil, ""},
		} {
			if _, err := s.CreateAccount(ctx, op, store.NewAccount{Email: a.email, Name: "Test Person", OrganisationID: "municipality:091", Roles: a.roles}); err != nil {
				t.Fatal(err)
			}
			if a.grant != "" {
				if _, err := s.CreateGrant(ctx, op, store.NewGrant{Email: a.email, Municipality: "091", Role: a.grant, Task: "x"}); err != nil {
					t.Fatal(err)
				}
			}
			tok, err := s.CreateToken(ctx, op, a.email, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			tokens[a.email] = tok
		}
		worker, viewer, main := tokens["oa-worker@hel.example"], tokens["oa-viewer@hel.example"], tokens["oa-main@hel.example"]
		registration := map[string]any{
			"municipality": "091", "personal_identity_code": "010190-999W", "first_names": "Amina", "last_name": "Yusuf",
			"residence_basis":  map[string]any{"type": "residence_permit", "valid_until": "2027-06-30"},
			"service_language": "fi",
		}
		invalid := map[string]any{
			"municipality": "091", "personal_identity_code": "010190-999X", "first_names": "Amina", "last_name": "Yusuf",
			"residence_basis": map[string]any{"type": "residence_permit"}, "service_language": "en",
		}

		send := func(token, method, path, template string, body any, want int) map[string]any {
			t.Helper()
			var rd io.Reader
			if body != nil {
				b, _ := json.Marshal(body)
				rd = bytes.NewReader(b)
			}
			req, _ := http.NewRequest(method, ts.URL+path, rd)
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			name := method + " " + template
			if resp.StatusCode != want {
				t.Fatalf("%s: status %d, want %d: %s", name, resp.StatusCode, want, raw)
			}
			v := oaCheckResponse(t, doc, name, resp, raw)
			m, _ := v.(map[string]any)
			return m
		}

		send("", "GET", "/healthz", "/healthz", nil, 200)
		send("", "GET", "/readyz", "/readyz", nil, 200)
		send("", "GET", "/api/v1/me", "/api/v1/me", nil, 401)
		send(worker, "GET", "/api/v1/me", "/api/v1/me", nil, 200)
		c := send(worker, "POST", "/api/v1/clients", "/api/v1/clients", registration, 201)
		id, _ := c["id"].(string)
		if id == "" {
			t.Fatalf("no id in %v", c)
		}
		send(worker, "GET", "/api/v1/clients/"+id, "/api/v1/clients/{id}", nil, 200)
		p := send(worker, "POST", "/api/v1/clients", "/api/v1/clients", invalid, 422)
		if errs, _ := p["errors"].([]any); len(errs) == 0 {
			t.Errorf("422 without field errors: %v", p)
		}
		send(worker, "POST", "/api/v1/clients", "/api/v1/clients", "not an object", 400)
		send(worker, "POST", "/api/v1/clients", "/api/v1/clients", registration, 409)
		send(worker, "GET", "/api/v1/clients/8a6e0804-2bd0-4672-b79d-d97027f9071b", "/api/v1/clients/{id}", nil, 404)
		send(worker, "PATCH", "/api/v1/clients/"+id, "/api/v1/clients/{id}", map[string]any{"phone": "040 1234567", "jobseeker": true}, 200)
		send(viewer, "PATCH", "/api/v1/clients/"+id, "/api/v1/clients/{id}", map[string]any{"phone": nil}, 403)
		send(viewer, "GET", "/api/v1/clients/"+id+"/history", "/api/v1/clients/{id}/history", nil, 200)
		send(viewer, "POST", "/api/v1/clients/search", "/api/v1/clients/search", map[string]any{"query": "yusuf"}, 200)
		send(viewer, "POST", "/api/v1/clients/search", "/api/v1/clients/search", map[string]any{"query": "y"}, 422)
		send(tokens["oa-other@hel.example"], "POST", "/api/v1/clients/search", "/api/v1/clients/search", map[string]any{"query": "yusuf"}, 403)
		g := send(main, "POST", "/api/v1/grants", "/api/v1/grants",
			map[string]any{"email": "oa-other@hel.example", "municipality": "091", "role": "viewer", "task": "x", "valid_until": "2027-01-31"}, 201)
		grant := "/api/v1/grants/" + fmt.Sprint(g["id"])
		send(worker, "POST", "/api/v1/grants", "/api/v1/grants",
			map[string]any{"email": "oa-other@hel.example", "municipality": "091", "role": "viewer", "task": "x"}, 403)
		send(main, "PATCH", grant, "/api/v1/grants/{id}", map[string]any{"role": "worker", "valid_until": nil}, 200)
		send(main, "PATCH", grant, "/api/v1/grants/{id}", map[string]any{"valid_until": "2020-01-01"}, 422)
		send(main, "GET", "/api/v1/municipalities/091/grants", "/api/v1/municipalities/{code}/grants", nil, 200)
		send(worker, "GET", "/api/v1/municipalities/091/grants", "/api/v1/municipalities/{code}/grants", nil, 403)
		send(main, "POST", "/api/v1/municipalities/091/grants/revoke-dormant", "/api/v1/municipalities/{code}/grants/revoke-dormant", nil, 200)
		send(worker, "DELETE", grant, "/api/v1/grants/{id}", nil, 404)
		send(main, "DELETE", grant, "/api/v1/grants/{id}", nil, 204)
		send(main, "PATCH", grant, "/api/v1/grants/{id}", map[string]any{"task": "y"}, 409)
		account := map[string]any{"email": "oa-new@hel.example", "name": "New Worker", "organisation": "municipality:091"}
		send(main, "POST", "/api/v1/accounts", "/api/v1/accounts", account, 201)
		send(main, "POST", "/api/v1/accounts", "/api/v1/accounts", account, 409)
		send(worker, "POST", "/api/v1/accounts", "/api/v1/accounts", map[string]any{"email": "oa-x@hel.example", "name": "X", "organisation": "municipality:091"}, 403)
		send(main, "GET", "/api/v1/municipalities/091/accounts", "/api/v1/municipalities/{code}/accounts", nil, 200)
		send(main, "POST", "/api/v1/main-users", "/api/v1/main-users", map[string]any{"email": "oa-new@hel.example"}, 403)
		send(main, "DELETE", "/api/v1/main-users/1", "/api/v1/main-users/{id}", nil, 403)
		send(main, "GET", "/api/v1/audit-events?client_id="+id, "/api/v1/audit-events", nil, 200)
		send(main, "GET", "/api/v1/audit-events?limit=0", "/api/v1/audit-events", nil, 400)
		send(worker, "GET", "/api/v1/audit-events", "/api/v1/audit-events", nil, 403)

		// Case records. The client above is a jobseeker without a known first
		// permit date; the second one has been in Finland since 2020.
		unknownID := "/api/v1/clients/8a6e0804-2bd0-4672-b79d-d97027f9071b"
		fieldError := func(p map[string]any, want string) {
			t.Helper()
			if !contains(fieldCodes(p), want) {
				t.Errorf("want field error %s: %v", want, p)
			}
		}
		base := "/api/v1/clients/" + id
		c2 := send(worker, "POST", "/api/v1/clients", "/api/v1/clients", with(registration, "personal_identity_code", "131052-308T",
			"residence_basis", map[string]any{"type": "residence_permit", "valid_until": "2027-06-30", "first_permit_date": "2020-01-01"}), 201)
		base2 := "/api/v1/clients/" + c2["id"].(string)

		const tAssessments = "/api/v1/clients/{id}/assessments"
		send(worker, "POST", base+"/assessments", tAssessments, assessment("2026-11-20"), 201)
		send(worker, "POST", base2+"/assessments", tAssessments, assessment("2026-11-20", "eligibility_exception", "trafficking_victim",
			"planned_plan_date", "2026-12-15", "content", map[string]any{"literacy": nil, "integration_plan_needed": nil}), 201)
		fieldError(send(worker, "POST", base2+"/assessments", tAssessments, assessment("2026-11-20"), 422), "date:outside_eligibility_period")
		send(worker, "POST", base+"/assessments", tAssessments, "{not json", 400)
		send(viewer, "POST", base+"/assessments", tAssessments, assessment("2026-11-20"), 403)
		send(worker, "POST", unknownID+"/assessments", tAssessments, assessment("2026-11-20"), 404)

		const tPlans = "/api/v1/clients/{id}/plans"
		fieldError(send(worker, "POST", base+"/plans", tPlans, plan("2026-01-01", "2027-06-30"), 422), "end_date:plan_too_long")
		pl := send(worker, "POST", base+"/plans", tPlans, plan("2026-01-01", "2026-12-31", "planned_review_date", "2026-06-30"), 201)
		fieldError(send(worker, "POST", base+"/plans", tPlans, plan("2026-06-01", "2026-08-01"), 422), "start_date:overlapping_plan")
		send(worker, "POST", base+"/plans", tPlans, plan("2027-01-01", "2027-06-30", "exceeds_two_years_reason", "Training interrupted"), 201)
		send(viewer, "POST", base+"/plans", tPlans, plan("2028-01-01", "2028-06-30"), 403)
		planPath := base + "/plans/" + pl["id"].(string)

		const tReviews = "/api/v1/clients/{id}/plans/{plan_id}/reviews"
		send(worker, "POST", planPath+"/reviews", tReviews, map[string]any{"date": "2026-06-30", "changes": "Training moved to autumn"}, 201)
		fieldError(send(worker, "POST", planPath+"/reviews", tReviews, map[string]any{"date": "2025-12-31", "changes": "x"}, 422), "date:date_order")
		send(worker, "POST", base2+"/plans/"+pl["id"].(string)+"/reviews", tReviews, map[string]any{"date": "2026-06-30", "changes": "x"}, 404)
		send(viewer, "POST", planPath+"/reviews", tReviews, map[string]any{"date": "2026-06-30", "changes": "x"}, 403)

		const tPlan = "/api/v1/clients/{id}/plans/{plan_id}"
		if got := send(viewer, "GET", planPath, tPlan, nil, 200); len(got["reviews"].([]any)) != 1 {
			t.Errorf("plan without its review: %v", got)
		}
		send(viewer, "GET", base+"/plans/8a6e0804-2bd0-4672-b79d-d97027f9071b", tPlan, nil, 404)

		const tServices = "/api/v1/clients/{id}/services"
		if p := send(worker, "POST", base+"/services", tServices, service("civic_orientation", "2026-11-20"), 422); p["code"] != "recorded_by_employment_authority" {
			t.Errorf("R6: %v", p)
		}
		send(worker, "POST", base+"/services", tServices, service("guidance_and_counselling", "2026-11-20", "attendance", "missed", "missed_with_interpreter_costs", true), 201)
		send(worker, "POST", base2+"/services", tServices, service("integration_training", "2026-02-01", "end_date", "2026-10-30",
			"attendance", "attended", "final_language_test", map[string]any{"level": "B1", "date": "2026-10-20"}), 201)
		fieldError(send(worker, "POST", base2+"/services", tServices, service("language_course", "2026-03-06", "end_date", "2026-03-05"), 422), "end_date:date_order")
		send(viewer, "POST", base2+"/services", tServices, service("other", "2026-03-06"), 403)

		send(viewer, "GET", base+"/jobseeker-history", "/api/v1/clients/{id}/jobseeker-history", nil, 200)
		send(viewer, "GET", unknownID+"/jobseeker-history", "/api/v1/clients/{id}/jobseeker-history", nil, 404)

		send(viewer, "GET", "/api/v1/worklist?municipality=091", "/api/v1/worklist", nil, 200)
		send(worker, "GET", "/api/v1/worklist?municipality=091&mine=true", "/api/v1/worklist", nil, 200)
		send(worker, "GET", "/api/v1/worklist?municipality=091&mine=maybe", "/api/v1/worklist", nil, 400)
		send(worker, "GET", "/api/v1/worklist", "/api/v1/worklist", nil, 404)
		send(worker, "GET", "/api/v1/worklist?municipality=049", "/api/v1/worklist", nil, 403)

		const tTransfer = "/api/v1/clients/{id}/transfer"
		fieldError(send(worker, "POST", base2+"/transfer", tTransfer, map[string]any{"municipality": "091", "reason": "x"}, 422), "municipality:same_municipality")
		send(viewer, "POST", base2+"/transfer", tTransfer, map[string]any{"municipality": "049", "reason": "Moved"}, 403)
		send(worker, "POST", base2+"/transfer", tTransfer, map[string]any{"municipality": "049", "reason": "The client moved to Espoo"}, 201)
		send(worker, "POST", base2+"/transfer", tTransfer, map[string]any{"municipality": "092", "reason": "x"}, 403)

		const tTimeline = "/api/v1/clients/{id}/timeline"
		for _, b := range []string{base, base2} {
			tl := send(viewer, "GET", b+"/timeline", tTimeline, nil, 200)
			if items, _ := tl["items"].([]any); len(items) < 5 {
				t.Errorf("timeline too short to check its shape: %v", tl)
			}
		}
		send(viewer, "GET", unknownID+"/timeline", tTimeline, nil, 404)

		// Corrections, closing and responsible workers (CONTRACT.md § 3).
		a := send(worker, "POST", base+"/assessments", tAssessments, assessment("2026-11-21"), 201)
		const tAssessment = "/api/v1/clients/{id}/assessments/{assessment_id}"
		fieldError(send(worker, "PATCH", base+"/assessments/"+a["id"].(string), tAssessment, map[string]any{"date": "2026-11-22"}, 422), "correction_reason:required")
		send(worker, "PATCH", base+"/assessments/"+a["id"].(string), tAssessment, map[string]any{"date": "2026-11-22", "correction_reason": "typo"}, 200)
		send(viewer, "GET", base+"/assessments/"+a["id"].(string), tAssessment, nil, 200)
		send(worker, "PATCH", base+"/plans/"+pl["id"].(string), "/api/v1/clients/{id}/plans/{plan_id}", map[string]any{"goals": "B1", "correction_reason": "x"}, 200)
		send(worker, "PATCH", base+"/plans/"+pl["id"].(string)+"/reviews/"+unknownID[len("/api/v1/clients/"):], "/api/v1/clients/{id}/plans/{plan_id}/reviews/{review_id}",
			map[string]any{"changes": "x", "correction_reason": "x"}, 404)
		sv := send(worker, "POST", base+"/services", tServices, service("guidance_and_counselling", "2026-11-21"), 201)
		send(worker, "PATCH", base+"/services/"+sv["id"].(string), "/api/v1/clients/{id}/services/{service_id}",
			map[string]any{"attendance": "attended", "correction_reason": "afterwards"}, 200)
		send(worker, "GET", "/api/v1/worklist?municipality=091&my_clients=true", "/api/v1/worklist", nil, 200)
		send(main, "GET", base+"/responsible-workers", "/api/v1/clients/{id}/responsible-workers", nil, 200)
		send(main, "PUT", base+"/responsible-workers", "/api/v1/clients/{id}/responsible-workers", map[string]any{"account_ids": []int{}}, 422)
		send(main, "GET", "/api/v1/municipalities/091/clients-needing-responsible", "/api/v1/municipalities/{code}/clients-needing-responsible", nil, 200)
		fieldError(send(worker, "POST", base+"/close", "/api/v1/clients/{id}/close", map[string]any{"reason": "moved_abroad", "date": "2030-01-01"}, 422), "date:date_in_future")
		send(worker, "POST", base+"/close", "/api/v1/clients/{id}/close", map[string]any{"reason": "moved_abroad", "date": "2026-11-25"}, 200)
		if p := send(worker, "POST", base+"/services", tServices, service("guidance_and_counselling", "2026-11-21"), 422); p["code"] != "client_closed" {
			t.Errorf("closed: %v", p)
		}
		send(worker, "POST", base+"/close", "/api/v1/clients/{id}/close", map[string]any{"reason": "moved_abroad", "date": "2026-11-25"}, 409)
		send(worker, "POST", base+"/reopen", "/api/v1/clients/{id}/reopen", nil, 200)
	})
}

// oaCheckResponse checks an answer against the documented response of the
// operation ("METHOD /template") for its status and returns the decoded body.
func oaCheckResponse(t *testing.T, doc map[string]any, name string, resp *http.Response, raw []byte) any {
	t.Helper()
	method, template, _ := strings.Cut(name, " ")
	op, err := oaPointer(doc, "#/paths/"+oaEscape(template)+"/"+strings.ToLower(method))
	if err != nil {
		t.Errorf("%s is not documented", name)
		return nil
	}
	documented, err := oaPointer(op, "#/responses/"+strconv.Itoa(resp.StatusCode))
	if err != nil {
		t.Errorf("%s: status %d is not documented", name, resp.StatusCode)
		return nil
	}
	r, err := oaResolve(doc, documented)
	if err != nil {
		t.Errorf("%s %d: %v", name, resp.StatusCode, err)
		return nil
	}
	content, _ := r["content"].(map[string]any)
	if len(content) == 0 {
		if len(raw) != 0 {
			t.Errorf("%s %d: documented without a body, has %q", name, resp.StatusCode, raw)
		}
		return nil
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	media, ok := content[mt].(map[string]any)
	if !ok {
		t.Errorf("%s %d: content type %q is not documented", name, resp.StatusCode, mt)
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Errorf("%s %d: not JSON: %v", name, resp.StatusCode, err)
		return nil
	}
	schema, _ := media["schema"].(map[string]any)
	for _, problem := range (oaChecker{doc: doc, strict: true}).check("", schema, v) {
		t.Errorf("%s %d: %s\n%s", name, resp.StatusCode, problem, raw)
	}
	return v
}

// oaChecker validates a JSON value against the subset of JSON Schema 2020-12
// the document uses. Strict: a member an object schema does not list is an
// error even where more members are allowed, so that the document lists
// everything the server sends.
type oaChecker struct {
	doc    map[string]any
	strict bool
}

var oaFormats = map[string]func(string) bool{
	"date":      func(s string) bool { _, err := model.ParseDate(s); return err == nil },
	"date-time": func(s string) bool { _, err := time.Parse(time.RFC3339, s); return err == nil },
	"uuid":      regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString,
	"email":     func(s string) bool { return strings.Contains(s, "@") },
	"int64":     func(string) bool { return true },
}

func (c oaChecker) check(at string, schema map[string]any, v any) []string {
	if at == "" {
		at = "(body)"
	}
	if schema == nil {
		return []string{at + ": no schema"}
	}
	if r, ok := schema["$ref"].(string); ok {
		target, err := oaPointer(c.doc, r)
		if err != nil {
			return []string{at + ": " + err.Error()}
		}
		s, _ := target.(map[string]any)
		return c.check(at, s, v)
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }

	if types := oaTypes(schema["type"]); len(types) > 0 && !slices.ContainsFunc(types, func(ty string) bool { return oaIsType(v, ty) }) {
		fail("%s is not of type %v", oaShow(v), types)
		return errs
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return reflect.DeepEqual(e, v) }) {
		fail("%s is not one of %v", oaShow(v), enum)
	}
	if s, ok := v.(string); ok {
		if f, ok := schema["format"].(string); ok {
			if valid, known := oaFormats[f]; !known {
				fail("unknown format %q", f)
			} else if !valid(s) {
				fail("%q is not a %s", s, f)
			}
		}
		if p, ok := schema["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(s) {
			fail("%q does not match %s", s, p)
		}
	}
	if n, ok := v.(float64); ok {
		if m, ok := schema["minimum"].(float64); ok && n < m {
			fail("%v < minimum %v", n, m)
		}
		if m, ok := schema["maximum"].(float64); ok && n > m {
			fail("%v > maximum %v", n, m)
		}
	}
	for _, sub := range oaSchemas(schema["allOf"]) {
		errs = append(errs, c.check(at, sub, v)...)
	}
	for _, kw := range []string{"anyOf", "oneOf"} {
		subs := oaSchemas(schema[kw])
		if len(subs) == 0 {
			continue
		}
		matches := 0
		loose := oaChecker{doc: c.doc} // the branches constrain, the schema itself lists the members
		for _, sub := range subs {
			if len(loose.check(at, sub, v)) == 0 {
				matches++
			}
		}
		if matches == 0 || (kw == "oneOf" && matches > 1) {
			fail("%d of the %s branches match", matches, kw)
		}
	}
	if obj, ok := v.(map[string]any); ok {
		props, _ := schema["properties"].(map[string]any)
		for _, r := range oaStrings(schema["required"]) {
			if _, ok := obj[r]; !ok {
				fail("required member %q is missing", r)
			}
		}
		names := make([]string, 0, len(obj))
		for k := range obj {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, c.check(at+"."+k, ps, obj[k])...)
				continue
			}
			switch ap := schema["additionalProperties"].(type) {
			case bool:
				if !ap {
					fail("member %q is not allowed", k)
					continue
				}
			case map[string]any:
				errs = append(errs, c.check(at+"."+k, ap, obj[k])...)
				continue
			}
			if c.strict && props != nil {
				fail("member %q is not documented", k)
			}
		}
	}
	if arr, ok := v.([]any); ok {
		if items, ok := schema["items"].(map[string]any); ok {
			for i, e := range arr {
				errs = append(errs, c.check(at+"["+strconv.Itoa(i)+"]", items, e)...)
			}
		}
		if m, ok := schema["minItems"].(float64); ok && float64(len(arr)) < m {
			fail("%d items, fewer than %v", len(arr), m)
		}
	}
	return errs
}

func oaTypes(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		return oaStrings(x)
	}
	return nil
}

func oaIsType(v any, ty string) bool {
	switch ty {
	case "null":
		return v == nil
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		n, ok := v.(float64)
		return ok && n == float64(int64(n))
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	}
	return false
}

func oaSchemas(v any) []map[string]any {
	list, _ := v.([]any)
	var out []map[string]any
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func oaStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func oaShow(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 60 {
		return string(b[:60]) + "…"
	}
	return string(b)
}

// oaResolve follows a $ref (of a response, parameter, …) to its target object.
func oaResolve(doc map[string]any, v any) (map[string]any, error) {
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("not an object")
		}
		r, ok := m["$ref"].(string)
		if !ok {
			return m, nil
		}
		var err error
		if v, err = oaPointer(doc, r); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("$ref loop")
}

// oaPointer resolves a local reference "#/a/b" (RFC 6901) within root.
func oaPointer(root any, ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, fmt.Errorf("only local references are used, not %q", ref)
	}
	v := root
	if rest == "" {
		return v, nil
	}
	if !strings.HasPrefix(rest, "/") {
		return nil, fmt.Errorf("malformed reference %q", ref)
	}
	for _, tok := range strings.Split(rest[1:], "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[tok]
			if !ok {
				return nil, fmt.Errorf("%q does not resolve (no %q)", ref, tok)
			}
			v = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("%q does not resolve (no item %q)", ref, tok)
			}
			v = x[i]
		default:
			return nil, fmt.Errorf("%q does not resolve", ref)
		}
	}
	return v, nil
}

// oaEscape escapes a path template as one JSON pointer token.
func oaEscape(s string) string { return strings.NewReplacer("~", "~0", "/", "~1").Replace(s) }
