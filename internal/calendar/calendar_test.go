package calendar

import (
	"testing"

	"github.com/kotodigi/kotodigi/internal/model"
)

func date(s string) model.Date {
	d, err := model.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// The holidays of 2026 and 2027 as published in the Finnish almanac.
func TestHolidays(t *testing.T) {
	for _, tc := range []struct {
		year int
		want []string
	}{
		{2026, []string{"2026-01-01", "2026-01-06", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14",
			"2026-06-19", "2026-06-20", "2026-10-31", "2026-12-06", "2026-12-24", "2026-12-25", "2026-12-26"}},
		{2027, []string{"2027-01-01", "2027-01-06", "2027-03-26", "2027-03-29", "2027-05-01", "2027-05-06",
			"2027-06-25", "2027-06-26", "2027-11-06", "2027-12-06", "2027-12-24", "2027-12-25", "2027-12-26"}},
	} {
		got := Holidays(tc.year)
		if len(got) != len(tc.want) {
			t.Fatalf("%d: %d holidays, want %d", tc.year, len(got), len(tc.want))
		}
		for i, h := range got {
			if h.Date.String() != tc.want[i] {
				t.Errorf("%d %s: %s, want %s", tc.year, h.Name, h.Date, tc.want[i])
			}
		}
	}
}

func TestEaster(t *testing.T) {
	for year, want := range map[int]string{2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28",
		2028: "2028-04-16", 2038: "2038-04-25", 2285: "2285-03-22"} {
		if got := Easter(year).String(); got != want {
			t.Errorf("Easter %d = %s, want %s", year, got, want)
		}
	}
}

func TestBusinessDays(t *testing.T) {
	for _, tc := range []struct {
		name, day     string
		business      bool
		next          string
		plus1, minus1 string
	}{
		{"ordinary Wednesday", "2026-11-25", true, "2026-11-25", "2026-11-26", "2026-11-24"},
		{"Saturday", "2026-11-28", false, "2026-11-30", "2026-11-30", "2026-11-27"},
		{"Christmas Eve on a Thursday", "2026-12-24", false, "2026-12-28", "2026-12-28", "2026-12-23"},
		{"Independence Day on a Sunday", "2026-12-06", false, "2026-12-07", "2026-12-07", "2026-12-04"},
		{"Good Friday 2026", "2026-04-03", false, "2026-04-07", "2026-04-07", "2026-04-02"},
		{"Ascension Day 2026", "2026-05-14", false, "2026-05-15", "2026-05-15", "2026-05-13"},
		{"Midsummer Eve 2026", "2026-06-19", false, "2026-06-22", "2026-06-22", "2026-06-18"},
		{"New Year 2027 on a Friday", "2027-01-01", false, "2027-01-04", "2027-01-04", "2026-12-31"},
		{"Epiphany 2027 on a Wednesday", "2027-01-06", false, "2027-01-07", "2027-01-07", "2027-01-05"},
		{"Good Friday 2027", "2027-03-26", false, "2027-03-30", "2027-03-30", "2027-03-25"},
		{"Easter Monday 2027", "2027-03-29", false, "2027-03-30", "2027-03-30", "2027-03-25"},
		{"Ascension Day 2027", "2027-05-06", false, "2027-05-07", "2027-05-07", "2027-05-05"},
		{"Midsummer Eve 2027", "2027-06-25", false, "2027-06-28", "2027-06-28", "2027-06-24"},
		{"Independence Day 2027 on a Monday", "2027-12-06", false, "2027-12-07", "2027-12-07", "2027-12-03"},
		{"Christmas Eve 2027 on a Friday", "2027-12-24", false, "2027-12-27", "2027-12-27", "2027-12-23"},
		{"Friday before Christmas 2027", "2027-12-23", true, "2027-12-23", "2027-12-27", "2027-12-22"},
	} {
		d := date(tc.day)
		if got := IsBusinessDay(d); got != tc.business {
			t.Errorf("%s: IsBusinessDay = %v", tc.name, got)
		}
		if got := NextBusinessDay(d).String(); got != tc.next {
			t.Errorf("%s: NextBusinessDay = %s, want %s", tc.name, got, tc.next)
		}
		if got := AddBusinessDays(d, 1).String(); got != tc.plus1 {
			t.Errorf("%s: +1 business day = %s, want %s", tc.name, got, tc.plus1)
		}
		if got := AddBusinessDays(d, -1).String(); got != tc.minus1 {
			t.Errorf("%s: -1 business day = %s, want %s", tc.name, got, tc.minus1)
		}
	}
	// Ten business days from Friday 18 December 2026 cross Christmas and New Year.
	if got := AddBusinessDays(date("2026-12-18"), 10).String(); got != "2027-01-07" {
		t.Errorf("10 business days after 2026-12-18 = %s, want 2027-01-07", got)
	}
}
