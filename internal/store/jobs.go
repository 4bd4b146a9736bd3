package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
)

// Job is a leased background job.
type Job struct {
	Name     string
	CursorID int64 // where the job left off (e.g. the last audit event examined)
}

// EnsureJob registers a periodic job that runs every so often (idempotent;
// a changed schedule is recorded).
func (s *Store) EnsureJob(ctx context.Context, name string, every time.Duration) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO jobs (name, next_run_at, registered_at, every_seconds) VALUES ($1, $2, $2, $3)
			ON CONFLICT (name) DO UPDATE SET every_seconds = excluded.every_seconds, registered_at = COALESCE(jobs.registered_at, excluded.registered_at)
			WHERE jobs.every_seconds <> excluded.every_seconds OR jobs.registered_at IS NULL`, name, s.Now(), int64(every/time.Second))
		return err
	})
}

// LeaseJob takes a due job for this instance for at most lease and records
// that its run started. It returns false when the job is not due or another
// instance holds it.
func (s *Store) LeaseJob(ctx context.Context, name, instance string, lease time.Duration) (Job, bool, error) {
	now := s.Now()
	j := Job{Name: name}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `UPDATE jobs SET locked_until = $2, locked_by = $3, last_started_at = $4
			WHERE name = $1 AND next_run_at <= $4 AND (locked_until IS NULL OR locked_until < $4) RETURNING cursor_id`,
			name, now.Add(lease), instance, now).Scan(&j.CursorID)
	})
	if isNoRows(err) {
		return j, false, nil
	}
	return j, err == nil, err
}

// JobRun is the outcome of one run of a job.
type JobRun struct {
	// Next is how long until the job is due again.
	Next time.Duration
	// Cursor is where the run left off; the stored cursor never goes back.
	Cursor int64
	// Error is a safe description of why the run failed ("" when it
	// succeeded): never personal data (see db.DescribeError).
	Error string
	// Lag is how far behind the job is after the run (nil: not measured).
	Lag *JobLag
}

// JobLag is how far a job that follows the audit trail is behind it.
type JobLag struct {
	Events int64         // audit events after the cursor
	Behind time.Duration // from the last event examined to the newest one
}

// FinishJob releases a job, schedules its next run and stores its cursor,
// outcome and lag. A failure counts towards the failures in a row; a success
// resets them and keeps the last error for the record. It returns the
// failures in a row, and false when the instance no longer held the job
// (its lease ran out and another instance took it: nothing is stored).
func (s *Store) FinishJob(ctx context.Context, name, instance string, run JobRun) (int, bool, error) {
	now := s.Now()
	var lagEvents, lagSeconds any
	if run.Lag != nil {
		lagEvents, lagSeconds = run.Lag.Events, int64(run.Lag.Behind/time.Second)
	}
	failed := run.Error != ""
	failures := 0
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `UPDATE jobs SET locked_until = NULL, locked_by = NULL, last_run_at = $3, next_run_at = $4,
			cursor_id = CASE WHEN $5 > cursor_id THEN $5 ELSE cursor_id END,
			last_success_at = CASE WHEN $6 THEN last_success_at ELSE $3 END,
			last_error = CASE WHEN $6 THEN $7 ELSE last_error END,
			last_error_at = CASE WHEN $6 THEN $3 ELSE last_error_at END,
			consecutive_failures = CASE WHEN $6 THEN consecutive_failures + 1 ELSE 0 END,
			lag_events = $8, lag_seconds = $9
			WHERE name = $1 AND locked_by = $2 RETURNING consecutive_failures`,
			name, instance, now, now.Add(run.Next), run.Cursor, failed, run.Error, lagEvents, lagSeconds).Scan(&failures)
	})
	if isNoRows(err) {
		return 0, false, nil
	}
	return failures, err == nil, err
}

// AuditLag measures how far a job whose cursor is an audit event id is
// behind the trail. The times are selected as columns (never MAX(at), which
// SQLite returns as text).
func (s *Store) AuditLag(ctx context.Context, cursor int64) (JobLag, error) {
	var lag JobLag
	err := s.db.InReadTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE id > $1`, cursor).Scan(&lag.Events); err != nil || lag.Events == 0 {
			return err
		}
		var newest, examined time.Time
		if err := tx.QueryRow(ctx, `SELECT at FROM audit_events ORDER BY id DESC LIMIT 1`).Scan(&newest); err != nil {
			return err
		}
		// The last event examined, or (nothing examined yet, or removed by
		// retention) the first one waiting.
		err := tx.QueryRow(ctx, `SELECT at FROM audit_events WHERE id <= $1 ORDER BY id DESC LIMIT 1`, cursor).Scan(&examined)
		if isNoRows(err) {
			err = tx.QueryRow(ctx, `SELECT at FROM audit_events WHERE id > $1 ORDER BY id LIMIT 1`, cursor).Scan(&examined)
		}
		if err != nil {
			return err
		}
		lag.Behind = max(newest.Sub(examined), 0)
		return nil
	})
	return lag, err
}

