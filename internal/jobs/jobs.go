// Package jobs runs periodic background work (anomaly detection, audit
// retention) from the database: every instance runs the loop, a job is taken
// by leasing its row, so any instance can do it, none does it twice at once,
// and nothing is lost on restart.
package jobs

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/kotodigi/kotodigi/internal/mail"
	"github.com/kotodigi/kotodigi/internal/store"
)

// Task is one periodic job. Run gets the cursor where the last run stopped
// and returns the new one.
type Task struct {
	Name  string
	Every time.Duration
	Lease time.Duration
	Run   func(ctx context.Context, cursor int64) (int64, error)
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
	AnomalyEvery   time.Duration      // default 1 min
	Rules          store.AnomalyRules // default store.DefaultAnomalyRules
	RetentionEvery time.Duration      // default 24 h
	AuditRetention time.Duration      // default 5 years
	// Mail sends queued notifications when SMTP is configured.
	Mail *mail.Sender
	// PublishAuditHeads, when set, publishes the audit trail's signed heads
	// every AuditHeadsEvery (default 1 h).
	PublishAuditHeads func(ctx context.Context) error
	AuditHeadsEvery   time.Duration
}

// New returns a runner with the standard tasks.
func New(s *store.Store, cfg Config, log *slog.Logger) *Runner {
	if cfg.AnomalyEvery == 0 {
		cfg.AnomalyEvery = time.Minute
	}
	if cfg.Rules.ManyReads == 0 {
		cfg.Rules = store.DefaultAnomalyRules
	}
	if cfg.RetentionEvery == 0 {
		cfg.RetentionEvery = 24 * time.Hour
	}
	if cfg.AuditRetention == 0 {
		cfg.AuditRetention = store.DefaultAuditRetention
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	r := &Runner{store: s, instance: hex.EncodeToString(b), log: log}
	r.tasks = []Task{
		{Name: "anomaly_detection", Every: cfg.AnomalyEvery, Lease: 10 * time.Minute, Run: func(ctx context.Context, cursor int64) (int64, error) {
			for {
				next, _, err := s.DetectAnomalies(ctx, cfg.Rules, cursor, 5000)
				if err != nil || next == cursor {
					return next, err
				}
				cursor = next
			}
		}},
		{Name: "audit_retention", Every: cfg.RetentionEvery, Lease: time.Hour, Run: func(ctx context.Context, cursor int64) (int64, error) {
			_, err := s.ApplyAuditRetention(ctx, cfg.AuditRetention)
			return cursor, err
		}},
	}
	if cfg.PublishAuditHeads != nil {
		r.tasks = append(r.tasks, Task{Name: "audit_heads", Every: cmp.Or(cfg.AuditHeadsEvery, time.Hour), Lease: 5 * time.Minute,
			Run: func(ctx context.Context, cursor int64) (int64, error) { return cursor, cfg.PublishAuditHeads(ctx) }})
	}
	if cfg.Mail.Enabled() {
		r.tasks = append(r.tasks, Task{Name: "mail", Every: 30 * time.Second, Lease: 5 * time.Minute, Run: func(ctx context.Context, cursor int64) (int64, error) {
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

// RunDue runs every task that is due and not held by another instance.
func (r *Runner) RunDue(ctx context.Context) error {
	for _, t := range r.tasks {
		if err := r.store.EnsureJob(ctx, t.Name); err != nil {
			return err
		}
		job, ok, err := r.store.LeaseJob(ctx, t.Name, r.instance, t.Lease)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		cursor, runErr := t.Run(ctx, job.CursorID)
		if runErr != nil {
			r.log.Error("job failed", "job", t.Name, "error_type", "job")
		}
		if err := r.store.FinishJob(ctx, t.Name, r.instance, t.Every, cursor, runErr); err != nil {
			return err
		}
	}
	return nil
}

// Loop runs due tasks every tick until ctx ends.
func (r *Runner) Loop(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if err := r.RunDue(ctx); err != nil && ctx.Err() == nil {
			r.log.Error("jobs", "error_type", "database")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
