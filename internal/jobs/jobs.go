// Package jobs runs periodic background work (anomaly detection, audit
// retention, mail) from the database: every instance runs the loop, a job is
// taken by leasing its row, so any instance can do it, none does it twice at
// once, and nothing is lost on restart. Every run's outcome is kept with the
// job (last run, last success, last error, failures in a row, lag), for the
// jobs page and GET /readyz; a failure is logged with a description that
// carries no personal data.
package jobs

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/mail"
	"github.com/kotodigi/kotodigi/internal/monitoring"
	"github.com/kotodigi/kotodigi/internal/store"
)

// Job names.
const (
	AnomalyDetection = "anomaly_detection"
	AuditRetention   = "audit_retention"
	AuditHeads       = "audit_heads"
	Retention        = "retention"
	Mail             = "mail"
)

// Task is one periodic job. Run gets the cursor where the last run stopped
// and returns the new one.
type Task struct {
	Name  string
	Every time.Duration
	Lease time.Duration
	Run   func(ctx context.Context, cursor int64) (int64, error)
	// Lag, when set, measures after each run how far behind the job is.
	Lag func(ctx context.Context, cursor int64) (store.JobLag, error)
}

// Runner runs tasks.
type Runner struct {
	store    *store.Store
	instance string
	tasks    []Task
	log      *slog.Logger
}

// Config sets the jobs' schedules and rules.
type Config struct {
	AnomalyEvery time.Duration           // default 1 min
	Rules        monitoring.AnomalyRules // zero fields: monitoring.DefaultAnomalyRules
	// AnomalySettle is how old an audit event must be before log monitoring
	// examines it (default 30 s; see monitoring.Settled).
	AnomalySettle  time.Duration
	RetentionEvery time.Duration // default 24 h
	AuditRetention time.Duration // default 5 years
	// Retention: the periods of clients, case records and sign-in records
	// (store defaults where zero); the retention job runs every RetentionEvery.
	Retention store.RetentionPolicy
	// Mail sends queued notifications when SMTP is configured.
	Mail *mail.Sender
	// StatisticsEvery is how often the indicators are refreshed (default 15 min).
	StatisticsEvery time.Duration
	// PublishAuditHeads, when set, publishes the audit trail's signed heads
	// every AuditHeadsEvery (default 1 h).
	PublishAuditHeads func(ctx context.Context) error
	AuditHeadsEvery   time.Duration
}

// DefaultStatisticsEvery is the default interval of the indicator refresh:
// figures lag the data by at most this much (plus the refresh's own time).
const DefaultStatisticsEvery = 15 * time.Minute

// anomalyBatch is how many audit events one detection step examines.
const anomalyBatch = 5000

