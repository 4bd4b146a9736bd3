// Command kotodigi-load generates bounded load against a kotodigi running on
// this machine and prints requests/s, latency percentiles and errors.
//
//	kotodigi-load --target http://127.0.0.1:8080 --token kd_… --mode read --concurrency 16 --duration 20s
//
// With --raw-sqlite PATH or --raw-postgres URL it runs the same database work
// as an audited read without kotodigi: per operation one transaction with the
// client SELECT and a plain audit INSERT, on kotodigi's table shapes (a fresh
// SQLite file, or a fresh scratch schema that is dropped afterwards).
//
// Only loopback targets are accepted, and every run stops by itself after
// --duration or --requests operations, whichever comes first.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kotodigi/kotodigi/internal/bench"
)

const (
	giveUpAfter = 200 // failures without one success end a run early
	maxDuration = 10 * time.Minute
	maxRequests = 5_000_000
	maxConc     = 256
)

type config struct {
	target, token, mode, municipality, label string
	format, paths, cookie                    string
	concurrency, requests, pool, writePct    int
	serverPID                                int
	dbProcess                                string
	duration, timeout                        time.Duration

	poolOut string

	rawSQLite, rawPostgres, rawSchema string
	rawClients, rawConns              int
	rawKeep, rawReuse                 bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kotodigi-load: "+err.Error())
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var c config
	fs := flag.NewFlagSet("kotodigi-load", flag.ContinueOnError)
	fs.StringVar(&c.target, "target", "", "base URL of a kotodigi on this machine, e.g. http://127.0.0.1:8080")
	fs.StringVar(&c.token, "token", os.Getenv("KOTODIGI_TOKEN"), "API bearer token of a worker of --municipality (env KOTODIGI_TOKEN)")
	fs.StringVar(&c.mode, "mode", "read", "register, read, mixed or statistics (indicator queries of a statistician's token)")
	fs.StringVar(&c.format, "format", "json", "statistics mode: json, csv, xlsx or json-stat")
	fs.StringVar(&c.cookie, "cookie", os.Getenv("KOTODIGI_COOKIE"), "statistics mode: a Cookie header to send (a signed-in web session, for pages; env KOTODIGI_COOKIE)")
	fs.StringVar(&c.paths, "paths", "", "statistics mode: a file of request paths to GET at random, one a line, instead of random indicator queries (e.g. a dashboard page)")
	fs.StringVar(&c.municipality, "municipality", "091", "municipality code the clients are registered in")
	fs.IntVar(&c.concurrency, "concurrency", 16, "concurrent workers (each with its own keep-alive connection)")
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "measured run time (at most 10m)")
	fs.IntVar(&c.requests, "requests", 0, "stop after this many operations (0: only --duration bounds the run, with a cap of 5,000,000)")
	fs.IntVar(&c.pool, "pool", 200, "clients registered before a read or mixed run (not measured)")
	fs.StringVar(&c.poolOut, "pool-out", "", "read or mixed mode: also write the registered pool's client ids to this file, one per line (for other load tools, e.g. bench/wrk_read.lua)")
	fs.IntVar(&c.writePct, "mixed-writes", 10, "mixed mode: percentage of operations that register a client")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "timeout of one request")
	fs.StringVar(&c.label, "label", "", "name of the RESULT line (default: the mode)")
	fs.IntVar(&c.serverPID, "server-pid", 0, "process id of the kotodigi server, to report its CPU time per request (Linux)")
	fs.StringVar(&c.dbProcess, "db-process", "", "command name of the database server's processes (postgres), to report their CPU time per request (Linux; raw PostgreSQL mode: postgres)")
	fs.StringVar(&c.rawSQLite, "raw-sqlite", "", "raw mode on a new SQLite file at PATH (no kotodigi)")
	fs.StringVar(&c.rawPostgres, "raw-postgres", "", "raw mode on a scratch schema of this loopback PostgreSQL URL (no kotodigi)")
	fs.StringVar(&c.rawSchema, "raw-schema", "", "raw PostgreSQL: scratch schema name (default: a fresh random one)")
	fs.IntVar(&c.rawClients, "raw-clients", 10000, "raw mode: prepared clients to read at random")
	fs.IntVar(&c.rawConns, "raw-conns", 0, "raw mode: connection pool size (default: 1 on SQLite like kotodigi's writer, --concurrency on PostgreSQL)")
	fs.BoolVar(&c.rawKeep, "raw-keep", false, "raw PostgreSQL: keep the scratch schema afterwards (for pgbench)")
	fs.BoolVar(&c.rawReuse, "raw-reuse", false, "raw mode: use an existing scratch schema or SQLite file")
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.concurrency < 1 || c.concurrency > maxConc {
		return fmt.Errorf("--concurrency must be 1..%d", maxConc)
	}
	if c.duration <= 0 || c.duration > maxDuration {
		return fmt.Errorf("--duration must be in (0, %s]", maxDuration)
	}
	if c.requests < 0 || c.requests > maxRequests {
		return fmt.Errorf("--requests must be 0..%d", maxRequests)
	}
	if c.requests == 0 {
		c.requests = maxRequests
	}
	if c.rawSQLite != "" || c.rawPostgres != "" {
		if c.rawSQLite != "" && c.rawPostgres != "" {
			return errors.New("give one of --raw-sqlite and --raw-postgres")
		}
		return runRaw(ctx, c, out)
	}
	return runHTTP(ctx, c, out)
}

