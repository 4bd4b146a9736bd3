package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/refdata"
)

// Open connects to the database named by target, applies migrations and
// reference data, and returns the Store. The caller closes it with Close.
//
// Migrations run over opts.MigrateDB when it is set (the schema owner's
// connection, used for nothing else), and otherwise over target itself. Then
// on PostgreSQL every connection runs as db.AppRole: with MigrateDB set,
// target can be a login that owns nothing and is only a member of AppRole.
func Open(ctx context.Context, target string, opts Options) (*Store, error) {
	ref, err := refdata.Load()
	if err != nil {
		return nil, fmt.Errorf("reference data: %w", err)
	}
	d, err := openMigrated(ctx, target, opts.MigrateDB)
	if err != nil {
		return nil, err
	}
	if err := audit.CheckKey(ctx, d, opts.AuditKey); err != nil {
		d.Close()
		return nil, err
	}
	s := New(d, ref, opts)
	if err := s.LoadReferenceData(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("reference data: %w", err)
	}
	return s, nil
}

// openMigrated migrates the database (over migrateTarget when given) and
// returns target's connection running as the application role.
func openMigrated(ctx context.Context, target, migrateTarget string) (*db.DB, error) {
	separate := migrateTarget != "" && migrateTarget != target
	if separate {
		mDialect, _, _ := db.ParseTarget(migrateTarget)
		if dialect, _, _ := db.ParseTarget(target); mDialect != db.Postgres || dialect != db.Postgres {
			return nil, fmt.Errorf("a separate migration connection is for PostgreSQL only")
		}
		md, err := db.Open(ctx, migrateTarget)
		if err != nil {
			return nil, fmt.Errorf("migration connection: %w", err)
		}
		err = md.Migrate(ctx)
		md.Close()
		if err != nil {
			return nil, err
		}
	}
	d, err := db.Open(ctx, target)
	if err != nil {
		return nil, err
	}
	var migrateErr error
	if !separate {
		// A runtime login cannot migrate; it needs not when the schema is
		// up to date (checked below).
		migrateErr = d.Migrate(ctx)
		if migrateErr != nil && d.Dialect != db.Postgres {
			d.Close()
			return nil, migrateErr
		}
	}
	if err := d.UseAppRole(ctx); err != nil {
		d.Close()
		return nil, errors.Join(migrateErr, err)
	}
	if migrateErr != nil {
		if err := d.CheckMigrated(ctx); err != nil {
			d.Close()
			return nil, migrateErr
		}
	}
	if separate {
		// The runtime login must see the schema just migrated.
		if err := d.CheckMigrated(ctx); err != nil {
			d.Close()
			return nil, fmt.Errorf("the runtime connection does not see the migrated schema (are both connections to the same database and schema?): %w", err)
		}
	}
	return d, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.db.InReadTx(ctx, func(tx *db.Tx) error {
		var one int
		return tx.QueryRow(ctx, `SELECT 1`).Scan(&one)
	})
}
