package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// loggedServer is a server on a fresh SQLite database whose JSON log is
// kept for the test to read.
func loggedServer(t *testing.T) (*server.Server, *syncBuffer) {
	t.Helper()
	s, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "k.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	logs := &syncBuffer{}
	return server.New(server.Config{}, s, locale.MustLoad(), slog.New(slog.NewJSONHandler(logs, nil))), logs
}

// TestNoPersonalDataInApplicationLogs: a panic whose value holds an identity
// code and a name, and an internal error whose text does (as a database error
// quoting a row would), leave only a request id and error types in the log,
// and the person sees a translated generic message.
func TestNoPersonalDataInApplicationLogs(t *testing.T) {
	srv, logs := loggedServer(t)
	const pic, name = "010190-999W", "Amina Yusuf"
	srv.Mount([]server.Route{
		{Method: "GET", Pattern: "/api/test/panic", Action: authz.Public, Auth: server.AuthNone, Handler: func(w http.ResponseWriter, r *http.Request) {
			panic(fmt.Sprintf("cannot handle %s (%s)", pic, name))
		}},
		{Method: "GET", Pattern: "/api/test/dberror", Action: authz.Public, Auth: server.AuthNone, Handler: func(w http.ResponseWriter, r *http.Request) {
			srv.Problem(w, r, fmt.Errorf("insert: %w", errors.New(`duplicate key (personal_identity_code)=(`+pic+`) for `+name)))
		}},
	})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	for _, path := range []string{"/api/test/panic", "/api/test/dberror", "/api/v1/clients/search?q=" + pic} {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Accept-Language", "sv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), pic) || strings.Contains(string(body), name) {
			t.Errorf("%s: response reveals personal data: %s", path, body)
		}
		if path != "/api/v1/clients/search?q="+pic && (resp.StatusCode != 500 || !strings.Contains(string(body), "Ett oväntat fel")) {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	out := logs.String()
	if !strings.Contains(out, "panic") || !strings.Contains(out, "internal error") {
		t.Fatalf("the failures were not logged at all:\n%s", out)
	}
	for _, secret := range []string{pic, "Amina", "Yusuf"} {
		if strings.Contains(out, secret) {
			t.Errorf("application log contains %q:\n%s", secret, out)
		}
	}
}

// TestAccessLogNamesTheRoute: each access log line names the route pattern
// that answered (never the path with its ids), "unmatched" only when no
// route did, and a made-up method as "other".
func TestAccessLogNamesTheRoute(t *testing.T) {
	srv, logs := loggedServer(t)
	srv.Mount([]server.Route{{Method: "GET", Pattern: "/api/test/things/{id}", Action: authz.Public, Auth: server.AuthNone,
		Handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }}})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/test/things/010190-999W"},
		{"GET", "/no/such/page"},
		{"POST", "/api/test/things/1"},
		{strings.Repeat("X", 2000), "/api/test/things/1"},
	} {
		req, _ := http.NewRequest(c.method, ts.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	type line struct {
		Msg    string `json:"msg"`
		Method string `json:"method"`
		Route  string `json:"route"`
		Status int    `json:"status"`
	}
	var lines []line
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var e line
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if e.Msg == "request" {
			lines = append(lines, e)
		}
	}
	want := []string{"GET GET /api/test/things/{id} 204", "GET unmatched 404", "POST unmatched 405", "other unmatched 405"}
	if len(lines) != len(want) {
		t.Fatalf("%d access log lines, want %d:\n%s", len(lines), len(want), logs)
	}
	for i, l := range lines {
		if got := fmt.Sprintf("%s %s %d", l.Method, l.Route, l.Status); got != want[i] {
			t.Errorf("line %d: %q, want %q", i, got, want[i])
		}
	}
	if strings.Contains(logs.String(), "999W") {
		t.Errorf("the log holds a path value:\n%s", logs)
	}
}
