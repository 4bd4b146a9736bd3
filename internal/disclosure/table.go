// Package disclosure decides which cells of a published statistical snapshot
// are suppressed, so that no person can be recognised from any published
// figure or any combination of them (DESIGN.md R13, R15). It is pure: no I/O,
// no database, no clock.
//
// A snapshot is a Table: a full cube of cells over three dimensions, areas ×
// periods × categories, linked by additive relations (a total is the sum of
// its parts). Areas and periods are hierarchies whose every node is the sum
// of a fixed set of leaves (municipalities; months), possibly along several
// decompositions (the country is the sum of its regions and of its wellbeing
// counties). Categories are a grand total followed by the categories of each
// breakdown; each breakdown's categories (an "unknown" one included) sum to
// the total. Protect suppresses the primary cells (small counts, medians and
// shares over few clients) and then complementary cells, and proves for every
// primary cell that the attacker's feasible interval is wide enough (see
// Protect). The README section "Statistical disclosure control" explains the
// method in plain words.
package disclosure

import (
	"fmt"
	"math"
	"slices"
)

// Kind is what a table's cells hold.
type Kind uint8

// Kinds of table.
const (
	// Count cells hold non-negative integers (people, plans, services).
	Count Kind = iota
	// Median cells hold a median over Clients clients; they are not additive.
	Median
	// Share cells hold the numerator of a share; Clients is the denominator.
	// Numerators are additive like counts, with 0 ≤ numerator ≤ denominator.
	Share
)

// Node is one node of a hierarchy. A node without Parts is a leaf. Each entry
// of Parts is one decomposition: the node equals the sum of those nodes.
type Node struct {
	ID string
	// Owner is the municipality that controls a leaf's data (areas only;
	// "" for none). A node whose leaves are exactly one owned leaf (Helsinki's
	// wellbeing county 90) has that owner as well; Plan works that out.
	Owner string
	Parts [][]int
}

// Hierarchy is one dimension whose every node is the sum of a fixed set of
// leaves. All decompositions of a node must cover the same leaves exactly once.
type Hierarchy struct {
	Nodes []Node
}

// Breakdown is one way of splitting the total: its categories sum to it.
type Breakdown struct {
	Name       string
	Categories []string
}

// Table is one published snapshot of one indicator. Cell (a, p, k) has index
// Index(a, p, k); category 0 is the total, then come the categories of each
// breakdown in order (see Category).
type Table struct {
	Areas      Hierarchy
	Periods    Hierarchy
	Breakdowns []Breakdown
	Kind       Kind
	// Values: counts, share numerators or medians, one per cell.
	Values []float64
	// Clients: for medians the number of clients underlying each cell, for
	// shares the denominator. Unused for counts.
	Clients []float64
	// Hidden marks cells that the snapshot never publishes (optional). They
	// take part in the relations but are neither shown nor protected.
	Hidden []bool
}

// Categories returns the number of category positions: the total plus every
// breakdown's categories.
func (t *Table) Categories() int {
	n := 1
	for _, b := range t.Breakdowns {
		n += len(b.Categories)
	}
	return n
}

// Category returns the category position of category j of breakdown b.
func (t *Table) Category(b, j int) int {
	k := 1
	for i := range b {
		k += len(t.Breakdowns[i].Categories)
	}
	return k + j
}

// Len is the number of cells.
func (t *Table) Len() int {
	return len(t.Areas.Nodes) * len(t.Periods.Nodes) * t.Categories()
}

// Index returns the index of cell (area a, period p, category position k).
func (t *Table) Index(a, p, k int) int {
	return (a*len(t.Periods.Nodes)+p)*t.Categories() + k
}

// Coords is the inverse of Index.
func (t *Table) Coords(i int) (a, p, k int) {
	nk := t.Categories()
	k = i % nk
	i /= nk
	return i / len(t.Periods.Nodes), i % len(t.Periods.Nodes), k
}

// Relation is one additive relation between cells: Total = sum of Parts.
type Relation struct {
	Total int
	Parts []int
}

