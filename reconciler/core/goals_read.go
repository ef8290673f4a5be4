package core

import (
	"encoding/json"
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
	// Tasks terminal first, then by depth and id: sorted as indexes into
	// the table's records (a view is ten times their size to move).
	tasks := l.tasks.unsorted()
	order := make([]int32, len(tasks))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int {
		a, b := &tasks[i], &tasks[j]
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
	v.Tasks = make([]TaskView, 0, len(tasks))
	var blocks []string
	for _, i := range order {
		t := &tasks[i]
		tv := TaskView{ID: t.id, Type: t.typ, Depth: t.depth, Status: l.taskStatusAt(g, *t, now),
			Parents: slices.Clone(t.parents), DeclaredBy: slices.Clone(t.declaredBy), Members: slices.Clone(t.members), MembersDone: t.done}
		if len(t.payload) > 0 && string(t.payload) != "null" {
			if json.Unmarshal(t.payload, &tv.Payload) == nil && len(tv.Payload) > 0 {
				tv.payloadJSON = string(t.payload)
			}
		}
		if t.completed != nil {
			c := *t.completed
			c.Evidence = slices.Clone(c.Evidence)
			tv.Completed = &c
		}
		v.Tasks = append(v.Tasks, tv)
		blocks = append(blocks, t.blockedBy...)
	}
	// Every block a task lists, once, by id.
	slices.Sort(blocks)
	blocks = slices.Compact(blocks)
	v.Blocks = make([]BlockView, 0, len(blocks))
	for _, id := range blocks {
		v.Blocks = append(v.Blocks, l.blockView(g, id, now))
	}
	return v
}

// blockView builds the view of block id.
func (l *lineage) blockView(g *schemas.Goal, id string, now HLC) BlockView {
	f, ev := l.factsOf(id), l.blocks.events(id)
	st, shortfall := l.blockStatusOf(g, f, ev, now)
	bv := BlockView{ID: id, Status: st, DeclaredAt: f.declaredAt, DeclaredBy: ev.declarers(),
		ConfirmedBy: ev.confirmations(), RefutedBy: ev.refutations(),
		Ignored: slices.Clone(f.ignored), ResolvedBy: f.resolvedBy, Shortfall: shortfall}
	if len(ev.claims) > 0 {
		bv.Blocked, bv.Prerequisite = ev.claims[0].Blocked, ev.claims[0].Prerequisite
	}
	for _, p := range []*[]string{&bv.DeclaredBy, &bv.ConfirmedBy, &bv.RefutedBy} {
		if *p == nil {
			*p = []string{}
		}
	}
	return bv
}
