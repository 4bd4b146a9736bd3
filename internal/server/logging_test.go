package server_test

import (
	"bytes"
	"context"
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

// TestNoPersonalDataInApplicationLogs: a panic whose value holds an identity
// code and a name, and an internal error whose text does (as a database error
// quoting a row would), leave only a request id and error types in the log,
// and the person sees a translated generic message.
func TestNoPersonalDataInApplicationLogs(t *testing.T) {
	s, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "k.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	logs := &syncBuffer{}
	srv := server.New(server.Config{}, s, locale.MustLoad(), slog.New(slog.NewJSONHandler(logs, nil)))
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
