package disclosure

import (
	"runtime"
	"sync"
)

// The relations of a table never link two periods that lie in different
// connected parts of the period hierarchy: for flows each year is linked to
// its quarters and months only, and a stock's months (without quarters or
// years) are linked to nothing. No witness can touch two such parts either
// (it would break the relations of both), so each part is planned on its
// own, on its own goroutine, and the plans are put together. The result is
// the plan the same heuristic makes for each part alone; Check verifies it
// as a whole.

// periodComponents groups the period nodes by connected part of the
// hierarchy (a node is linked to the parts of its decompositions), each
// group ascending, groups in the order of their first node.
func periodComponents(h Hierarchy) [][]int {
	n := len(h.Nodes)
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i, node := range h.Nodes {
		for _, dec := range node.Parts {
			for _, c := range dec {
				if a, b := find(i), find(c); a != b {
					parent[max(a, b)] = min(a, b)
				}
			}
		}
	}
	index := map[int]int{}
	var out [][]int
	for i := range n {
		r := find(i)
		j, ok := index[r]
		if !ok {
			j = len(out)
			index[r] = j
			out = append(out, nil)
		}
		out[j] = append(out[j], i)
	}
	return out
}

// subTable is the part of t over the periods comp (ascending): the same
// areas and categories, the periods renumbered.
func subTable(t *Table, comp []int) *Table {
	pos := make(map[int]int, len(comp))
	for j, p := range comp {
		pos[p] = j
	}
	sub := &Table{Areas: t.Areas, Breakdowns: t.Breakdowns, Kind: t.Kind}
	for _, p := range comp {
		node := Node{ID: t.Periods.Nodes[p].ID, Owner: t.Periods.Nodes[p].Owner}
		for _, dec := range t.Periods.Nodes[p].Parts {
			d := make([]int, len(dec))
			for x, c := range dec {
				d[x] = pos[c]
			}
			node.Parts = append(node.Parts, d)
		}
		sub.Periods.Nodes = append(sub.Periods.Nodes, node)
	}
	n := sub.Len()
	sub.Values = make([]float64, n)
	if t.Clients != nil {
		sub.Clients = make([]float64, n)
	}
	if t.Hidden != nil {
		sub.Hidden = make([]bool, n)
	}
	nK := t.Categories()
	for a := range t.Areas.Nodes {
		for j, p := range comp {
			from, to := t.Index(a, p, 0), sub.Index(a, j, 0)
			copy(sub.Values[to:to+nK], t.Values[from:from+nK])
			if t.Clients != nil {
				copy(sub.Clients[to:to+nK], t.Clients[from:from+nK])
			}
			if t.Hidden != nil {
				copy(sub.Hidden[to:to+nK], t.Hidden[from:from+nK])
			}
		}
	}
	return sub
}

// protectSplit plans every part on its own (at most GOMAXPROCS at once) and
// puts the plans together.
func protectSplit(t *Table, opt Options, areas *areaDim, comps [][]int) (*Plan, error) {
	plans := make([]*Plan, len(comps))
	errs := make([]error, len(comps))
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for i, comp := range comps {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			sub := subTable(t, comp)
			if opt.Reuse != nil {
				if pattern, ok := opt.Reuse(comp); ok && len(pattern) == sub.Len() {
					if plans[i] = reusedPlan(sub, opt, pattern); plans[i] != nil {
						return
					}
				}
			}
			var seed []bool
			if opt.Seed != nil {
				seed, _ = opt.Seed(comp)
			}
			plans[i], errs[i] = protectPart(sub, opt, areas, seed)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return mergePlans(t, comps, plans), nil
}

// mergePlans puts the parts' plans together, cells renumbered into t.
func mergePlans(t *Table, comps [][]int, plans []*Plan) *Plan {
	out := &Plan{Reasons: make([]Reason, t.Len()), need: map[int][2]float64{}, cover: map[int][]int{}, Parts: len(comps)}
	nK, nA := t.Categories(), len(t.Areas.Nodes)
	for ci, comp := range comps {
		p := plans[ci]
		out.Threshold = p.Threshold
		out.Fallbacks += p.Fallbacks
		out.dropped = out.dropped || p.dropped
		out.Reused += p.Reused
		nP := len(comp)
		full := func(i int) int { // sub index → t's index
			k := i % nK
			i /= nK
			return t.Index(i/nP, comp[i%nP], k)
		}
		for a := range nA {
			for j, per := range comp {
				copy(out.Reasons[t.Index(a, per, 0):t.Index(a, per, 0)+nK], p.Reasons[(a*nP+j)*nK:(a*nP+j+1)*nK])
			}
		}
		for c, v := range p.need {
			out.need[full(c)] = v
		}
		base := len(out.witnesses)
		for _, w := range p.witnesses {
			nw := w
			nw.cells = make([]int, len(w.cells))
			for j, c := range w.cells {
				nw.cells[j] = full(c)
			}
			out.witnesses = append(out.witnesses, nw)
		}
		for key, ids := range p.cover {
			nk := full(key/2)*2 + key%2
			shifted := make([]int, len(ids))
			for j, id := range ids {
				shifted[j] = base + id
			}
			out.cover[nk] = append(out.cover[nk], shifted...)
		}
	}
	return out
}

// reusedPlan is the plan of a part whose earlier pattern is reused: the
// primary cells keep their reason, every other suppressed cell is
// complementary (or not published, where the caller hides it). Nil (plan
// afresh) if the pattern shows a cell the primary rules suppress.
func reusedPlan(t *Table, opt Options, pattern []bool) *Plan {
	th := opt.Threshold
	if th == 0 {
		th = DefaultThreshold
	}
	p := &Plan{Threshold: th, Reasons: make([]Reason, t.Len()), dropped: true, Reused: 1}
	for i, sup := range pattern {
		switch {
		case t.Hidden != nil && t.Hidden[i]:
			p.Reasons[i] = NotPublished
		case IsSmall(t.Kind, t.Values[i], clientsOf(t, i), th):
			if !sup {
				return nil
			}
			p.Reasons[i] = Small
		case sup:
			p.Reasons[i] = Complementary
		}
	}
	return p
}
