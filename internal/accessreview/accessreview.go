// Package accessreview holds the pure rules of a municipality's access
// review (R9): when an account is dormant and when a grant is about to
// expire. It does no I/O: the store reads the grants and asks these.
package accessreview

import (
	"time"

	"github.com/kotodigi/kotodigi/internal/model"
)

// Policy sets the thresholds of the access review. Zero fields take the
// defaults of Default (WithDefaults).
type Policy struct {
	// DormantAfter: an account that has not signed in for this long is dormant (90 days).
	DormantAfter time.Duration
	// ExpiringWithin: grants ending within this many days are "about to expire" (30).
	ExpiringWithin int
}

// Default is the policy used for zero fields.
var Default = Policy{DormantAfter: 90 * 24 * time.Hour, ExpiringWithin: 30}

// WithDefaults returns p with every zero field set from Default.
func (p Policy) WithDefaults() Policy {
	if p.DormantAfter <= 0 {
		p.DormantAfter = Default.DormantAfter
	}
	if p.ExpiringWithin <= 0 {
		p.ExpiringWithin = Default.ExpiringWithin
	}
	return p
}

// DormantBefore is the moment before which an account's last sign-in (or,
// never signed in, its creation) makes it dormant at now.
func (p Policy) DormantBefore(now time.Time) time.Time { return now.Add(-p.DormantAfter) }

// Dormant reports whether an account last seen (signed in, or created) at
// seen is dormant at now.
func (p Policy) Dormant(seen, now time.Time) bool { return seen.Before(p.DormantBefore(now)) }

// Active reports whether a grant is in force on day today: not revoked and
// not past its end date.
func Active(revoked bool, validUntil *model.Date, today model.Date) bool {
	return !revoked && (validUntil == nil || !validUntil.Before(today))
}

// ExpiresSoon reports whether an active grant ending on validUntil (nil:
// open-ended) ends within ExpiringWithin days of today.
func (p Policy) ExpiresSoon(validUntil *model.Date, today model.Date) bool {
	return validUntil != nil && !validUntil.After(today.AddDate(0, 0, p.ExpiringWithin))
}