// Relations calls fn for every additive relation between the table's cells
// (every decomposition of every area and period node, for every combination
// of the other two coordinates, and every breakdown against the total). The
// parts slice is reused between calls. This is what an attacker knows.
func (t *Table) Relations(fn func(Relation)) {
	nA, nP, nK := len(t.Areas.Nodes), len(t.Periods.Nodes), t.Categories()
	var parts []int
	for a, n := range t.Areas.Nodes {
		for _, dec := range n.Parts {
			for p := range nP {
				for k := range nK {
					parts = parts[:0]
					for _, c := range dec {
						parts = append(parts, t.Index(c, p, k))
					}
					fn(Relation{t.Index(a, p, k), parts})
				}
			}
		}
	}
	for p, n := range t.Periods.Nodes {
		for _, dec := range n.Parts {
			for a := range nA {
				for k := range nK {
					parts = parts[:0]
					for _, c := range dec {
						parts = append(parts, t.Index(a, c, k))
					}
					fn(Relation{t.Index(a, p, k), parts})
				}
			}
		}
	}
	for b := range t.Breakdowns {
		for a := range nA {
			for p := range nP {
				parts = parts[:0]
				for j := range t.Breakdowns[b].Categories {
					parts = append(parts, t.Index(a, p, t.Category(b, j)))
				}
				fn(Relation{t.Index(a, p, 0), parts})
			}
		}
	}
}

// Owners returns each cell's owner: the municipality whose own data the cell
// is exactly ("" for cells over several municipalities or none).
func (t *Table) Owners() ([]string, error) {
	d, err := newDim(t.Areas, "areas")
	if err != nil {
		return nil, err
	}
	out := make([]string, t.Len())
	for i := range out {
		a, _, _ := t.Coords(i)
		out[i] = d.owner[a]
	}
	return out, nil
}

// dim is a validated hierarchy: the leaves of every node and the nodes that
// contain every leaf.
type dim struct {
	n        int
	leaves   [][]int // node → its leaves, ascending
	contains [][]int // leaf → nodes whose leaves include it (itself first)
	isLeaf   []bool
	parent   [][]int // node → nodes having it as a direct part
	owner    []string
	depth    []int  // number of leaves of a node (a measure of its level)
	top      []bool // no node has more leaves including all of this one's
}

func newDim(h Hierarchy, name string) (*dim, error) {
	n := len(h.Nodes)
	if n == 0 {
		return nil, fmt.Errorf("disclosure: %s: no nodes", name)
	}
	d := &dim{n: n, leaves: make([][]int, n), contains: make([][]int, n), isLeaf: make([]bool, n),
		parent: make([][]int, n), owner: make([]string, n), depth: make([]int, n)}
	state := make([]uint8, n) // 0 new, 1 visiting, 2 done
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case 1:
			return fmt.Errorf("disclosure: %s: node %q is part of itself", name, h.Nodes[i].ID)
		case 2:
			return nil
		}
		state[i] = 1
		node := h.Nodes[i]
		if len(node.Parts) == 0 {
			d.isLeaf[i] = true
			d.leaves[i] = []int{i}
		}
		for di, dec := range node.Parts {
			var ls []int
			for _, c := range dec {
				if c < 0 || c >= n {
					return fmt.Errorf("disclosure: %s: node %q has a part out of range", name, node.ID)
				}
				if err := visit(c); err != nil {
					return err
				}
				ls = append(ls, d.leaves[c]...)
				if !slices.Contains(d.parent[c], i) {
					d.parent[c] = append(d.parent[c], i)
				}
			}
			slices.Sort(ls)
			if len(slices.Compact(slices.Clone(ls))) != len(ls) {
				return fmt.Errorf("disclosure: %s: parts of %q overlap", name, node.ID)
			}
			if di == 0 {
				d.leaves[i] = ls
			} else if !slices.Equal(ls, d.leaves[i]) {
				return fmt.Errorf("disclosure: %s: decompositions of %q cover different leaves", name, node.ID)
			}
		}
		state[i] = 2
		return nil
	}
	for i := range n {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	for i := range n {
		d.depth[i] = len(d.leaves[i])
		for _, l := range d.leaves[i] {
			d.contains[l] = append(d.contains[l], i)
		}
		if len(d.leaves[i]) == 1 {
			d.owner[i] = h.Nodes[d.leaves[i][0]].Owner
		}
	}
	d.top = make([]bool, n)
	for i := range n {
		d.top[i] = true
		for _, m := range d.contains[d.leaves[i][0]] {
			if d.depth[m] > d.depth[i] && containsAll(d.leaves[m], d.leaves[i]) {
				d.top[i] = false
				break
			}
		}
	}
	for l := range n {
		if d.isLeaf[l] {
			// the leaf itself first
			slices.SortFunc(d.contains[l], func(x, y int) int { return d.depth[x] - d.depth[y] })
		}
	}
	return d, nil
}