// JobStatus is what operators see of a job.
type JobStatus struct {
	Name  string
	Every time.Duration // how often it runs (0: not recorded yet)
	// RegisteredAt is when the job was first registered (nil before this was kept).
	RegisteredAt *time.Time
	NextRunAt    time.Time
	// LockedUntil is set while an instance holds the job (running it).
	LockedUntil *time.Time
	// LastStartedAt and LastRunAt are the start and the end of the last run.
	LastStartedAt, LastRunAt *time.Time
	LastSuccessAt            *time.Time
	// LastError is the safe description of the last failure, kept after a
	// success; LastErrorAt is when it was.
	LastError           *string
	LastErrorAt         *time.Time
	ConsecutiveFailures int
	Cursor              int64
	// Lag is measured at the end of each run of a job that follows the audit trail.
	Lag *JobLag
}

// JobStatuses lists every job's status, for the readiness check: nothing in
// it is personal, and it is not audited (a probe asks every few seconds).
func (s *Store) JobStatuses(ctx context.Context) ([]JobStatus, error) {
	var out []JobStatus
	err := s.db.InReadTx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = jobStatuses(ctx, tx)
		return err
	})
	return out, err
}

// Jobs lists every job's status for KEHA-keskus' administrators and log
// monitors (the jobs page). Audited as job.read.
func (s *Store) Jobs(ctx context.Context, actor Actor) ([]JobStatus, error) {
	var out []JobStatus
	err := s.inTx(ctx, actor, func(tx *db.Tx) error {
		ev := actor.event(authz.JobRead, audit.Allowed)
		if actor.Principal != nil && !actor.Principal.Allowed(authz.JobRead, "").Allowed {
			return s.deny(ctx, tx, ev, model.ErrForbidden)
		}
		var err error
		if out, err = jobStatuses(ctx, tx); err != nil {
			return err
		}
		n := len(out)
		ev.ResultCount = &n
		return s.record(ctx, tx, ev)
	})
	return out, err
}

func jobStatuses(ctx context.Context, tx *db.Tx) ([]JobStatus, error) {
	rows, err := tx.Query(ctx, `SELECT name, every_seconds, registered_at, next_run_at, locked_until, last_started_at, last_run_at, last_success_at,
		last_error, last_error_at, consecutive_failures, cursor_id, lag_events, lag_seconds FROM jobs ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []JobStatus
	for rows.Next() {
		var j JobStatus
		var every int64
		var registered, locked, started, ended, success, errorAt sql.NullTime
		var lastError sql.NullString
		var lagEvents, lagSeconds sql.NullInt64
		if err := rows.Scan(&j.Name, &every, &registered, &j.NextRunAt, &locked, &started, &ended, &success,
			&lastError, &errorAt, &j.ConsecutiveFailures, &j.Cursor, &lagEvents, &lagSeconds); err != nil {
			return nil, err
		}
		j.Every, j.NextRunAt = time.Duration(every)*time.Second, j.NextRunAt.UTC()
		j.RegisteredAt, j.LockedUntil, j.LastStartedAt, j.LastRunAt = timePtr(registered), timePtr(locked), timePtr(started), timePtr(ended)
		j.LastSuccessAt, j.LastErrorAt, j.LastError = timePtr(success), timePtr(errorAt), ptr(lastError)
		if lagEvents.Valid {
			j.Lag = &JobLag{Events: lagEvents.Int64, Behind: time.Duration(lagSeconds.Int64) * time.Second}
		}
		out = append(out, j)
	}
	return out, rows.Err()
}