// loop runs work on c.concurrency workers until c.duration has passed, the
// operation budget is spent or ctx ends, and summarises the latencies.
// work returns whether the operation succeeded.
func loop(ctx context.Context, c config, work func(ctx context.Context, worker int) error) (bench.Summary, error) {
	ctx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	var budget, oks, fails atomic.Int64
	budget.Store(int64(c.requests))
	recs := make([]*bench.Recorder, c.concurrency)
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	cpu := bench.ReadCPU()
	server0, serverOK := bench.ProcessCPU(c.serverPID)
	var db0 time.Duration
	if c.dbProcess != "" {
		db0 = bench.ProcessesCPU(c.dbProcess)
	}
	start := time.Now()
	for w := range c.concurrency {
		rec := bench.NewRecorder(4096)
		recs[w] = rec
		wg.Go(func() {
			for ctx.Err() == nil && budget.Add(-1) >= 0 {
				t0 := time.Now()
				err := work(ctx, w)
				d := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil {
						return // cut off by the end of the run: not an error
					}
					rec.Fail()
					errOnce.Do(func() { firstErr = err })
					if fails.Add(1) >= giveUpAfter && oks.Load() == 0 {
						cancel() // the target does not work at all: stop hammering it
					}
					continue
				}
				oks.Add(1)
				rec.OK(d)
			}
		})
	}
	wg.Wait()
	s := bench.Summarize(time.Since(start), recs...)
	s.SetCPU(cpu)
	if server1, ok := bench.ProcessCPU(c.serverPID); c.serverPID > 0 && serverOK && ok && s.OK > 0 {
		s.ServerCPUPerOp = (server1 - server0) / time.Duration(s.OK)
	}
	if c.dbProcess != "" && s.OK > 0 {
		s.DBCPUPerOp = max(bench.ProcessesCPU(c.dbProcess)-db0, 0) / time.Duration(s.OK)
	}
	return s, firstErr
}

func report(out io.Writer, c config, label, what string, s bench.Summary, firstErr error) {
	fmt.Fprintf(out, "kotodigi-load: %s, concurrency %d\n", what, c.concurrency)
	fmt.Fprintf(out, "requests   %s\n", s)
	if firstErr != nil {
		fmt.Fprintf(out, "first error: %v\n", firstErr)
	}
	fmt.Fprintln(out, s.Line(label, c.concurrency))
}

// --- HTTP ---------------------------------------------------------------

type loader struct {
	base   string
	token  string
	cookie string
	muni   string
	client *http.Client
	prefix string // unique per run, so runs on one database never collide
	next   atomic.Int64
	until  string
}

func runHTTP(ctx context.Context, c config, out io.Writer) error {
	if c.target == "" {
		return errors.New("--target is required (or --raw-sqlite / --raw-postgres)")
	}
	u, err := bench.CheckHTTPTarget(c.target)
	if err != nil {
		return err
	}
	if c.token == "" && (c.mode != "statistics" || c.cookie == "") {
		return errors.New("--token is required (statistics mode: or --cookie)")
	}
	if c.mode == "statistics" {
		return runStatistics(ctx, c, u.String(), out)
	}
	if c.mode != "register" && c.mode != "read" && c.mode != "mixed" {
		return fmt.Errorf("--mode must be register, read, mixed or statistics")
	}
	if c.writePct < 0 || c.writePct > 100 {
		return fmt.Errorf("--mixed-writes must be 0..100")
	}
	if c.pool < 1 || c.pool > 100_000 {
		return fmt.Errorf("--pool must be 1..100000")
	}
	l := &loader{
		base:   strings.TrimRight(u.String(), "/"),
		token:  c.token,
		muni:   c.municipality,
		client: bench.LoopbackClient(c.concurrency, c.timeout),
		prefix: fmt.Sprintf("BENCH-%08X", rand.Uint32()),
		until:  time.Now().AddDate(1, 0, 0).Format("2006-01-02"),
	}
	var ids []string
	if c.mode != "register" {
		// The pool is registered first and not measured; bounded by count and time.
		pc := c
		pc.requests, pc.duration = c.pool, 2*time.Minute
		var mu sync.Mutex
		s, err := loop(ctx, pc, func(ctx context.Context, _ int) error {
			id, err := l.register(ctx)
			if err == nil {
				mu.Lock()
				ids = append(ids, id)
				mu.Unlock()
			}
			return err
		})
		if len(ids) == 0 {
			return fmt.Errorf("registering the client pool failed: %v", err)
		}
		fmt.Fprintf(out, "pool       %d clients registered in %.2fs (%d errors)\n", len(ids), s.Elapsed.Seconds(), s.Errors)
		if c.poolOut != "" {
			if err := os.WriteFile(c.poolOut, []byte(strings.Join(ids, "\n")+"\n"), 0o600); err != nil {
				return fmt.Errorf("--pool-out: %w", err)
			}
		}
	}
	var work func(ctx context.Context, w int) error
	switch c.mode {
	case "register":
		work = func(ctx context.Context, _ int) error { _, err := l.register(ctx); return err }
	case "read":
		work = func(ctx context.Context, _ int) error { return l.read(ctx, ids[rand.IntN(len(ids))]) }
	case "mixed":
		work = func(ctx context.Context, _ int) error {
			if rand.IntN(100) < c.writePct {
				_, err := l.register(ctx)
				return err
			}
			return l.read(ctx, ids[rand.IntN(len(ids))])
		}
	}
	s, firstErr := loop(ctx, c, work)
	label := c.label
	if label == "" {
		label = c.mode
	}
	report(out, c, label, c.mode+" against "+l.base, s, firstErr)
	if s.OK == 0 {
		return fmt.Errorf("no request succeeded: %v", firstErr)
	}
	return ctx.Err()
}