func containsAll(sorted, sub []int) bool {
	for _, x := range sub {
		if _, ok := slices.BinarySearch(sorted, x); !ok {
			return false
		}
	}
	return true
}

// extend turns coefficients on leaves into a consistent vector over all
// nodes: every node gets the sum of its leaves' coefficients (added in
// leaf order, so the result never depends on map order). Zero entries are
// dropped; nodes come out ascending.
func (d *dim) extend(leaf factor) factor {
	size := 0
	for _, l := range leaf.nodes {
		size += len(d.contains[l])
	}
	return d.extendInto(factor{nodes: make([]int, 0, size), coef: make([]float64, 0, size)}, leaf)
}

// extendInto is extend reusing out's slices.
func (d *dim) extendInto(out factor, leaf factor) factor {
	out.nodes, out.coef = out.nodes[:0], out.coef[:0]
	for i, l := range leaf.nodes {
		for _, node := range d.contains[l] {
			j := slices.Index(out.nodes, node)
			if j < 0 {
				out.nodes = append(out.nodes, node)
				out.coef = append(out.coef, 0)
				j = len(out.nodes) - 1
			}
			out.coef[j] += leaf.coef[i]
		}
	}
	n := 0
	for i := range out.nodes {
		if math.Abs(out.coef[i]) >= 1e-12 {
			out.nodes[n], out.coef[n] = out.nodes[i], out.coef[i]
			n++
		}
	}
	out.nodes, out.coef = out.nodes[:n], out.coef[:n]
	sort2(out.nodes, out.coef)
	return out
}

// sort2 sorts nodes ascending, carrying coefficients along (insertion sort:
// the vectors are small).
func sort2(nodes []int, coef []float64) {
	for i := 1; i < len(nodes); i++ {
		for j := i; j > 0 && nodes[j] < nodes[j-1]; j-- {
			nodes[j], nodes[j-1] = nodes[j-1], nodes[j]
			coef[j], coef[j-1] = coef[j-1], coef[j]
		}
	}
}

// plus returns f with c added to node n's coefficient (a new vector).
func (f factor) plus(n int, c float64) factor {
	out := f.clone(1)
	out.add(n, c)
	return out
}

// clone copies f, with room for extra more nodes.
func (f factor) clone(extra int) factor {
	out := factor{nodes: make([]int, len(f.nodes), len(f.nodes)+extra), coef: make([]float64, len(f.coef), len(f.coef)+extra)}
	copy(out.nodes, f.nodes)
	copy(out.coef, f.coef)
	return out
}

// add adds c to node n's coefficient in place.
func (f *factor) add(n int, c float64) {
	if j := slices.Index(f.nodes, n); j >= 0 {
		f.coef[j] += c
		return
	}
	f.nodes = append(f.nodes, n)
	f.coef = append(f.coef, c)
}

// shared counts the nodes that contain both leaves: the more, the closer.
func (d *dim) shared(x, y int) int {
	n := 0
	for _, a := range d.contains[x] {
		if slices.Contains(d.contains[y], a) {
			n++
		}
	}
	return n
}

func (t *Table) validate() error {
	if len(t.Values) != t.Len() {
		return fmt.Errorf("disclosure: %d values for %d cells", len(t.Values), t.Len())
	}
	if t.Kind != Count && len(t.Clients) != t.Len() {
		return fmt.Errorf("disclosure: %d client counts for %d cells", len(t.Clients), t.Len())
	}
	if t.Hidden != nil && len(t.Hidden) != t.Len() {
		return fmt.Errorf("disclosure: %d hidden flags for %d cells", len(t.Hidden), t.Len())
	}
	for i, v := range t.Values {
		if math.IsNaN(v) || (t.Kind != Median && v < 0) {
			return fmt.Errorf("disclosure: cell %d: invalid value %v", i, v)
		}
		if t.Kind == Share && v > t.Clients[i] {
			return fmt.Errorf("disclosure: cell %d: numerator above denominator", i)
		}
	}
	return nil
}
