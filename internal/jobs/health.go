package jobs

import (
	"slices"
	"time"

	"github.com/kotodigi/kotodigi/internal/store"
)

// Health says when a job counts as failing or stuck: what GET /readyz
// reports and the jobs page shows.
type Health struct {
	// MaxFailures: a job whose last this many runs failed is failing.
	MaxFailures int
	// StaleAfter: a job is stuck when it is this long overdue (no instance
	// takes it, or a run hangs), or when it has not succeeded for its
	// interval plus this long.
	StaleAfter time.Duration
	// Jobs, when set, are the jobs judged (those this instance runs): a job
	// left in the table that no instance runs any more is not judged.
	Jobs []string
}

// DefaultHealth are the documented defaults.
var DefaultHealth = Health{MaxFailures: 3, StaleAfter: 15 * time.Minute}

// State is a job's health.
type State string

// States.
const (
	StateOK      State = "ok"
	StateFailing State = "failing"
	StateStuck   State = "stuck"
)

func (h Health) withDefaults() Health {
	if h.MaxFailures <= 0 {
		h.MaxFailures = DefaultHealth.MaxFailures
	}
	if h.StaleAfter <= 0 {
		h.StaleAfter = DefaultHealth.StaleAfter
	}
	return h
}

// State judges one job at now. Failing wins over stuck: a job that keeps
// failing has not succeeded either.
func (h Health) State(j store.JobStatus, now time.Time) State {
	h = h.withDefaults()
	if j.ConsecutiveFailures >= h.MaxFailures {
		return StateFailing
	}
	if now.Sub(j.NextRunAt) > h.StaleAfter {
		return StateStuck
	}
	since := j.NextRunAt
	switch {
	case j.LastSuccessAt != nil:
		since = *j.LastSuccessAt
	case j.RegisteredAt != nil:
		since = *j.RegisteredAt
	}
	if now.Sub(since) > j.Every+h.StaleAfter {
		return StateStuck
	}
	return StateOK
}

// Unhealthy lists the judged jobs that are failing and those that are stuck
// at now, by name.
func (h Health) Unhealthy(jobs []store.JobStatus, now time.Time) (failing, stuck []string) {
	for _, j := range jobs {
		if len(h.Jobs) > 0 && !slices.Contains(h.Jobs, j.Name) {
			continue
		}
		switch h.State(j, now) {
		case StateFailing:
			failing = append(failing, j.Name)
		case StateStuck:
			stuck = append(stuck, j.Name)
		}
	}
	return failing, stuck
}
