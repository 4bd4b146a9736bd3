package server_test

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/kotodigi/kotodigi/internal/api"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/web"
)

var update = flag.Bool("update", false, "rewrite the golden permission matrix")

// newServer builds the complete route table on a scratch SQLite database.
func newServer(t *testing.T) *server.Server {
	t.Helper()
	s, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "k.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	srv := server.New(server.Config{}, s, locale.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv.Mount(api.Routes(srv))
	srv.Mount(web.Routes(srv))
	return srv
}

// TestPermissionMatrix compares who may do what, generated from the route
// table and the rules, with the reviewed golden file testdata/permissions.csv.
// After an intended change: go test ./internal/server -run PermissionMatrix -update
// and review the diff.
func TestPermissionMatrix(t *testing.T) {
	srv := newServer(t)
	var eps []authz.Endpoint
	for _, r := range srv.Routes() {
		eps = append(eps, authz.Endpoint{Method: r.Method, Pattern: r.Pattern, Action: r.Action, Roles: r.Roles})
	}
	sort.Slice(eps, func(i, j int) bool {
		if eps[i].Pattern != eps[j].Pattern {
			return eps[i].Pattern < eps[j].Pattern
		}
		return eps[i].Method < eps[j].Method
	})
	got := authz.MatrixCSV(eps)
	golden := filepath.Join("testdata", "permissions.csv")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("the permission matrix changed; review and run with -update:\n%s", lineDiff(string(want), got))
	}
}

func lineDiff(a, b string) string {
	as, bs := splitLines(a), splitLines(b)
	inA, inB := map[string]bool{}, map[string]bool{}
	for _, l := range as {
		inA[l] = true
	}
	for _, l := range bs {
		inB[l] = true
	}
	out := ""
	for _, l := range as {
		if !inB[l] {
			out += "- " + l + "\n"
		}
	}
	for _, l := range bs {
		if !inA[l] {
			out += "+ " + l + "\n"
		}
	}
	return out
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// TestEveryRouteDeclaresAKnownAction: the route table is closed by default.
func TestEveryRouteDeclaresAKnownAction(t *testing.T) {
	srv := newServer(t)
	public := 0
	for _, r := range srv.Routes() {
		if _, ok := authz.Rules[r.Action]; !ok {
			t.Errorf("%s %s: action %q has no rule", r.Method, r.Pattern, r.Action)
		}
		if r.Auth == server.AuthNone {
			public++
		}
	}
	// Public: static files, sign-in (2), language, the accessibility statement,
	// the invitation link (2) and the API's health, readiness and description.
	if public == 0 || public > 12 {
		t.Errorf("%d public routes; the public list is meant to be short and explicit", public)
	}
}
