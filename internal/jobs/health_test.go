package jobs_test

import (
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/jobs"
	"github.com/kotodigi/kotodigi/internal/store"
)

func TestHealthState(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	h := jobs.Health{} // the defaults: 3 failures, 15 minutes
	for _, tc := range []struct {
		name string
		job  store.JobStatus
		want jobs.State
	}{
		{"ran a minute ago", store.JobStatus{Every: time.Minute, NextRunAt: now, LastSuccessAt: ago(time.Minute)}, jobs.StateOK},
		{"two failures in a row", store.JobStatus{Every: time.Minute, NextRunAt: now, ConsecutiveFailures: 2, LastSuccessAt: ago(3 * time.Minute)}, jobs.StateOK},
		{"three failures in a row", store.JobStatus{Every: time.Minute, NextRunAt: now, ConsecutiveFailures: 3}, jobs.StateFailing},
		{"16 minutes overdue (a run hangs, or no instance runs it)", store.JobStatus{Every: time.Minute, NextRunAt: now.Add(-16 * time.Minute), LastSuccessAt: ago(17 * time.Minute)}, jobs.StateStuck},
		{"runs on time but has not succeeded for 20 minutes", store.JobStatus{Every: time.Minute, NextRunAt: now, LastSuccessAt: ago(20 * time.Minute), ConsecutiveFailures: 1}, jobs.StateStuck},
		{"daily job that succeeded 23 hours ago", store.JobStatus{Every: 24 * time.Hour, NextRunAt: now.Add(time.Hour), LastSuccessAt: ago(23 * time.Hour)}, jobs.StateOK},
		{"never succeeded since it was registered 20 minutes ago", store.JobStatus{Every: time.Minute, NextRunAt: now, RegisteredAt: ago(20 * time.Minute)}, jobs.StateStuck},
		{"registered a minute ago", store.JobStatus{Every: time.Minute, NextRunAt: now, RegisteredAt: ago(time.Minute)}, jobs.StateOK},
	} {
		if got := h.State(tc.job, now); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
