package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kotodigi/kotodigi/internal/db"
)

// MinRetention is the shortest retention the trail accepts.
const MinRetention = 365 * 24 * time.Hour

// Checkpoint is where retention cut a chain: the position and hash of the
// last removed event, from which Verify checks the rest of the chain.
type Checkpoint struct {
	Chain   int
	Seq     int64
	Hash    []byte
	Removed int64 // events removed by this cut
}

// Retention is what one retention run removed.
type Retention struct {
	// Cutoff is the time before which events were removed, by the
	// database's clock.
	Cutoff  time.Time
	Removed int64
	Cuts    []Checkpoint
}

// ErrRetentionTooShort is returned for a retention shorter than MinRetention.
var ErrRetentionTooShort = errors.New("audit retention must keep at least one year")

// Retain removes the events older than keep. The time comes from the
// database's own clock, never from the caller, and keep must be at least
// MinRetention. For each chain it first records a checkpoint (the position
// and hash of the last removed event), sealed with the trail's key, so that
// Verify checks the remaining chain from there; the caller then records the
// removal as an audit event.
//
// On PostgreSQL the application role can remove events only through the
// SECURITY DEFINER function kotodigi_audit_retention, which makes the same
// checks itself (so they hold whoever calls it); on SQLite they are made here.
func (t Trail) Retain(ctx context.Context, tx *db.Tx, keep time.Duration) (Retention, error) {
	var out Retention
	if keep < MinRetention {
		return out, ErrRetentionTooShort
	}
	if tx.Dialect == db.Postgres {
		if err := tx.QueryRow(ctx, `SELECT now() - $1::bigint * interval '1 microsecond'`, keep.Microseconds()).Scan(&out.Cutoff); err != nil {
			return out, err
		}
		rows, err := tx.Query(ctx, `SELECT chain, chain_position, chain_hash, removed_events FROM kotodigi_audit_retention($1::bigint * interval '1 microsecond')`, keep.Microseconds())
		if err != nil {
			return out, err
		}
		for rows.Next() {
			var c Checkpoint
			if err := rows.Scan(&c.Chain, &c.Seq, &c.Hash, &c.Removed); err != nil {
				rows.Close()
				return out, err
			}
			out.Cuts = append(out.Cuts, c)
			out.Removed += c.Removed
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, err
		}
		for _, c := range out.Cuts {
			if _, err := tx.Exec(ctx, `UPDATE audit_checkpoints SET seal = $4 WHERE shard = $1 AND seq = $2 AND hash = $3`,
				c.Chain, c.Seq, c.Hash, t.Key.sealCheckpoint(c)); err != nil {
				return out, err
			}
		}
		out.Cutoff = out.Cutoff.UTC()
		return out, nil
	}
	now, err := sqliteNow(ctx, tx)
	if err != nil {
		return out, err
	}
	out.Cutoff = now.Add(-keep)
	rows, err := tx.Query(ctx, `SELECT shard, MAX(seq) FROM audit_events WHERE at < $1 GROUP BY shard ORDER BY shard`, out.Cutoff)
	if err != nil {
		return out, err
	}
	for rows.Next() {
		var c Checkpoint
		if err := rows.Scan(&c.Chain, &c.Seq); err != nil {
			rows.Close()
			return out, err
		}
		out.Cuts = append(out.Cuts, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	for i := range out.Cuts {
		c := &out.Cuts[i]
		if err := tx.QueryRow(ctx, `SELECT hash FROM audit_events WHERE shard = $1 AND seq = $2`, c.Chain, c.Seq).Scan(&c.Hash); err != nil {
			return out, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_checkpoints (shard, seq, hash, cut_at, removed, seal) VALUES ($1, $2, $3, $4, 0, $5)
			ON CONFLICT (shard) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, cut_at = excluded.cut_at, seal = excluded.seal`,
			c.Chain, c.Seq, c.Hash, now, t.Key.sealCheckpoint(*c)); err != nil {
			return out, err
		}
		for _, q := range []string{
			`DELETE FROM anomaly_events WHERE event_id IN (SELECT id FROM audit_events WHERE shard = $1 AND seq <= $2)`,
			`DELETE FROM audit_event_clients WHERE event_id IN (SELECT id FROM audit_events WHERE shard = $1 AND seq <= $2)`,
		} {
			if _, err := tx.Exec(ctx, q, c.Chain, c.Seq); err != nil {
				return out, err
			}
		}
		res, err := tx.Exec(ctx, `DELETE FROM audit_events WHERE shard = $1 AND seq <= $2`, c.Chain, c.Seq)
		if err != nil {
			return out, err
		}
		c.Removed, _ = res.RowsAffected()
		if _, err := tx.Exec(ctx, `UPDATE audit_checkpoints SET removed = removed + $2 WHERE shard = $1`, c.Chain, c.Removed); err != nil {
			return out, err
		}
		out.Removed += c.Removed
	}
	return out, nil
}

// sqliteNow is the time by SQLite's own clock.
func sqliteNow(ctx context.Context, tx *db.Tx) (time.Time, error) {
	var s string
	if err := tx.QueryRow(ctx, `SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`).Scan(&s); err != nil {
		return time.Time{}, err
	}
	now, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite clock: %w", err)
	}
	return now, nil
}