// New returns a runner with the standard tasks.
func New(s *store.Store, cfg Config, log *slog.Logger) *Runner {
	if cfg.AnomalyEvery == 0 {
		cfg.AnomalyEvery = time.Minute
	}
	if cfg.AnomalySettle == 0 {
		cfg.AnomalySettle = 30 * time.Second
	}
	if cfg.RetentionEvery == 0 {
		cfg.RetentionEvery = 24 * time.Hour
	}
	if cfg.AuditRetention == 0 {
		cfg.AuditRetention = store.DefaultAuditRetention
	}
	if cfg.StatisticsEvery == 0 {
		cfg.StatisticsEvery = DefaultStatisticsEvery
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	r := &Runner{store: s, instance: hex.EncodeToString(b), log: log}
	r.tasks = []Task{
		{Name: AnomalyDetection, Every: cfg.AnomalyEvery, Lease: 10 * time.Minute, Lag: s.AuditLag, Run: func(ctx context.Context, cursor int64) (int64, error) {
			// Batch after batch until the settled trail is examined; the
			// cursor of every completed batch is kept even if a later one fails.
			until := s.Now().Add(-cfg.AnomalySettle)
			for {
				next, _, err := s.DetectAnomaliesUntil(ctx, cfg.Rules, cursor, anomalyBatch, until)
				if err != nil || next == cursor {
					return cursor, err
				}
				cursor = next
			}
		}},
		{Name: AuditRetention, Every: cfg.RetentionEvery, Lease: time.Hour, Run: func(ctx context.Context, cursor int64) (int64, error) {
			_, err := s.ApplyAuditRetention(ctx, cfg.AuditRetention)
			return cursor, err
		}},
		{Name: Retention, Every: cfg.RetentionEvery, Lease: time.Hour, Run: func(ctx context.Context, cursor int64) (int64, error) {
			_, err := s.ApplyRetention(ctx, store.Actor{Operator: "job"}, cfg.Retention)
			return cursor, err
		}},
		{Name: "statistics_refresh", Every: cfg.StatisticsEvery, Lease: time.Hour, Run: func(ctx context.Context, cursor int64) (int64, error) {
			_, err := s.RefreshIndicators(ctx, store.Actor{Operator: "job"})
			return cursor, err
		}},
	}
	if cfg.PublishAuditHeads != nil {
		r.tasks = append(r.tasks, Task{Name: AuditHeads, Every: cmp.Or(cfg.AuditHeadsEvery, time.Hour), Lease: 5 * time.Minute,
			Run: func(ctx context.Context, cursor int64) (int64, error) { return cursor, cfg.PublishAuditHeads(ctx) }})
	}
	if cfg.Mail.Enabled() {
		r.tasks = append(r.tasks, Task{Name: Mail, Every: 30 * time.Second, Lease: 5 * time.Minute, Run: func(ctx context.Context, cursor int64) (int64, error) {
			pending, err := s.PendingNotifications(ctx, 100)
			if err != nil {
				return cursor, err
			}
			for _, n := range pending {
				sendErr := cfg.Mail.Send(n.To, n.Subject, n.Body)
				if err := s.MarkNotification(ctx, n.ID, sendErr); err != nil {
					return cursor, err
				}
			}
			return cursor, nil
		}})
	}
	return r
}

// Names lists the runner's jobs.
func (r *Runner) Names() []string {
	out := make([]string, len(r.tasks))
	for i, t := range r.tasks {
		out[i] = t.Name
	}
	return out
}

// Tick is how often Loop should look for due jobs: as often as the most
// frequent job runs, and at least every 30 seconds.
func (r *Runner) Tick() time.Duration {
	tick := 30 * time.Second
	for _, t := range r.tasks {
		tick = min(tick, t.Every)
	}
	return tick
}

// RunDue runs every task that is due and not held by another instance. A
// task's failure is recorded with the job and logged; RunDue itself fails
// only when the jobs table cannot be used.
func (r *Runner) RunDue(ctx context.Context) error {
	for _, t := range r.tasks {
		if err := r.store.EnsureJob(ctx, t.Name, t.Every); err != nil {
			return err
		}
		job, ok, err := r.store.LeaseJob(ctx, t.Name, r.instance, t.Lease)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := r.run(ctx, t, job); err != nil {
			return err
		}
	}
	return nil
}

// run runs one leased task and records its outcome.
func (r *Runner) run(ctx context.Context, t Task, job store.Job) error {
	cursor, runErr := t.Run(ctx, job.CursorID)
	run := store.JobRun{Next: t.Every, Cursor: max(cursor, job.CursorID), Error: db.DescribeError(runErr)}
	if t.Lag != nil {
		if lag, err := t.Lag(ctx, run.Cursor); err == nil {
			run.Lag = &lag
		} else {
			r.log.Warn("job lag not measured", "job", t.Name, "error", db.DescribeError(err))
		}
	}
	failures, held, err := r.store.FinishJob(ctx, t.Name, r.instance, run)
	if err != nil {
		return err
	}
	switch {
	case runErr != nil:
		r.log.Error("job failed", "job", t.Name, "error", run.Error, "consecutive_failures", failures, "cursor", run.Cursor)
	case !held:
		r.log.Warn("job outlived its lease: another instance may have run it too", "job", t.Name, "lease", t.Lease.String())
	}
	return nil
}

// Loop runs due tasks every tick until ctx ends.
func (r *Runner) Loop(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if err := r.RunDue(ctx); err != nil && ctx.Err() == nil {
			r.log.Error("jobs cannot run", "error", db.DescribeError(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
