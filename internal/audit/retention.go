package audit

import (
	"context"
	"errors"
	"time"

	"github.com/kotodigi/kotodigi/internal/db"
)

// MinRetention is the shortest retention the trail accepts.
const MinRetention = 365 * 24 * time.Hour

// Retain removes the events older than cutoff. For each chain it first
// records a checkpoint (the position and hash of the last removed event), so
// that Verify checks the remaining chain from there; the removal itself is
// then recorded as an audit event by the caller. On PostgreSQL the
// application role can remove events only through a SECURITY DEFINER function
// that enforces the minimum.
func Retain(ctx context.Context, tx *db.Tx, cutoff, now time.Time) (int64, error) {
	if cutoff.After(now.Add(-MinRetention)) {
		return 0, errors.New("audit retention must keep at least one year")
	}
	if tx.Dialect == db.Postgres {
		var n int64
		err := tx.QueryRow(ctx, `SELECT kotodigi_audit_retention($1, $2)`, cutoff.UTC(), now.UTC()).Scan(&n)
		return n, err
	}
	rows, err := tx.Query(ctx, `SELECT shard, MAX(seq) FROM audit_events WHERE at < $1 GROUP BY shard`, cutoff.UTC())
	if err != nil {
		return 0, err
	}
	type cut struct {
		shard int
		seq   int64
	}
	var cuts []cut
	for rows.Next() {
		var c cut
		if err := rows.Scan(&c.shard, &c.seq); err != nil {
			rows.Close()
			return 0, err
		}
		cuts = append(cuts, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var total int64
	for _, c := range cuts {
		if _, err := tx.Exec(ctx, `INSERT INTO audit_checkpoints (shard, seq, hash, cut_at, removed)
			SELECT shard, seq, hash, $3, 0 FROM audit_events WHERE shard = $1 AND seq = $2
			ON CONFLICT (shard) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, cut_at = excluded.cut_at`, c.shard, c.seq, now.UTC()); err != nil {
			return 0, err
		}
		for _, q := range []string{
			`DELETE FROM anomaly_events WHERE event_id IN (SELECT id FROM audit_events WHERE shard = $1 AND seq <= $2)`,
			`DELETE FROM audit_event_clients WHERE event_id IN (SELECT id FROM audit_events WHERE shard = $1 AND seq <= $2)`,
		} {
			if _, err := tx.Exec(ctx, q, c.shard, c.seq); err != nil {
				return 0, err
			}
		}
		res, err := tx.Exec(ctx, `DELETE FROM audit_events WHERE shard = $1 AND seq <= $2`, c.shard, c.seq)
		if err != nil {
			return 0, err
		}
		n, _ := res.RowsAffected()
		if _, err := tx.Exec(ctx, `UPDATE audit_checkpoints SET removed = removed + $2 WHERE shard = $1`, c.shard, n); err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}
