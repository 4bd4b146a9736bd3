package accessreview

import (
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/model"
)

func TestAccessReview(t *testing.T) {
	pol := Policy{}.WithDefaults()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	today := model.DateOf(now)
	day := func(n int) *model.Date { d := today.AddDate(0, 0, n); return &d }
	for name, tc := range map[string]struct {
		seen    time.Time
		dormant bool
	}{
		"signed in yesterday":         {now.AddDate(0, 0, -1), false},
		"exactly 90 days ago":         {now.Add(-90 * 24 * time.Hour), false},
		"a second past 90 days":       {now.Add(-90*24*time.Hour - time.Second), true},
		"half a year without sign-in": {now.AddDate(0, -6, 0), true},
	} {
		if got := pol.Dormant(tc.seen, now); got != tc.dormant {
			t.Errorf("%s: dormant %v", name, got)
		}
	}
	for name, tc := range map[string]struct {
		until          *model.Date
		revoked        bool
		active, expire bool
	}{
		"open-ended":      {nil, false, true, false},
		"ends in 30 days": {day(30), false, true, true},
		"ends in 31 days": {day(31), false, true, false},
		"ends today":      {day(0), false, true, true},
		"ended yesterday": {day(-1), false, false, false},
		"revoked":         {nil, true, false, false},
	} {
		active := Active(tc.revoked, tc.until, today)
		if active != tc.active || (active && pol.ExpiresSoon(tc.until, today)) != tc.expire {
			t.Errorf("%s: active %v, expires soon %v", name, active, pol.ExpiresSoon(tc.until, today))
		}
	}
}
