package bench

// Benchmarks of kotodigi's audited client reads and registrations through real
// HTTP (httptest server on loopback), compared with the raw database work of
// an audited read (one transaction: client SELECT + plain audit INSERT).
//
//	go test -bench . -run '^$' -benchtime 3s ./internal/bench
//	KOTODIGI_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test go test -bench . -run '^$' ./internal/bench
//
// About 16 goroutines issue requests at once (KOTODIGI_BENCH_CONCURRENCY
// changes it; KOTODIGI_BENCH_AUDIT_SHARDS sets store.Options.AuditShards,
// KOTODIGI_BENCH_AUDIT_KEY the audit key that seals the trail).
// BenchmarkReadStore and BenchmarkTokenAuth split an audited HTTP read into
// its two database parts, to show where the time goes. Besides ns/op each
// benchmark reports req/s, p50-ms, p99-ms, cpu-ms/op (busy CPU of the whole
// machine per operation, from /proc/stat: this process, the database server
// and anything else running), go-cpu-ms/op (this process alone: HTTP client,
// kotodigi, SQLite) and, on PostgreSQL, pg-cpu-ms/op (its server processes). There are no timing assertions; a wrong
// status code fails the benchmark.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/api"
	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

const (
	benchEmail = "bench-worker@hel.example"
	benchMuni  = "091"
	poolSize   = 500 // clients read at random
	warmUp     = 50  // clients registered before a registration benchmark
)

// auditShards is store.Options.AuditShards (0: kotodigi's default), set by
// KOTODIGI_BENCH_AUDIT_SHARDS to see how much the hash-chain heads cost.
func auditShards() int {
	n, _ := strconv.Atoi(os.Getenv("KOTODIGI_BENCH_AUDIT_SHARDS"))
	return n
}

// auditKey is the audit key that seals the trail, set by
// KOTODIGI_BENCH_AUDIT_KEY (hex or base64, as KOTODIGI_AUDIT_KEY); nil: none.
func auditKey(b *testing.B) *audit.Key {
	text := os.Getenv("KOTODIGI_BENCH_AUDIT_KEY")
	if text == "" {
		return nil
	}
	k, err := audit.ParseKey(text)
	if err != nil {
		b.Fatal(err)
	}
	return k
}

// dbProcess names the database server's processes whose CPU time is
// reported (PostgreSQL only: SQLite runs inside this process).
func dbProcess(tg testdb.Target) string {
	if tg.Name == "postgres" {
		return "postgres"
	}
	return ""
}

// concurrency is the number of goroutines that issue requests at once.
func concurrency() int {
	if n, err := strconv.Atoi(os.Getenv("KOTODIGI_BENCH_CONCURRENCY")); err == nil && n > 0 {
		return n
	}
	return 16
}

// env is one kotodigi over one database, served on loopback.
type env struct {
	s      *store.Store
	base   string
	token  string
	client *http.Client
	actor  store.Actor
	ids    []string     // registered clients
	next   atomic.Int64 // next synthetic identity code
}

// discard formats every log record like a real server would, but writes
// only errors (to standard error), so that a 500 can be explained.
var discard = slog.New(errorsOnly{slog.NewTextHandler(io.Discard, nil), slog.NewTextHandler(os.Stderr, nil)})

type errorsOnly struct{ all, errs slog.Handler }

func (h errorsOnly) Enabled(ctx context.Context, l slog.Level) bool { return h.all.Enabled(ctx, l) }

func (h errorsOnly) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		_ = h.errs.Handle(ctx, r)
	}
	return h.all.Handle(ctx, r)
}

func (h errorsOnly) WithAttrs(as []slog.Attr) slog.Handler {
	return errorsOnly{h.all.WithAttrs(as), h.errs.WithAttrs(as)}
}

func (h errorsOnly) WithGroup(name string) slog.Handler {
	return errorsOnly{h.all.WithGroup(name), h.errs.WithGroup(name)}
}

