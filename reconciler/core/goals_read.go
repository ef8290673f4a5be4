package core

import (
	"slices"
	"sort"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// Lineages returns a view of every lineage, sorted by id, with statuses
// derived at the state's clock (the last entry's). When a bucket that may
// hold a lineage (GoalBuckets) was not restored from the snapshot s came
// from, it returns a *MissingBucketError.
func (s State) Lineages() ([]LineageView, error) {
	if missing := s.GoalBuckets(); len(missing) > 0 {
		return nil, &MissingBucketError{Bucket: missing[0]}
	}
	var out []LineageView
	for b := range 256 {
		for _, st := range s.bucket(byte(b)).items {
			if st.goal != nil {
				out = append(out, s.viewOf(st))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// GoalBuckets returns, sorted, the buckets not restored yet that may hold
// a goal's lineage: those the snapshot head records lineages in (a
// version 2 head does not say: every bucket not restored). Restoring them
// is enough for Lineages and Lineage; the others hold workflow instances
// only.
func (s State) GoalBuckets() []byte {
	var set bucketSet
	for _, b := range s.Unrestored() {
		if s.head.version == snapshotVersionV2 || s.head.lineages[b] > 0 {
			set.set(b)
		}
	}
	return set.list()
}

// Lineage returns a view of lineage id, and whether it exists.
func (s State) Lineage(id string) (LineageView, bool, error) {
	if b := bucketOf(id); s.unloaded.has(b) && !slices.Contains(s.GoalBuckets(), b) {
		return LineageView{}, false, nil // its bucket holds no lineage
	}
	st, ok, err := s.lookup(bucketOf(id), id)
	if err != nil || !ok || st.goal == nil {
		return LineageView{}, false, err
	}
	return s.viewOf(st), true, nil
}

// viewOf builds the view of a lineage's record. A lineage whose goal the
// rules no longer declare is read under the default quorum.
func (s State) viewOf(st stored) LineageView {
	l := st.goal
	g := &schemas.Goal{Name: l.goal}
	if s.rules != nil {
		if found, ok := s.rules.Goal(l.goal); ok {
			g = found
		}
	}
	now := s.clock.HLC
	v := LineageView{ID: st.inst.ID, Goal: l.goal, Owner: st.inst.Owner, StartedBy: l.startedBy, Started: l.started,
		Terminal: l.terminal, Done: l.done(), LastProgress: l.lastProgress, Completed: l.completed, Hash: st.hash}
	if v.Done {
		ended := l.ended
		v.Ended = &ended
	}
	// Tasks terminal first, then by depth and id: sorted as pointers to
	// the table's records (a view is ten times their size to move).
	tasks := l.tasks.refs()
	slices.SortFunc(tasks, func(a, b *goalTask) int {
		switch {
		case a.id == b.id:
			return 0
		case a.id == l.terminal:
			return -1
		case b.id == l.terminal:
			return 1
		case a.depth != b.depth:
			return a.depth - b.depth
		}
		return strings.Compare(a.id, b.id)
	})
	// A view's lists are copies (a reader may change them), carved from
	// one array each rather than allocated one by one.
	var names arena[string]
	completions := make([]Completion, 0, len(tasks))
	var evidence arena[schemas.Evidence]
	v.Tasks = make([]TaskView, 0, len(tasks))
	nblocks := 0
	for _, t := range tasks {
		nblocks += len(t.blockedBy)
	}
	blocks := make([]string, 0, nblocks)
	for _, t := range tasks {
		tv := TaskView{ID: t.id, Type: t.typ, Depth: t.depth, Status: l.taskStatusAt(g, *t, now),
			Parents: names.clone(t.parents), DeclaredBy: names.clone(t.declaredBy), Members: names.clone(t.members), MembersDone: t.done}
		if len(t.payload) > 0 && string(t.payload) != "null" {
			var ok bool
			if tv.Payload, ok = decodePayload(t.payload); ok && len(tv.Payload) > 0 {
				tv.payloadJSON = string(t.payload)
			}
		}
		if t.completed != nil {
			c := *t.completed
			c.Evidence = evidence.clone(c.Evidence)
			completions = append(completions, c)
			tv.Completed = &completions[len(completions)-1]
		}
		v.Tasks = append(v.Tasks, tv)
		blocks = append(blocks, t.blockedBy...)
	}
	// Every block a task lists, once, by id.
	slices.Sort(blocks)
	blocks = slices.Compact(blocks)
	v.Blocks = make([]BlockView, 0, len(blocks))
	for _, id := range blocks {
		v.Blocks = append(v.Blocks, l.blockView(g, id, now, &names))
	}
	return v
}

// arena hands out copies of slices carved from shared arrays: one
// allocation for many small copies. Each copy is capped, so appending
// to it copies rather than writing into its neighbour.
type arena[T any] struct{ free []T }

// clone returns a copy of s (nil for nil, empty for empty).
func (a *arena[T]) clone(s []T) []T {
	if len(s) == 0 {
		return s[:0:0]
	}
	out := a.take(len(s))
	copy(out, s)
	return out
}

// take returns n fresh elements.
func (a *arena[T]) take(n int) []T {
	if len(a.free) < n {
		a.free = make([]T, max(n, 4096))
	}
	out := a.free[:n:n]
	a.free = a.free[n:]
	return out
}

// fill returns what f appends to an empty slice, in the arena when it
// fits the space left; empty, not nil, when f appends nothing.
func (a *arena[T]) fill(f func([]T) []T) []T {
	if len(a.free) < 64 {
		a.free = make([]T, 4096)
	}
	out := f(a.free[:0])
	switch {
	case len(out) == 0:
		return []T{}
	case &out[0] == &a.free[0]:
		a.free = a.free[len(out):]
	}
	return out[:len(out):len(out)]
}

// blockView builds the view of block id, its name lists carved from
// names.
func (l *lineage) blockView(g *schemas.Goal, id string, now HLC, names *arena[string]) BlockView {
	f, ev := l.factsOf(id), l.blocks.events(id)
	st, shortfall := l.blockStatusOf(g, f, ev, now)
	bv := BlockView{ID: id, Status: st, DeclaredAt: f.declaredAt,
		DeclaredBy: names.fill(ev.appendDeclarers), ConfirmedBy: names.fill(ev.appendConfirmations),
		RefutedBy: names.fill(ev.appendRefutations), Ignored: slices.Clone(f.ignored), ResolvedBy: f.resolvedBy,
		Shortfall: shortfall}
	if len(ev.claims) > 0 {
		bv.Blocked, bv.Prerequisite = ev.claims[0].Blocked, ev.claims[0].Prerequisite
	}
	return bv
}
