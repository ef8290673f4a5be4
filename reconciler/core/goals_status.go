package core

import (
	"math"

	"github.com/writ-dev/writ/schemas"
)

// Statuses of tasks and blocks are derived, never stored: from the events
// in the lineage, the goal's quorum and a clock (the entry being applied,
// or the state's last entry for a reader). Time only moves forward in the
// log, so a status that time decides (a quorum window closing) is never
// undone.

// quorumCounts returns the confirmations and refutations a goal's quorum
// needs.
func quorumCounts(q schemas.Quorum) BlockQuorum {
	need := q.Min
	if q.Mode != schemas.QuorumMulti || need < 1 {
		need = 1
	}
	return BlockQuorum{Confirm: need, Refute: q.Refutations}
}

// windowClosed reports whether a quorum window of the goal, opened at
// from, has closed at now (entries' clock time). No window never closes.
func windowClosed(q schemas.Quorum, from, now HLC) (bool, HLC) {
	if q.Window == "" {
		return false, HLC{}
	}
	d, err := schemas.ParseDuration(q.Window)
	if err != nil {
		return false, HLC{}
	}
	ms := d.Milliseconds()
	if from.Wall > math.MaxInt64-ms {
		return false, HLC{}
	}
	at := HLC{Wall: from.Wall + ms}
	return now.Compare(at) >= 0, at
}

// blockStatusAt returns where block id stands under goal g at clock now,
// and the shortfall a proceed-degraded quorum confirmed it with.
func (l *lineage) blockStatusAt(g *schemas.Goal, id string, now HLC) (BlockStatus, int) {
	return l.blockStatusOf(g, l.factsOf(id), l.blocks.events(id), now)
}

// blockStatusOf is blockStatusAt of the block with facts f and events ev.
func (l *lineage) blockStatusOf(g *schemas.Goal, f blockFacts, ev blockEvents, now HLC) (BlockStatus, int) {
	q := l.quorumOf(g, f)
	bq := quorumCounts(q)
	st := ev.status(bq)
	if st != BlockClaimed || q.Mode != schemas.QuorumMulti {
		return st, 0
	}
	if closed, _ := windowClosed(q, f.declaredAt, now); !closed {
		return st, 0
	}
	switch q.OnShort {
	case schemas.OnShortFail:
		return BlockDismissed, 0
	case schemas.OnShortProceedDegraded:
		// Degraded, not unconfirmed: at least one identity other than the
		// declarers must have confirmed it, or waiting alone would confirm
		// a claim.
		if n := len(ev.confirmations()); n > 0 {
			return BlockConfirmed, bq.Confirm - n
		}
		return BlockDismissed, 0
	}
	return st, 0
}

// quorumOf returns the quorum that decides a block: the one pinned when it
// was declared, else (facts of an older kind: none) the goal's.
func (l *lineage) quorumOf(g *schemas.Goal, f blockFacts) schemas.Quorum {
	if f.quorum.Mode != "" {
		return f.quorum
	}
	return g.QuorumOrDefault()
}

// maxWalk bounds the walk up through barriers: members of members of …;
// max_depth is at most schemas.MaxGoalDepth, so a longer walk means a
// malformed lineage, which reads as not enabled.
const maxWalk = 2 * schemas.MaxGoalDepth

// enabled reports whether task t may be worked on as far as its parents
// go: the terminal task always, a prerequisite once a block naming it is
// confirmed or resolved, a barrier's member once its barrier is.
func (l *lineage) enabled(g *schemas.Goal, t goalTask, now HLC) bool {
	for step := 0; step < maxWalk; step++ {
		if t.id == l.terminal {
			return true
		}
		for _, b := range t.claimedBy {
			if st, _ := l.blockStatusAt(g, b, now); st == BlockConfirmed || st == BlockResolved {
				return true
			}
		}
		var barrier goalTask
		found := false
		for _, p := range t.parents {
			if pt, ok := l.task(p); ok && containsString(pt.members, t.id) {
				barrier, found = pt, true
				break
			}
		}
		if !found {
			return false
		}
		t = barrier
	}
	return false
}

// taskStatusAt returns where task t stands under goal g at clock now.
func (l *lineage) taskStatusAt(g *schemas.Goal, t goalTask, now HLC) TaskStatus {
	if t.completed != nil {
		return TaskComplete
	}
	if !l.enabled(g, t, now) {
		if len(t.claimedBy) > 0 && l.allDismissed(g, t.claimedBy, now) {
			return TaskDismissed
		}
		return TaskProposed
	}
	if _, blocked := l.blockingBlock(g, t, now); blocked {
		return TaskBlocked
	}
	return TaskActionable
}

// allDismissed reports whether every block of ids is dismissed.
func (l *lineage) allDismissed(g *schemas.Goal, ids []string, now HLC) bool {
	for _, b := range ids {
		if st, _ := l.blockStatusAt(g, b, now); st != BlockDismissed {
			return false
		}
	}
	return true
}

// blockingBlock returns the first confirmed block that names t as
// blocked.
func (l *lineage) blockingBlock(g *schemas.Goal, t goalTask, now HLC) (string, bool) {
	for _, b := range t.blockedBy {
		if st, _ := l.blockStatusAt(g, b, now); st == BlockConfirmed {
			return b, true
		}
	}
	return "", false
}
