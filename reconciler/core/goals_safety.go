package core

import (
	"fmt"
	"slices"
	"strings"
)

// DefaultMaxDepth is a goal's max_depth when its YAML names none.
const DefaultMaxDepth = 16

// CheckDepth refuses a task at depth (the terminal task is at 0, a
// prerequisite declared on a task at depth d is at d+1) deeper than
// maxDepth; maxDepth <= 0 means DefaultMaxDepth. The error wraps
// ErrTooDeep and names both numbers. Pure; never panics.
func CheckDepth(depth, maxDepth int) error {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	if depth > maxDepth {
		return fmt.Errorf("%w: depth %d is above max_depth %d; resolve the work at a shallower task or raise max_depth in the goal", ErrTooDeep, depth, maxDepth)
	}
	return nil
}

// Prerequisite is one declared edge: Blocked waits for Prerequisite.
type Prerequisite struct {
	Blocked      string `json:"blocked"`
	Prerequisite string `json:"prerequisite"`
}

// FindCycle returns a cycle among the declared prerequisites, or nil when
// there is none. The cycle is the tasks in order, each waiting for the
// next and the last for the first ([a b c]: a waits for b, b for c, c for
// a; a task that waits for itself is [a]), rotated to start at its
// smallest id. Which cycle is reported when there are several does not
// depend on the order of edges: the search visits tasks and their
// prerequisites in sorted order. Duplicate edges are harmless. Pure,
// iterative (no recursion depth to exhaust), O(tasks + edges log edges).
func FindCycle(edges []Prerequisite) []string {
	next := map[string][]string{}
	for _, e := range edges {
		next[e.Blocked] = append(next[e.Blocked], e.Prerequisite)
	}
	starts := make([]string, 0, len(next))
	for k, vs := range next {
		starts = append(starts, k)
		slices.Sort(vs)
		next[k] = slices.Compact(vs)
	}
	slices.Sort(starts)

	const (
		unseen = iota
		onPath
		done
	)
	mark := map[string]int{}
	for _, s := range starts {
		if mark[s] != unseen {
			continue
		}
		path := []cycleFrame{{task: s}}
		mark[s] = onPath
		for len(path) > 0 {
			top := &path[len(path)-1]
			succ := next[top.task]
			if top.i == len(succ) {
				mark[top.task] = done
				path = path[:len(path)-1]
				continue
			}
			n := succ[top.i]
			top.i++
			switch mark[n] {
			case onPath:
				return cycleFrom(path, n)
			case unseen:
				mark[n] = onPath
				path = append(path, cycleFrame{task: n})
			}
		}
	}
	return nil
}

// cycleFrame is one task on FindCycle's search path.
type cycleFrame struct {
	task string
	i    int // next prerequisite of task to visit
}

// cycleFrom cuts the cycle that starts at task n out of the search path
// and rotates it to start at its smallest id.
func cycleFrom(path []cycleFrame, n string) []string {
	var cyc []string
	for _, f := range path {
		if f.task == n || len(cyc) > 0 {
			cyc = append(cyc, f.task)
		}
	}
	m := 0
	for i, t := range cyc {
		if t < cyc[m] {
			m = i
		}
	}
	return append(cyc[m:len(cyc):len(cyc)], cyc[:m]...)
}

// CheckPrerequisite refuses declaring that blocked waits for prerequisite
// when, with the prerequisites already declared, that would close a
// cycle (a task waiting for itself included). The error wraps
// ErrPrerequisiteCycle and names the cycle in order, starting at blocked
// ("a -> b -> c -> a": a would wait for b, b waits for c, c for a); of
// several such cycles it names a shortest, the same one whatever the
// order of declared. Pure; never panics.
func CheckPrerequisite(declared []Prerequisite, blocked, prerequisite string) error {
	cyc := pathBetween(declared, prerequisite, blocked)
	if cyc == nil {
		return nil
	}
	cyc = append([]string{blocked}, cyc...) // the path ends at blocked
	return fmt.Errorf("%w: %s; declaring that %s waits for %s would make the lineage wait on itself: declare a different prerequisite, or resolve a block of the cycle first",
		ErrPrerequisiteCycle, strings.Join(cyc, " -> "), blocked, prerequisite)
}

// pathBetween returns a shortest chain of waits from one task to another
// ([from ... to]), the smallest such by sorted breadth-first search, or
// nil when to cannot be reached; [from] when from == to.
func pathBetween(edges []Prerequisite, from, to string) []string {
	if from == to {
		return []string{from}
	}
	next := map[string][]string{}
	for _, e := range edges {
		next[e.Blocked] = append(next[e.Blocked], e.Prerequisite)
	}
	parent := map[string]string{from: from}
	queue := []string{from}
	for len(queue) > 0 {
		t := queue[0]
		queue = queue[1:]
		succ := slices.Clone(next[t])
		slices.Sort(succ)
		for _, n := range succ {
			if _, seen := parent[n]; seen {
				continue
			}
			parent[n] = t
			if n == to {
				var rev []string
				for c := n; c != from; c = parent[c] {
					rev = append(rev, c)
				}
				rev = append(rev, from)
				slices.Reverse(rev)
				return rev
			}
			queue = append(queue, n)
		}
	}
	return nil
}
