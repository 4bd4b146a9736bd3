package store

import (
	"math/rand/v2"
	"testing"

	"github.com/kotodigi/kotodigi/internal/refdata"
)

// TestClientSnapshotIsProtected plans random national counts and checks the
// plan's proof (disclosure.Plan.Check), that no small count is shown in any
// grouping, and that the owner view is the municipality's own count.
func TestClientSnapshotIsProtected(t *testing.T) {
	ref, err := refdata.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := &Store{ref: ref}
	var area []string
	for _, m := range ref.Municipalities {
		area = append(area, m.Code)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		counts := map[string]int{}
		for _, code := range area {
			switch rng.IntN(4) {
			case 0:
			case 1:
				counts[code] = 1 + rng.IntN(4)
			default:
				counts[code] = rng.IntN(40)
			}
		}
		snap, err := s.clientSnapshot(counts)
		if err != nil {
			t.Fatal(err)
		}
		if err := snap.plan.Check(snap.table); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for _, groupBy := range Groupings {
			for _, c := range snap.cells(area, groupBy, false) {
				if c.Count != nil && *c.Count >= 1 && *c.Count <= SmallCellLimit {
					t.Fatalf("round %d %s: small count %d of %s shown", round, groupBy, *c.Count, c.Key)
				}
			}
		}
		own := snap.cells([]string{"049"}, "region", true)
		if len(own) != 1 || own[0].Key != "01" || own[0].Count == nil || *own[0].Count != counts["049"] {
			t.Fatalf("Espoo's own view: %+v, want region 01 with %d", own, counts["049"])
		}
	}
}
