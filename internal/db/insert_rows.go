package db

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// InsertRows inserts rows (values in the order of columns) into table in
// this transaction with as few statements as it can. Each column is written
// "name type" (the PostgreSQL type, e.g. "id uuid", "date_of_birth date");
// table and columns are the caller's constants, never input. On PostgreSQL
// all rows go in one statement, each column as one array
// (INSERT … SELECT FROM unnest(…)), which row-level security checks like any
// INSERT (COPY FROM is not allowed on such tables); on SQLite in multi-row
// INSERT statements. Values may be nil, string, bool, integers, time.Time or
// a driver.Valuer (dates). A unique violation fails the whole statement.
func (t *Tx) InsertRows(ctx context.Context, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	names, types := make([]string, len(columns)), make([]string, len(columns))
	for i, c := range columns {
		name, typ, ok := strings.Cut(c, " ")
		if !ok {
			return fmt.Errorf("insert into %s: column %q has no type", table, c)
		}
		names[i], types[i] = name, typ
	}
	for _, r := range rows {
		if len(r) != len(columns) {
			return fmt.Errorf("insert into %s: %d values for %d columns", table, len(r), len(columns))
		}
	}
	if t.Dialect == Postgres {
		return t.insertUnnest(ctx, table, names, types, rows)
	}
	// SQLite binds at most 32766 parameters a statement.
	per := max(1, 8000/len(columns))
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var q strings.Builder
		q.WriteString("INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES ")
		args := make([]any, 0, len(chunk)*len(columns))
		for i, r := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for j := range columns {
				if j > 0 {
					q.WriteString(", ")
				}
				// Plain "?": SQLite looks every "$N" up by name, which
				// is quadratic in the number of parameters.
				q.WriteByte('?')
			}
			q.WriteByte(')')
			args = append(args, r...)
		}
		if _, err := t.Exec(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) insertUnnest(ctx context.Context, table string, names, types []string, rows [][]any) error {
	arrays := make([]any, len(names))
	selects := make([]string, len(names))
	params := make([]string, len(names))
	for j := range names {
		col := make([]*string, len(rows))
		for i, r := range rows {
			s, err := textOf(r[j])
			if err != nil {
				return fmt.Errorf("insert into %s: %s: %w", table, names[j], err)
			}
			col[i] = s
		}
		arrays[j] = col
		params[j] = "$" + strconv.Itoa(j+1) + "::text[]"
		selects[j] = "v" + strconv.Itoa(j) + "::" + types[j]
	}
	as := make([]string, len(names))
	for j := range as {
		as[j] = "v" + strconv.Itoa(j)
	}
	q := "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") SELECT " + strings.Join(selects, ", ") +
		" FROM unnest(" + strings.Join(params, ", ") + ") AS u(" + strings.Join(as, ", ") + ")"
	_, err := t.Exec(ctx, q, arrays...)
	return err
}

// textOf is a value's PostgreSQL text form (nil for NULL).
func textOf(v any) (*string, error) {
	if val, ok := v.(driver.Valuer); ok {
		dv, err := val.Value()
		if err != nil {
			return nil, err
		}
		v = dv
	}
	var s string
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		s = x
	case *string:
		return x, nil
	case bool:
		s = strconv.FormatBool(x)
	case int:
		s = strconv.Itoa(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	case time.Time:
		s = x.UTC().Format(time.RFC3339Nano)
	default:
		return nil, fmt.Errorf("cannot write a %T", v)
	}
	return &s, nil
}

// Params is a list of n parameters from number from on: "$4, $5, …", or on
// SQLite "?4, ?5, …" (numbered directly: SQLite looks "$N" up by name, which
// is quadratic in long lists). Numbers before from must be "$1" … in order.
func (t *Tx) Params(from, n int) string {
	var sb strings.Builder
	mark := "$"
	if t.Dialect == SQLite {
		mark = "?"
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(mark + strconv.Itoa(from+i))
	}
	return sb.String()
}