func (l *loader) do(ctx context.Context, method, path string, body []byte, want int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, l.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if l.token != "" {
		req.Header.Set("Authorization", "Bearer "+l.token)
	}
	if l.cookie != "" {
		req.Header.Set("Cookie", l.cookie)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: status %d: %.200s", method, path, resp.StatusCode, b)
	}
	return b, nil
}

// register registers one synthetic client (a unique UMA number) and returns its id.
func (l *loader) register(ctx context.Context) (string, error) {
	n := l.next.Add(1)
	body := fmt.Sprintf(`{"municipality":%q,"uma_number":"%s-%09d","first_names":"Amina","last_name":"Load","date_of_birth":"1990-01-01",`+
		`"residence_basis":{"type":"residence_permit","valid_until":%q},"service_language":"fi"}`, l.muni, l.prefix, n, l.until)
	b, err := l.do(ctx, http.MethodPost, "/api/v1/clients", []byte(body), http.StatusCreated)
	if err != nil {
		return "", err
	}
	var c struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &c); err != nil || c.ID == "" {
		return "", fmt.Errorf("register: no id in the answer")
	}
	return c.ID, nil
}

// read is one audited read.
func (l *loader) read(ctx context.Context, id string) error {
	_, err := l.do(ctx, http.MethodGet, "/api/v1/clients/"+id, nil, http.StatusOK)
	return err
}

// --- raw ----------------------------------------------------------------

func runRaw(ctx context.Context, c config, out io.Writer) error {
	if c.rawClients < 1 || c.rawClients > 1_000_000 {
		return errors.New("--raw-clients must be 1..1000000")
	}
	var target, what, label string
	conns := c.rawConns
	switch {
	case c.rawSQLite != "":
		if _, err := os.Stat(c.rawSQLite); err == nil && !c.rawReuse {
			return fmt.Errorf("--raw-sqlite: %s exists (give a new path, or --raw-reuse)", c.rawSQLite)
		}
		target, what, label = "sqlite:"+c.rawSQLite, "raw SELECT+audit INSERT on SQLite "+c.rawSQLite, "raw-sqlite"
		if conns == 0 {
			conns = 1
		}
	default:
		if err := bench.CheckPostgresTarget(c.rawPostgres); err != nil {
			return err
		}
		schema := c.rawSchema
		if schema == "" {
			schema = bench.NewSchemaName("kdraw_")
		}
		existed, err := bench.CreateSchema(ctx, c.rawPostgres, schema, c.rawReuse)
		if err != nil {
			return err
		}
		if !c.rawKeep && !existed {
			defer func() {
				dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if err := bench.DropSchema(dctx, c.rawPostgres, schema); err != nil {
					fmt.Fprintf(os.Stderr, "kotodigi-load: dropping schema %s: %v\n", schema, err)
				}
			}()
		}
		if target, err = bench.SchemaURL(c.rawPostgres, schema); err != nil {
			return err
		}
		what, label = "raw SELECT+audit INSERT on PostgreSQL "+bench.Describe(c.rawPostgres)+" schema "+schema, "raw-postgres"
		if c.dbProcess == "" {
			c.dbProcess = "postgres"
		}
		if conns == 0 {
			conns = c.concurrency
		}
	}
	if c.label != "" {
		label = c.label
	}
	if err := bench.Migrate(ctx, target); err != nil {
		return err
	}
	r, err := bench.OpenRaw(ctx, target, conns)
	if err != nil {
		return err
	}
	defer r.Close()
	t0 := time.Now()
	if err := r.PrepareClients(ctx, c.municipality, c.rawClients); err != nil {
		return err
	}
	fmt.Fprintf(out, "prepared   %d clients in %.2fs; pool of %d connections\n", c.rawClients, time.Since(t0).Seconds(), conns)
	s, firstErr := loop(ctx, c, func(ctx context.Context, w int) error {
		return r.ReadAudit(ctx, w, bench.RawClientID(1+rand.IntN(c.rawClients)))
	})
	report(out, c, label, what, s, firstErr)
	if s.OK == 0 {
		return fmt.Errorf("no operation succeeded: %v", firstErr)
	}
	return ctx.Err()
}
