package model

import (
	"slices"
	"testing"
)

func TestServiceTypesFor(t *testing.T) {
	if got := ServiceTypesFor(true); !slices.Equal(got, []string{ServiceGuidance}) {
		t.Errorf("a jobseeker's service types: %v, want only guidance and counselling", got)
	}
	if got := ServiceTypesFor(false); !slices.Equal(got, ServiceTypes) {
		t.Errorf("other clients' service types: %v, want all", got)
	}
	for _, tc := range []struct {
		jobseeker bool
		typ       string
		want      bool
	}{
		{true, ServiceGuidance, true},
		{true, ServiceLanguageCourse, false},
		{true, ServiceCivicOrientation, false},
		{false, ServiceLanguageCourse, true},
		{false, "unknown", false},
	} {
		if got := ServiceAllowed(tc.jobseeker, tc.typ); got != tc.want {
			t.Errorf("ServiceAllowed(%v, %q) = %v, want %v", tc.jobseeker, tc.typ, got, tc.want)
		}
	}
}
