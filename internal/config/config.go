// Package config parses the "key=value,key=value" settings of the policies
// that are configuration rather than constants (deadlines of the Integration
// Act whose length the source material leaves open, log monitoring
// thresholds). Unknown keys and bad values are errors: a typo must not
// silently fall back to a default.
package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/casepolicy"
	"github.com/kotodigi/kotodigi/internal/monitoring"
)

func parse(spec string, set map[string]func(string) error) error {
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		f, known := set[k]
		if !ok || !known {
			keys := make([]string, 0, len(set))
			for name := range set {
				keys = append(keys, name)
			}
			return fmt.Errorf("unknown setting %q (known: %s)", k, strings.Join(slices.Sorted(slices.Values(keys)), ", "))
		}
		if err := f(v); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

func intTo(dst *int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("want a positive whole number, got %q", v)
		}
		*dst = n
		return nil
	}
}

func durationTo(dst *time.Duration) func(string) error {
	return func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("want a positive duration such as 10m or 2160h, got %q", v)
		}
		*dst = d
		return nil
	}
}

// CasePolicy parses deadline settings over the defaults, e.g.
// "plan_preparation_months=3,service_guidance_months=6".
func CasePolicy(spec string) (casepolicy.Policy, error) {
	p := casepolicy.Default
	err := parse(spec, map[string]func(string) error{
		"eligibility_years":        intTo(&p.EligibilityYears),
		"eligibility_warn_days":    intTo(&p.EligibilityWarnDays),
		"first_plan_max_months":    intTo(&p.FirstPlanMaxMonths),
		"plans_max_months":         intTo(&p.PlansMaxMonths),
		"plan_preparation_months":  intTo(&p.PlanPreparationMonths),
		"service_guidance_months":  intTo(&p.ServiceGuidanceMonths),
		"review_warn_days":         intTo(&p.ReviewWarnDays),
		"plan_ending_warn_days":    intTo(&p.PlanEndingWarnDays),
		"read_after_transfer_days": intTo(&p.ReadAfterTransferDays),
	})
	return p, err
}

// AnomalyRules parses log monitoring thresholds over the defaults, e.g.
// "many_reads=80,many_reads_window=15m".
func AnomalyRules(spec string) (monitoring.AnomalyRules, error) {
	r := monitoring.DefaultAnomalyRules
	hour := func(dst *int) func(string) error {
		return func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 23 {
				return fmt.Errorf("want an hour 0-23, got %q", v)
			}
			*dst = n
			return nil
		}
	}
	err := parse(spec, map[string]func(string) error{
		"many_reads":                intTo(&r.ManyReads),
		"many_reads_window":         durationTo(&r.ManyReadsWindow),
		"reads_without_work":        intTo(&r.ReadsWithoutWork),
		"reads_without_work_window": durationTo(&r.ReadsWithoutWorkWindow),
		"unusual_from":              hour(&r.UnusualFrom),
		"unusual_to":                hour(&r.UnusualTo),
		"repeated_denied":           intTo(&r.RepeatedDenied),
		"denied_window":             durationTo(&r.DeniedWindow),
		"large_search":              intTo(&r.LargeSearch),
		"dormant_sign_in":           durationTo(&r.DormantSignIn),
		"grant_edge":                durationTo(&r.GrantEdge),
	})
	return r, err
}
