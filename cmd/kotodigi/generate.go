package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/demo"
)

// demoGenerate fills a test database with synthetic clients for benchmarks
// (README "Synthetic data for benchmarks").
func demoGenerate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("demo generate", &c)
	clients := fs.Int("clients", 0, "how many synthetic clients to make (required)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed, number and day give the same data")
	batch := fs.Int("batch", 5000, "clients per transaction")
	existing := fs.Bool("allow-existing-clients", false, "add to a database that already holds clients not made by the generator (never a production database)")
	remote := fs.Bool("allow-remote", false, "allow a PostgreSQL server that is not on this machine (never a production database)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *clients <= 0 {
		return fmt.Errorf("--clients must be a positive number")
	}
	if err := localTarget(c.db, *remote); err != nil {
		return err
	}
	s, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	if n, err := s.ForeignClients(ctx); err != nil {
		return err
	} else if n > 0 && !*existing {
		return fmt.Errorf("the database holds %d clients not made by the generator: it may be in real use; "+
			"the generator bypasses the per-client audit trail and is for test databases only (--allow-existing-clients to add anyway)", n)
	}
	bulk, err := bulkConnection(ctx, c)
	if err != nil {
		return err
	}
	if bulk != nil {
		defer bulk.Close()
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	res, err := demo.Generate(ctx, s, bulk, demo.GenerateOptions{Clients: *clients, Seed: *seed, Batch: *batch,
		Progress: func(done int) { log.Info("generated", "clients", done) }})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "generated %d clients, %d assessments, %d plans, %d reviews, %d services, %d transfers in %s (run %s, seed %d)\n",
		res.Clients, res.Assessments, res.Plans, res.Reviews, res.Services, res.Transfers, res.Elapsed.Round(1e6), res.Run, *seed)
	return nil
}

// localTarget refuses a PostgreSQL server elsewhere than on this machine
// unless allowed.
func localTarget(target string, allowRemote bool) error {
	dialect, dsn, err := db.ParseTarget(target)
	if err != nil || dialect != db.Postgres || allowRemote {
		return err
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return fmt.Errorf("--db: not a URL")
	}
	host := u.Hostname()
	if host == "" {
		host = os.Getenv("PGHOST")
	}
	if ip := net.ParseIP(host); host == "localhost" || host == "" || (ip != nil && ip.IsLoopback()) {
		return nil
	}
	return fmt.Errorf("--db is not on this machine (%s): the generator is for test databases (--allow-remote to proceed)", host)
}

// bulkConnection is the schema owner's connection on PostgreSQL (COPY is
// refused under row-level security), nil on SQLite.
func bulkConnection(ctx context.Context, c common) (*db.DB, error) {
	dialect, _, _ := db.ParseTarget(c.db)
	if dialect != db.Postgres {
		return nil, nil
	}
	owner := c.migrateDB
	if owner == "" {
		owner = c.db
	}
	return db.Open(ctx, owner)
}
