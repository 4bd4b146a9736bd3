package store

import (
	"context"
	"strconv"
	"time"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/db"
)

// DefaultAuditRetention is how long audit events are kept (5 years).
const DefaultAuditRetention = 5 * 365 * 24 * time.Hour

// ApplyAuditRetention removes audit events older than retention (by the
// database's clock; at least audit.MinRetention), leaving a checkpoint per
// chain and an "audit.retention" event that records the cut, so that `audit
// verify` still checks everything that remains.
func (s *Store) ApplyAuditRetention(ctx context.Context, retention time.Duration) (int64, error) {
	var n int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		r, err := s.trail.Retain(ctx, tx, retention)
		if err != nil {
			return err
		}
		n = r.Removed
		e := Actor{Operator: "retention"}.event(authz.AuditRetention, audit.Allowed)
		e.Detail = "removed=" + strconv.FormatInt(n, 10) + " before=" + r.Cutoff.Format(time.RFC3339)
		return s.record(ctx, tx, e)
	})
	return n, err
}
