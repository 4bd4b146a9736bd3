package api_test

import (
	"testing"

	"github.com/kotodigi/kotodigi/internal/testdb"
)

func TestClientStatistics(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		for _, pic := range []string{"010190-999W", "131052-308T", "020295-998L"} {
			if st, _ := e.do("worker@hel.example", "POST", "/api/v1/clients", client(pic)); st != 201 {
				t.Fatal(st)
			}
		}
		e.tokens["stats@hel.example"] = e.token(t, "stats@hel.example", "municipality:091", "statistician")
		e.tokens["stats@ely.example"] = e.token(t, "stats@ely.example", "regional_centre:uudenmaan-elinvoimakeskus", "statistician")
		cells := func(who, groupBy string) map[string]map[string]any {
			st, got := e.do(who, "GET", "/api/v1/statistics/clients?group_by="+groupBy, nil)
			if st != 200 {
				t.Fatalf("%s %s: %d %v", who, groupBy, st, got)
			}
			out := map[string]map[string]any{}
			for _, c := range got["cells"].([]any) {
				m := c.(map[string]any)
				out[m["key"].(string)] = m
			}
			return out
		}
		// The ministry: Helsinki's 3 clients are a small cell.
		national := cells("stats@tem.example", "municipality")
		if len(national) != 309 || national["091"]["count"] != nil || national["091"]["suppressed"] != true {
			t.Errorf("national view of Helsinki: %v (%d cells)", national["091"], len(national))
		}
		if national["837"]["count"].(float64) != 0 || national["837"]["suppressed"] != false {
			t.Errorf("a municipality without clients: %v", national["837"])
		}
		if c := cells("stats@tem.example", "region")["01"]; c["suppressed"] != true {
			t.Errorf("Uusimaa region with 3 clients: %v", c)
		}
		// The controlling municipality sees its own count.
		own := cells("stats@hel.example", "municipality")
		if len(own) != 1 || own["091"]["count"].(float64) != 3 {
			t.Errorf("Helsinki's own statistics: %v", own)
		}
		// A regional centre sees its region only.
		regional := cells("stats@ely.example", "wellbeing_county")
		if _, ok := regional["05"]; ok || len(regional) != 5 {
			t.Errorf("Uusimaa centre sees counties %v", regional)
		}
		if st, _ := e.do("worker@hel.example", "GET", "/api/v1/statistics/clients?group_by=region", nil); st != 403 {
			t.Errorf("worker reads statistics: %d", st)
		}
		if st, _ := e.do("stats@tem.example", "GET", "/api/v1/statistics/clients?group_by=street", nil); st != 400 {
			t.Errorf("bad group_by: %d", st)
		}
	})
}
