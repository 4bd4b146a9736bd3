package config

import (
	"strings"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/casepolicy"
)

func TestCasePolicy(t *testing.T) {
	p, err := CasePolicy("")
	if err != nil || p != casepolicy.Default {
		t.Fatalf("empty: %+v %v", p, err)
	}
	p, err = CasePolicy(" plan_preparation_months=3, read_after_transfer_days = 60 ")
	if err != nil || p.PlanPreparationMonths != 3 || p.ReadAfterTransferDays != 60 || p.ServiceGuidanceMonths != 6 {
		t.Fatalf("parsed: %+v %v", p, err)
	}
	for _, bad := range []string{"plan_preparation_month=3", "plan_preparation_months=0", "plan_preparation_months=two", "plan_preparation_months"} {
		if _, err := CasePolicy(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := CasePolicy("typo=1"); err == nil || !strings.Contains(err.Error(), "service_guidance_months") {
		t.Errorf("unknown key error should list the known keys: %v", err)
	}
}

func TestAnomalyRules(t *testing.T) {
	r, err := AnomalyRules("many_reads=80,many_reads_window=15m,unusual_from=21,dormant_sign_in=1440h")
	if err != nil || r.ManyReads != 80 || r.ManyReadsWindow != 15*time.Minute || r.UnusualFrom != 21 || r.DormantSignIn != 60*24*time.Hour || r.LargeSearch != 30 {
		t.Fatalf("parsed: %+v %v", r, err)
	}
	for _, bad := range []string{"unusual_from=24", "many_reads_window=10", "many_reads=-1"} {
		if _, err := AnomalyRules(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	got, err := TrustedProxies(" 10.1.2.3/8, 192.0.2.10 ,2001:db8::/48,::ffff:198.51.100.0/120,")
	want := []string{"10.0.0.0/8", "192.0.2.10/32", "2001:db8::/48", "198.51.100.0/24"}
	if err != nil || len(got) != len(want) {
		t.Fatalf("parsed %v, %v", got, err)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("entry %d: %s, want %s", i, got[i], want[i])
		}
	}
	if got, err := TrustedProxies(""); err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0.0/8;192.0.2.1", "fe80::1%eth0", "::ffff:10.0.0.0/64", "*"} {
		if _, err := TrustedProxies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
