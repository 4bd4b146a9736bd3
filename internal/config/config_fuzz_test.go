package config

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// parts are the non-empty "key=value" parts of a spec and their keys.
func parts(spec string) (list []string, keys []string) {
	for _, p := range strings.Split(spec, ",") {
		if p = strings.TrimSpace(p); p != "" {
			list = append(list, p)
			k, _, _ := strings.Cut(p, "=")
			keys = append(keys, strings.TrimSpace(k))
		}
	}
	return list, keys
}

// checkPositive fails when a threshold of an accepted policy is negative, or
// a count or duration is zero (hours of the day may be 0): such a setting
// would switch a rule off or make it fire on everything.
func checkPositive(t *testing.T, spec string, v any) {
	t.Helper()
	rv := reflect.ValueOf(v)
	for i := range rv.NumField() {
		f, name := rv.Field(i), rv.Type().Field(i).Name
		switch x := f.Interface().(type) {
		case time.Duration:
			if x <= 0 {
				t.Fatalf("%q: %s = %s", spec, name, x)
			}
		case int:
			if x < 0 || (x == 0 && !strings.HasPrefix(name, "Unusual")) || (strings.HasPrefix(name, "Unusual") && x > 23) {
				t.Fatalf("%q: %s = %d", spec, name, x)
			}
		}
	}
}

// fuzzPolicy is the property of every key=value policy parser: an accepted
// spec repeats no key, means the same in any order of its parts, and holds
// only sane values.
func fuzzPolicy[P any](f *testing.F, parse func(string) (P, error), seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		p, err := parse(spec)
		if err != nil {
			return
		}
		list, keys := parts(spec)
		sorted := slices.Clone(keys)
		slices.Sort(sorted)
		if len(slices.Compact(sorted)) != len(keys) {
			t.Fatalf("%q: a repeated key was accepted", spec)
		}
		slices.Reverse(list)
		q, err := parse(strings.Join(list, ","))
		if err != nil || !reflect.DeepEqual(p, q) {
			t.Fatalf("%q means %+v, reversed %+v (%v)", spec, p, q, err)
		}
		checkPositive(t, spec, p)
	})
}

func FuzzCasePolicy(f *testing.F) {
	fuzzPolicy(f, CasePolicy, "", "plan_preparation_months=3, read_after_transfer_days = 60 ", "eligibility_years=0",
		"plans_max_months=24,plans_max_months=1", "review_warn_days=-1", "first_plan_max_months=+12", "x=1", "=", ",,,")
}

func FuzzAnomalyRules(f *testing.F) {
	fuzzPolicy(f, AnomalyRules, "", "many_reads=80,many_reads_window=15m,unusual_from=21,dormant_sign_in=1440h", "unusual_to=0",
		"unusual_from=24", "many_reads_window=0s", "denied_window=-5m", "many_reads=5,many_reads=500", "grant_edge=1ns")
}

// FuzzTrustedProxies: every accepted network is valid, written in its
// canonical form (host bits cleared, IPv4 as IPv4, no zone), and the list
// written back reads the same.
func FuzzTrustedProxies(f *testing.F) {
	for _, s := range []string{"", "10.1.2.3/8, 192.0.2.10 ,2001:db8::/48", "::ffff:198.51.100.0/120", "::ffff:10.0.0.0/64",
		"fe80::1%eth0", "10.0.0.0/33", "0.0.0.0/0", "::/0", "1.2.3.4/32,,", "::ffff:1.2.3.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		ps, err := TrustedProxies(spec)
		if err != nil {
			return
		}
		var out []string
		for _, p := range ps {
			if !p.IsValid() || p != p.Masked() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
				t.Fatalf("%q: network %s accepted as it is", spec, p)
			}
			out = append(out, p.String())
		}
		again, err := TrustedProxies(strings.Join(out, ","))
		if err != nil || !slices.Equal(again, ps) {
			t.Fatalf("%q reads %v, written back %v (%v)", spec, ps, again, err)
		}
	})
}
