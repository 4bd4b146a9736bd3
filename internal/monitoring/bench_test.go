package monitoring

import (
	"fmt"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/authz"
)

// BenchmarkDetect: one full batch (5000 events: 50 accounts reading during
// a working hour, one denial in fifty, a search in a hundred) with the hour
// before it as earlier events, as the anomaly job sees it at its busiest.
func BenchmarkDetect(b *testing.B) {
	tr := &trail{}
	var earlier, batch []Event
	for i := range 10000 {
		account := int64(i%50 + 1)
		at := morning.Add(time.Duration(i) * 720 * time.Millisecond)
		e := tr.ev(account, authz.ClientRead, at, client(fmt.Sprintf("c-%d", i%700)), grant(account))
		switch {
		case i%50 == 0:
			e.Denied = true
		case i%100 == 1:
			e.Action, e.ResultCount = authz.ClientSearch, 12
		}
		if i < 5000 {
			earlier = append(earlier, e)
		} else {
			batch = append(batch, e)
		}
	}
	worked := map[AccountClient]bool{}
	for _, p := range WorkAsked(earlier, batch) {
		worked[p] = p.Client < "c-3"
	}
	facts := Facts{Earlier: earlier, Worked: worked}
	r := DefaultAnomalyRules
	for b.Loop() {
		r.Detect(batch, facts)
	}
}