func newEnv(b *testing.B, tg testdb.Target, pool int) *env {
	b.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, tg.URL, store.Options{Logger: discard, AuditShards: auditShards(), AuditKey: auditKey(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	watch, stopWatching := context.WithCancel(ctx) // as `kotodigi serve` does
	go s.WatchPrincipals(watch)
	b.Cleanup(stopWatching)
	op := store.OperatorActor()
	accountID, err := s.CreateAccount(ctx, op, store.NewAccount{Email: benchEmail, Name: "Bench Worker", OrganisationID: "municipality:" + benchMuni})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.CreateGrant(ctx, op, store.NewGrant{Email: benchEmail, Municipality: benchMuni, Role: "worker", Task: "bench"}); err != nil {
		b.Fatal(err)
	}
	tok, err := s.CreateToken(ctx, op, benchEmail, 8*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	p, err := s.PrincipalByAccountID(ctx, accountID)
	if err != nil {
		b.Fatal(err)
	}
	srv := server.New(server.Config{}, s, locale.MustLoad(), discard)
	srv.Mount(api.Routes(srv))
	hs := httptest.NewServer(srv.Handler())
	b.Cleanup(hs.Close)
	client := LoopbackClient(2*concurrency(), 30*time.Second)
	b.Cleanup(client.CloseIdleConnections) // runs before hs.Close
	e := &env{s: s, base: hs.URL, token: tok, client: client, actor: store.Actor{Principal: p}}
	for range pool {
		c, err := s.RegisterClient(ctx, op, e.clientFields())
		if err != nil {
			b.Fatal(err)
		}
		e.ids = append(e.ids, c.ID)
	}
	e.initChains(b, tg.URL)
	return e
}

// initChains reads clients one at a time until every audit shard has its
// chain head, so that the concurrent load starts in the steady state. Where
// the store creates the heads up front (store.Open) it returns at once;
// before that, concurrent first events of one shard raced on INSERT INTO
// audit_chain_heads on PostgreSQL (duplicate key, HTTP 500).
func (e *env) initChains(b *testing.B, target string) {
	b.Helper()
	shards := auditShards()
	if shards <= 0 {
		shards = 16 // store.Options' default
	}
	ctx := context.Background()
	r, err := OpenRaw(ctx, target, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for i := 0; ; i++ {
		var n int
		if err := r.DB.QueryRowContext(ctx, `SELECT count(*) FROM audit_chain_heads`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if n >= shards {
			return
		}
		if i >= 100*shards || len(e.ids) == 0 {
			b.Fatalf("only %d of %d audit chains after %d reads", n, shards, i*10)
		}
		for range 10 {
			if _, err := e.s.ClientByID(ctx, e.actor, e.ids[rand.IntN(len(e.ids))]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// identityCode returns a new synthetic identity code (temporary individual
// numbers 900–999, dates of birth from 1930 on).
func (e *env) identityCode() string {
	n := int(e.next.Add(1))
	dob := time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/100)
	return model.SyntheticIdentityCode(dob, 900+n%100)
}

func validUntil() model.Date { return model.DateOf(time.Now()).AddDate(1, 0, 0) }

func (e *env) clientFields() model.ClientFields {
	pic := e.identityCode()
	until := validUntil()
	return model.ClientFields{Municipality: benchMuni, PersonalIdentityCode: &pic, FirstNames: "Amina", LastName: "Bench",
		ResidenceBasis: &model.ResidenceBasis{Type: "residence_permit", ValidUntil: &until}, ServiceLanguage: "fi"}
}

func (e *env) request(ctx context.Context, method, path, body string, want int) error {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %.300s", method, path, resp.StatusCode, want, b)
	}
	return nil
}

// measure runs op from about concurrency() goroutines and reports req/s and
// latency percentiles. An error from op fails the benchmark.
func measure(b *testing.B, dbProcess string, op func(ctx context.Context, worker int) error) {
	b.Helper()
	ctx := context.Background()
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism(max(1, (concurrency()+procs-1)/procs))
	var (
		mu       sync.Mutex
		recs     []*Recorder
		failed   atomic.Bool
		firstErr error
		workers  atomic.Int64
	)
	b.ResetTimer()
	cpu := ReadCPU()
	var db0 time.Duration
	if dbProcess != "" {
		db0 = ProcessesCPU(dbProcess)
	}
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		w := int(workers.Add(1))
		rec := NewRecorder(256)
		for pb.Next() {
			if failed.Load() {
				continue // drain quickly; the benchmark fails below
			}
			t0 := time.Now()
			if err := op(ctx, w); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				failed.Store(true)
				continue
			}
			rec.OK(time.Since(t0))
		}
		mu.Lock()
		recs = append(recs, rec)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if failed.Load() {
		b.Fatal(firstErr)
	}
	s := Summarize(elapsed, recs...)
	s.SetCPU(cpu)
	b.ReportMetric(s.RPS, "req/s")
	b.ReportMetric(Ms(s.P50), "p50-ms")
	b.ReportMetric(Ms(s.P99), "p99-ms")
	if s.CPUPerOp > 0 {
		// The whole machine's CPU (this process, the database server, and
		// anything else running) per operation.
		b.ReportMetric(Ms(s.CPUPerOp), "cpu-ms/op")
		// This process alone: the HTTP client and kotodigi (or the raw
		// database/sql client); the rest of cpu-ms/op is mostly the database.
		b.ReportMetric(Ms(s.SelfCPUPerOp), "go-cpu-ms/op")
	}
	if dbProcess != "" && s.OK > 0 {
		// The PostgreSQL server's processes (all of them, also other users').
		b.ReportMetric(Ms((ProcessesCPU(dbProcess)-db0)/time.Duration(s.OK)), "pg-cpu-ms/op")
	}
}

// BenchmarkRegisterHTTP: POST /api/v1/clients (201), a new client each time.
func BenchmarkRegisterHTTP(b *testing.B) {
	for _, tg := range testdb.Targets(b) {
		e := newEnv(b, tg, warmUp)
		b.Run(tg.Name, func(b *testing.B) {
			measure(b, dbProcess(tg), func(ctx context.Context, _ int) error {
				body := fmt.Sprintf(`{"municipality":%q,"personal_identity_code":%q,"first_names":"Amina","last_name":"Bench",`+
					`"residence_basis":{"type":"residence_permit","valid_until":%q},"service_language":"fi"}`,
					benchMuni, e.identityCode(), validUntil().String())
				return e.request(ctx, http.MethodPost, "/api/v1/clients", body, http.StatusCreated)
			})
		})
	}
}

// BenchmarkReadHTTP: GET /api/v1/clients/{id} (200), an audited read of a
// random client of the pool.
func BenchmarkReadHTTP(b *testing.B) {
	for _, tg := range testdb.Targets(b) {
		e := newEnv(b, tg, poolSize)
		b.Run(tg.Name, func(b *testing.B) {
			measure(b, dbProcess(tg), func(ctx context.Context, _ int) error {
				return e.request(ctx, http.MethodGet, "/api/v1/clients/"+e.ids[rand.IntN(len(e.ids))], "", http.StatusOK)
			})
		})
	}
}

// BenchmarkReadStore: store.ClientByID called directly (no HTTP, no token
// authentication): what the audited read itself costs.
func BenchmarkReadStore(b *testing.B) {
	for _, tg := range testdb.Targets(b) {
		e := newEnv(b, tg, poolSize)
		b.Run(tg.Name, func(b *testing.B) {
			measure(b, dbProcess(tg), func(ctx context.Context, _ int) error {
				id := e.ids[rand.IntN(len(e.ids))]
				c, err := e.s.ClientByID(ctx, e.actor, id)
				if err == nil && c.ID != id {
					err = fmt.Errorf("read %s, got %s", id, c.ID)
				}
				return err
			})
		})
	}
}

// BenchmarkTokenAuth: store.PrincipalForToken alone, the authentication every
// API request does before its handler runs (token and grants read anew).
func BenchmarkTokenAuth(b *testing.B) {
	for _, tg := range testdb.Targets(b) {
		e := newEnv(b, tg, warmUp)
		b.Run(tg.Name, func(b *testing.B) {
			measure(b, dbProcess(tg), func(ctx context.Context, _ int) error {
				p, _, err := e.s.PrincipalForToken(ctx, e.token)
				if err == nil && p.Email != benchEmail {
					err = fmt.Errorf("token of %s", p.Email)
				}
				return err
			})
		})
	}
}

// BenchmarkReadRaw: the raw database work of an audited read, via
// database/sql on the same engine and table shapes: BEGIN; SELECT the client
// by id; plain INSERT INTO audit_events; COMMIT. The pool is kotodigi's
// writer on SQLite (one connection) and one connection per goroutine on
// PostgreSQL.
func BenchmarkReadRaw(b *testing.B) {
	for _, tg := range testdb.Targets(b) {
		r := rawDB(b, tg, 1)
		b.Run(tg.Name, func(b *testing.B) {
			measure(b, dbProcess(tg), func(ctx context.Context, w int) error {
				return r.ReadAudit(ctx, w, RawClientID(1+rand.IntN(poolSize)))
			})
		})
	}
}

// rawDB opens the raw comparison database with prepared clients: sqliteConns
// connections on SQLite, one per goroutine on PostgreSQL.
func rawDB(b *testing.B, tg testdb.Target, sqliteConns int) *RawDB {
	ctx := context.Background()
	if err := Migrate(ctx, tg.URL); err != nil {
		b.Fatal(err)
	}
	conns := sqliteConns
	if tg.Name != "sqlite" {
		conns = concurrency()
	}
	r, err := OpenRaw(ctx, tg.URL, conns)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	if err := r.PrepareClients(ctx, benchMuni, poolSize); err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkReadUnaudited: the client SELECT alone, without any audit event,
// as the baseline against which audited reads must not collapse as callers
// increase (run with KOTODIGI_BENCH_CONCURRENCY=16 and =64 next to
// BenchmarkReadStore).
func BenchmarkReadUnaudited(b *testing.B) {
	for _, tg := range testdb.Targets(b) {
		r := rawDB(b, tg, 4)
		b.Run(tg.Name, func(b *testing.B) {
			measure(b, dbProcess(tg), func(ctx context.Context, w int) error {
				return r.Read(ctx, RawClientID(1+rand.IntN(poolSize)))
			})
		})
	}
}
