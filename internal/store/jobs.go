package store

import (
	"context"
	"time"

	"github.com/kotodigi/kotodigi/internal/db"
)

// Job is a leased background job.
type Job struct {
	Name     string
	CursorID int64 // where the job left off (e.g. the last audit event examined)
}

// EnsureJob registers a periodic job (idempotent).
func (s *Store) EnsureJob(ctx context.Context, name string) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO jobs (name, next_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, s.Now())
		return err
	})
}

// LeaseJob takes a due job for this instance for at most lease. It returns
// false when the job is not due or another instance holds it.
func (s *Store) LeaseJob(ctx context.Context, name, instance string, lease time.Duration) (Job, bool, error) {
	now := s.Now()
	j := Job{Name: name}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `UPDATE jobs SET locked_until = $2, locked_by = $3
			WHERE name = $1 AND next_run_at <= $4 AND (locked_until IS NULL OR locked_until < $4) RETURNING cursor_id`,
			name, now.Add(lease), instance, now).Scan(&j.CursorID)
	})
	if isNoRows(err) {
		return j, false, nil
	}
	return j, err == nil, err
}

// FinishJob releases a job, schedules its next run and stores its cursor and
// error (the error text is the job's own, never personal data).
func (s *Store) FinishJob(ctx context.Context, name, instance string, next time.Duration, cursor int64, jobErr error) error {
	var msg any
	if jobErr != nil {
		msg = jobErr.Error()
	}
	now := s.Now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE jobs SET locked_until = NULL, locked_by = NULL, last_run_at = $3, next_run_at = $4,
			last_error = $5, cursor_id = CASE WHEN $6 > cursor_id THEN $6 ELSE cursor_id END WHERE name = $1 AND locked_by = $2`,
			name, instance, now, now.Add(next), msg, cursor)
		return err
	})
}

// JobStatus is what operators see of a job.
type JobStatus struct {
	Name      string     `json:"name"`
	NextRunAt time.Time  `json:"next_run_at"`
	LastRunAt *time.Time `json:"last_run_at"`
	LastError *string    `json:"last_error"`
}
