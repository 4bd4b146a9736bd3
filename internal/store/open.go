package store

import (
	"context"
	"fmt"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/refdata"
)

// Open connects to the database named by target, applies migrations and
// reference data, and returns the Store. The caller closes it with Close.
func Open(ctx context.Context, target string, opts Options) (*Store, error) {
	ref, err := refdata.Load()
	if err != nil {
		return nil, fmt.Errorf("reference data: %w", err)
	}
	d, err := db.Open(ctx, target)
	if err != nil {
		return nil, err
	}
	if err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	if err := d.UseAppRole(ctx); err != nil {
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

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.db.InReadTx(ctx, func(tx *db.Tx) error {
		var one int
		return tx.QueryRow(ctx, `SELECT 1`).Scan(&one)
	})
}
