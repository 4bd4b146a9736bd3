package db

import (
	"context"
	"fmt"
	"time"
)

// Now is the database's own clock (UTC), for deadlines that the
// application's clock must not move (an undo period, for example).
func (t *Tx) Now(ctx context.Context) (time.Time, error) {
	if t.Dialect == Postgres {
		var now time.Time
		err := t.QueryRow(ctx, `SELECT statement_timestamp()`).Scan(&now)
		return now.UTC().Truncate(time.Microsecond), err
	}
	var s string
	if err := t.QueryRow(ctx, `SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`).Scan(&s); err != nil {
		return time.Time{}, err
	}
	now, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite clock: %w", err)
	}
	return now.UTC(), nil
}
