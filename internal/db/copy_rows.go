package db

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// TableRows are rows for one table: columns written "name type" as for
// InsertRows, values in that order.
type TableRows struct {
	Table   string
	Columns []string
	Rows    [][]any
}

// CopyRows writes rows into several tables in one transaction, as fast as
// the engine allows: on PostgreSQL with COPY (pgx CopyFrom), on SQLite with
// multi-row INSERTs (InsertRows). It is for bulk loaders only (the synthetic
// data generator): it writes no audit event. COPY FROM is refused on tables
// with row-level security for a role it applies to, so on PostgreSQL the
// connection must be the schema owner's (before UseAppRole); with the
// application role it falls back to InsertRows.
func (d *DB) CopyRows(ctx context.Context, tables []TableRows) error {
	return d.copyRows(ctx, tables, d.appRole)
}

// CopyRowsNoRLS is CopyRows for tables without row-level security (the
// indicators' aggregate tables): COPY works with the application role too.
func (d *DB) CopyRowsNoRLS(ctx context.Context, tables []TableRows) error {
	return d.copyRows(ctx, tables, false)
}

func (d *DB) copyRows(ctx context.Context, tables []TableRows, rowSecurity bool) error {
	if d.Dialect != Postgres || rowSecurity {
		return d.InScope(ctx, AllMunicipalities, func(tx *Tx) error {
			for _, t := range tables {
				if err := tx.InsertRows(ctx, t.Table, t.Columns, t.Rows); err != nil {
					return err
				}
			}
			return nil
		})
	}
	conn, err := d.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		return pgx.BeginFunc(ctx, pc, func(tx pgx.Tx) error {
			for _, t := range tables {
				if err := copyTable(ctx, tx, t); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func copyTable(ctx context.Context, tx pgx.Tx, t TableRows) error {
	if len(t.Rows) == 0 {
		return nil
	}
	names, types := make([]string, len(t.Columns)), make([]string, len(t.Columns))
	for i, c := range t.Columns {
		name, typ, ok := strings.Cut(c, " ")
		if !ok {
			return fmt.Errorf("copy into %s: column %q has no type", t.Table, c)
		}
		names[i], types[i] = name, typ
	}
	rows := make([][]any, len(t.Rows))
	for i, r := range t.Rows {
		if len(r) != len(names) {
			return fmt.Errorf("copy into %s: %d values for %d columns", t.Table, len(r), len(names))
		}
		out := make([]any, len(r))
		for j, v := range r {
			cv, err := copyValue(types[j], v)
			if err != nil {
				return fmt.Errorf("copy into %s: %s: %w", t.Table, names[j], err)
			}
			out[j] = cv
		}
		rows[i] = out
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{t.Table}, names, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("copy into %s: %w", t.Table, err)
	}
	return nil
}

// copyValue converts a value as InsertRows accepts it to what COPY's binary
// format needs for the column type: uuids and dates from their text forms.
func copyValue(typ string, v any) (any, error) {
	if val, ok := v.(driver.Valuer); ok {
		dv, err := val.Value()
		if err != nil {
			return nil, err
		}
		v = dv
	}
	s, isText := v.(string)
	switch {
	case v == nil || !isText:
		return v, nil
	case typ == "uuid":
		var u pgtype.UUID
		err := u.Scan(s)
		return u, err
	case typ == "date":
		return time.Parse(time.DateOnly, s)
	}
	return v, nil
}
