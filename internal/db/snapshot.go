package db

import (
	"context"
	"database/sql"
	"fmt"
)

// InReadSnapshot runs fn in a read-only transaction that sees one consistent
// state of the database from its first statement to its end (REPEATABLE READ
// on PostgreSQL; on SQLite a read transaction of the reader pool, which WAL
// keeps at one snapshot), with the given row-level security scope. For long
// aggregate reads (the statistics refresh): they neither see half of a later
// change nor hold SQLite's one writer.
func (d *DB) InReadSnapshot(ctx context.Context, scope Scope, fn func(*Tx) error) error {
	var opts *sql.TxOptions
	if d.Dialect == Postgres {
		opts = &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	tx, err := d.read.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &Tx{tx: tx, Dialect: d.Dialect}
	defer t.ended()
	defer func() { _ = tx.Rollback() }() // read-only: nothing to keep
	if err := t.SetScope(ctx, scope); err != nil {
		return err
	}
	return fn(t)
}
