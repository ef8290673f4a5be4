package core

import (
	"fmt"
	"slices"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// The goal actions, each a method of goalRun returning "" when it applied
// to r.lin, or why it is refused (r.lin then does not matter).

// Bounds that keep every goal entry's cost independent of the lineage's
// size: a task record is rewritten and rehashed whole when it changes, so
// its lists are capped.
const (
	// maxMembers bounds a barrier's members (one proposal's worth).
	maxMembers = 1000
	// maxParents bounds the tasks one task may be a prerequisite of.
	maxParents = 64
	// maxBlocksPerTask bounds the blocks declared on one waiting task.
	maxBlocksPerTask = 256
)

// start begins the lineage; its first task is the goal's terminal task.
func (r *goalRun) start() string {
	id, err := TaskID(r.g.Terminal.Type, payloadValue(r.g.Terminal.Payload), r.p.Instance)
	if err != nil {
		return fmt.Sprintf("goal %s's terminal task: %v", r.g.Name, err)
	}
	raw, err := schemas.CanonicalJSON(payloadValue(r.g.Terminal.Payload))
	if err != nil {
		return fmt.Sprintf("goal %s's terminal payload: %v", r.g.Name, err)
	}
	t := goalTask{id: id, typ: r.g.Terminal.Type, payload: raw, declaredBy: []string{r.who.Name}}
	r.lin = lineage{goal: r.g.Name, startedBy: r.who.Name, started: r.e.HLC, terminal: id, lastProgress: r.e.HLC}
	r.lin.tasks = r.lin.tasks.put(t.sealed())
	r.out.Reason = fmt.Sprintf("start: lineage %s of goal %s; terminal task %s %s is actionable", r.p.Instance, r.g.Name, short(id), t.typ)
	return ""
}

// payloadValue is a payload as TaskID hashes it: nil stays JSON null.
func payloadValue(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

// inputHash returns the sha256 id in input name.
func (r *goalRun) inputHash(name string) (string, string) {
	v, ok := r.p.Inputs[name].(string)
	if !ok || !schemas.IsSHA256Hash(v) {
		return "", fmt.Sprintf("%s needs inputs.%s, an id (sha256:<64 hex digits>); see writ goals for the ids", r.p.Transition, name)
	}
	return v, ""
}

// complete marks an actionable task done; a barrier's last member
// completes the barrier, and the terminal task ends the lineage.
func (r *goalRun) complete() string {
	id, why := r.inputHash(schemas.GoalInputTask)
	if why != "" {
		return why
	}
	if len(r.p.Evidence) == 0 {
		return "complete needs evidence: what shows the task is done"
	}
	t, ok := r.lin.task(id)
	switch {
	case !ok:
		return fmt.Sprintf("lineage %s has no task %s", r.p.Instance, id)
	case t.completed != nil:
		return fmt.Sprintf("task %s was already completed by %s at %s", short(id), t.completed.By, t.completed.At)
	case len(t.members) > 0:
		return fmt.Sprintf("task %s is a barrier: it completes when its members do (%d of %d done)", short(id), t.done, len(t.members))
	}
	if b, blocked := r.lin.blockingBlock(r.g, t, r.e.HLC); blocked {
		return fmt.Sprintf("task %s is blocked by block %s (confirmed): a task cannot be both complete and blocked; complete the prerequisite and resolve the block, or refute it", short(id), short(b))
	}
	if st := r.lin.taskStatusAt(r.g, t, r.e.HLC); st != TaskActionable {
		return fmt.Sprintf("task %s is %s, not actionable: a prerequisite is worked on once a quorum confirms the block that names it", short(id), st)
	}
	r.finish(t, Completion{By: r.who.Name, At: r.e.HLC, Evidence: slices.Clone(r.p.Evidence)})
	r.out.Reason = fmt.Sprintf("complete: task %s %s by %s", short(id), t.typ, r.who.Name)
	if r.lin.done() {
		r.out.Reason += "; the terminal task is complete: lineage " + r.p.Instance + " ends"
	}
	return ""
}

// finish records t's completion, counts it in every barrier t is a member
// of (completing a barrier whose members are all done, and so on up), and
// ends the lineage when the terminal task completes.
func (r *goalRun) finish(t goalTask, c Completion) {
	type done struct {
		t goalTask
		c Completion
	}
	queue := []done{{t, c}}
	for steps := 0; len(queue) > 0 && steps < maxMembers*maxWalk; steps++ {
		d := queue[0]
		queue = queue[1:]
		t := d.t
		t.completed = &d.c
		r.lin.tasks = r.lin.tasks.put(t.sealed())
		r.lin.completed++
		r.lin.lastProgress = r.e.HLC
		if t.id == r.lin.terminal {
			r.lin.ended = r.e.HLC
		}
		for _, p := range t.parents {
			b, ok := r.lin.task(p)
			if !ok || b.completed != nil || !containsString(b.members, t.id) {
				continue
			}
			b.done++
			r.lin.tasks = r.lin.tasks.put(b.sealed())
			if b.done >= len(b.members) {
				queue = append(queue, done{b, Completion{By: d.c.By, At: d.c.At, Barrier: true}})
			}
		}
	}
}

// taskInput reads a {type, payload} task description of the lineage.
func (r *goalRun) taskInput(v any, at string) (typ string, payload any, raw []byte, id string, why string) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", nil, nil, "", fmt.Sprintf("inputs.%s must be an object {type, payload}", at)
	}
	typ, ok = m["type"].(string)
	if !ok || typ == "" {
		return "", nil, nil, "", fmt.Sprintf("inputs.%s.type must be a non-empty string", at)
	}
	payload = m["payload"]
	if payload != nil {
		if _, ok := payload.(map[string]any); !ok {
			return "", nil, nil, "", fmt.Sprintf("inputs.%s.payload must be an object", at)
		}
	}
	id, err := TaskID(typ, payload, r.p.Instance)
	if err != nil {
		return "", nil, nil, "", fmt.Sprintf("inputs.%s: %v", at, err)
	}
	raw, err = schemas.CanonicalJSON(payload)
	if err != nil {
		return "", nil, nil, "", fmt.Sprintf("inputs.%s.payload: %v", at, err)
	}
	return typ, payload, raw, id, ""
}

// declare records a claim that inputs.task waits for the prerequisite
// task, creating it (and a barrier's members) at depth + 1 (+ 2).
func (r *goalRun) declare() string {
	blockedID, why := r.inputHash(schemas.GoalInputTask)
	if why != "" {
		return why
	}
	blocked, ok := r.lin.task(blockedID)
	switch {
	case !ok:
		return fmt.Sprintf("lineage %s has no task %s", r.p.Instance, blockedID)
	case blocked.completed != nil:
		return fmt.Sprintf("task %s is complete: a task cannot be both complete and blocked", short(blockedID))
	}
	if st := r.lin.taskStatusAt(r.g, blocked, r.e.HLC); st == TaskDismissed {
		return fmt.Sprintf("task %s was dismissed (every claim that named it was refuted): nothing waits on it", short(blockedID))
	}
	if len(blocked.members) > 0 {
		return fmt.Sprintf("task %s is a barrier: it waits for its members and completes with them; declare the block on the member that needs it", short(blockedID))
	}
	typ, _, raw, preID, why := r.taskInput(r.p.Inputs[schemas.GoalInputPrerequisite], schemas.GoalInputPrerequisite)
	if why != "" {
		return why
	}
	var members []goalTask
	if mv, ok := r.p.Inputs[schemas.GoalInputPrerequisite].(map[string]any)[schemas.GoalInputMembers]; ok {
		list, ok := mv.([]any)
		if !ok || len(list) == 0 || len(list) > maxMembers {
			return fmt.Sprintf("inputs.prerequisite.members must be a list of 1 to %d tasks {type, payload}", maxMembers)
		}
		for i, v := range list {
			mt, _, mraw, mid, why := r.taskInput(v, fmt.Sprintf("prerequisite.members[%d]", i))
			if why != "" {
				return why
			}
			if mid == preID || r.lin.cycleThrough(blockedID, mid) != nil {
				return fmt.Sprintf("%v: member %s (%s) of barrier %s is the barrier itself or a task it would wait for", ErrPrerequisiteCycle, mt, short(mid), short(preID))
			}
			if _, exists := r.lin.task(mid); exists {
				return fmt.Sprintf("member %s (%s) of barrier %s is already a task of the lineage: a barrier's members are new tasks (declare a block on an existing task instead)", mt, short(mid), short(preID))
			}
			for _, m := range members {
				if m.id == mid {
					return fmt.Sprintf("member %s (%s) is listed twice in barrier %s", mt, short(mid), short(preID))
				}
			}
			members = append(members, goalTask{id: mid, typ: mt, payload: mraw})
		}
	}
	if cycle := r.lin.cycleThrough(blockedID, preID); cycle != nil {
		return fmt.Sprintf("%v: %s", ErrPrerequisiteCycle, r.lin.nameCycle(cycle, preID, typ))
	}
	depth := blocked.depth + 1
	if err := CheckDepth(depth, r.g.Depth()); err != nil {
		return fmt.Sprintf("goal %s: %v", r.g.Name, err)
	}
	if len(members) > 0 {
		if err := CheckDepth(depth+1, r.g.Depth()); err != nil {
			return fmt.Sprintf("goal %s: the barrier's members: %v", r.g.Name, err)
		}
	}
	blockID := BlockID(blockedID, preID)
	if r.lin.blocks.Removed(blockID) {
		st, _ := r.lin.blockStatusAt(r.g, blockID, r.e.HLC)
		return fmt.Sprintf("block %s was %s: it never becomes active again (a stale branch cannot revive it)", short(blockID), st)
	}
	if slices.Contains(r.lin.blocks.Declarers(blockID), r.who.Name) {
		return fmt.Sprintf("%s already declared block %s", r.who.Name, short(blockID))
	}
	// A voter cannot turn into a declarer: a declarer's confirmation does
	// not count, so declaring a block one confirmed would withdraw that
	// confirmation without a refutation.
	if slices.Contains(r.lin.blocks.Confirmations(blockID), r.who.Name) || slices.Contains(r.lin.blocks.Refutations(blockID), r.who.Name) {
		return fmt.Sprintf("%s already voted on block %s: a voter cannot also declare it", r.who.Name, short(blockID))
	}
	if len(blocked.blockedBy) >= maxBlocksPerTask && !slices.Contains(blocked.blockedBy, blockID) {
		return fmt.Sprintf("task %s already has %d declared blocks, the most one task may have", short(blockedID), maxBlocksPerTask)
	}
	pre, exists := r.lin.task(preID)
	if !exists {
		pre = goalTask{id: preID, typ: typ, payload: raw, depth: depth}
	} else {
		switch {
		case len(members) > 0:
			return fmt.Sprintf("task %s already exists: a barrier is declared once, with its members, as a new task", short(preID))
		case pre.depth != depth:
			// Depth is the distance from the terminal task on every path,
			// so max_depth bounds every chain, not only the first one.
			return fmt.Sprintf("task %s is at depth %d; it cannot also be a prerequisite at depth %d (declare a new task)", short(preID), pre.depth, depth)
		case len(pre.parents) >= maxParents && !slices.Contains(pre.parents, blockedID):
			return fmt.Sprintf("task %s is already a prerequisite of %d tasks, the most one task may be", short(preID), maxParents)
		}
	}
	bs, _, err := r.lin.blocks.Declare(blockedID, preID, r.who.Name)
	if err != nil {
		return err.Error()
	}
	r.lin = r.lin.withBlocks(bs, blockID)
	pre.parents, _ = insertSorted(pre.parents, blockedID, strings.Compare)
	pre.declaredBy, _ = insertSorted(pre.declaredBy, r.who.Name, strings.Compare)
	pre.claimedBy, _ = insertSorted(pre.claimedBy, blockID, strings.Compare)
	if !exists && len(members) > 0 {
		for _, m := range members {
			mt, ok := r.lin.task(m.id)
			if !ok {
				mt = goalTask{id: m.id, typ: m.typ, payload: m.payload, depth: depth + 1}
			}
			mt.parents, _ = insertSorted(mt.parents, preID, strings.Compare)
			mt.declaredBy, _ = insertSorted(mt.declaredBy, r.who.Name, strings.Compare)
			pre.members, _ = insertSorted(pre.members, m.id, strings.Compare)
			r.lin.tasks = r.lin.tasks.put(mt.sealed())
		}
	}
	r.lin.tasks = r.lin.tasks.put(pre.sealed())
	blocked, _ = r.lin.task(blockedID)
	blocked.blockedBy, _ = insertSorted(blocked.blockedBy, blockID, strings.Compare)
	r.lin.tasks = r.lin.tasks.put(blocked.sealed())
	if f := r.lin.factsOf(blockID); f.declaredAt.IsZero() {
		f.declaredAt, f.quorum = r.e.HLC, r.g.QuorumOrDefault()
		r.lin.facts = r.lin.facts.put(f.sealed())
	}
	r.lin.lastProgress = r.e.HLC
	st, _ := r.lin.blockStatusAt(r.g, blockID, r.e.HLC)
	r.out.Reason = fmt.Sprintf("declare-block: task %s waits for %s %s (block %s, %s)", short(blockedID), short(preID), typ, short(blockID), st)
	return ""
}

// cycleThrough returns the cycle the edge blocked → prerequisite would
// close, as the path from prerequisite up to blocked through parents
// (each task waits for the previous one), nil when there is none.
func (l *lineage) cycleThrough(blocked, prerequisite string) []string {
	if blocked == prerequisite {
		return []string{prerequisite}
	}
	// Walk up from blocked: an ancestor of blocked that is the
	// prerequisite means the prerequisite already waits for blocked.
	type step struct{ id, from string }
	prev := map[string]string{blocked: ""}
	queue := []string{blocked}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		t, ok := l.task(id)
		if !ok {
			continue
		}
		for _, p := range t.parents {
			if _, seen := prev[p]; seen {
				continue
			}
			prev[p] = id
			if p == prerequisite {
				var path []string
				for at := p; at != ""; at = prev[at] {
					path = append(path, at)
				}
				return path
			}
			queue = append(queue, p)
		}
	}
	return nil
}

// nameCycle renders a cycle as "type (id) → …".
func (l *lineage) nameCycle(path []string, preID, preType string) string {
	name := func(id string) string {
		if t, ok := l.task(id); ok {
			return t.typ + " (" + short(id) + ")"
		}
		if id == preID {
			return preType + " (" + short(id) + ")"
		}
		return short(id)
	}
	s := ""
	for i, id := range path {
		if i > 0 {
			s += " waits for "
		}
		s += name(id)
	}
	return s + " waits for " + name(path[0])
}

// vote records a confirmation (confirm) or refutation of inputs.block. A
// vote that cannot count because of who cast it (a trust level below the
// goal's minimum, or below an any-quorum's level; a confirmation past a
// multi quorum's max) is recorded as ignored, with why.
func (r *goalRun) vote(confirm bool) string {
	id, why := r.inputHash(schemas.GoalInputBlock)
	if why != "" {
		return why
	}
	claims := r.lin.blocks.Claims(id)
	if len(claims) == 0 {
		return fmt.Sprintf("lineage %s has no block %s: declare it first", r.p.Instance, id)
	}
	st, _ := r.lin.blockStatusAt(r.g, id, r.e.HLC)
	if st == BlockDismissed || st == BlockResolved {
		return fmt.Sprintf("block %s was %s: nothing further about it is taken", short(id), st)
	}
	blocked, _ := r.lin.task(claims[0].Blocked)
	q := r.lin.quorumOf(r.g, r.lin.factsOf(id))
	action := schemas.ActionRefute
	if confirm {
		action = schemas.ActionConfirm
		if err := r.lin.blocks.CheckConfirm(id, r.who.Name); err != nil {
			return err.Error()
		}
		if slices.Contains(r.lin.blocks.Confirmations(id), r.who.Name) {
			return fmt.Sprintf("%s already confirmed block %s: two confirmations by one identity count once", r.who.Name, short(id))
		}
		if blocked.completed != nil {
			return fmt.Sprintf("task %s is complete: a task cannot be both complete and blocked", short(blocked.id))
		}
		if q.Mode == schemas.QuorumMulti && q.OnShort != schemas.OnShortWait {
			if closed, at := windowClosed(q, r.lin.factsOf(id).declaredAt, r.e.HLC); closed {
				return fmt.Sprintf("the quorum window of block %s closed at %s (on_short %s): confirmations are no longer taken", short(id), at, q.OnShort)
			}
		}
	} else {
		if slices.Contains(r.lin.blocks.Refutations(id), r.who.Name) {
			return fmt.Sprintf("%s already refuted block %s", r.who.Name, short(id))
		}
		if len(r.p.Evidence) == 0 {
			return "refute-block needs evidence: that the supposedly blocked task was completed without the prerequisite"
		}
	}
	if ignored := r.ignoredBecause(action, q, id); ignored != "" {
		f := r.lin.factsOf(id)
		for _, v := range f.ignored {
			if v.Identity == r.who.Name && v.Action == string(action) {
				return fmt.Sprintf("%s's %s of block %s is already recorded as not counting: %s", r.who.Name, action, short(id), v.Reason)
			}
		}
		f.ignored = append(slices.Clone(f.ignored), IgnoredVote{Identity: r.who.Name, Action: string(action), Reason: ignored})
		r.lin.facts = r.lin.facts.put(f.sealed())
		r.out.Reason = fmt.Sprintf("%s: recorded, does not count: %s", r.p.Transition, ignored)
		return ""
	}
	var bs BlockSet
	var err error
	if confirm {
		bs, err = r.lin.blocks.Confirm(id, r.who.Name)
	} else {
		bs, err = r.lin.blocks.Refute(id, r.who.Name)
	}
	if err != nil {
		return err.Error()
	}
	r.lin = r.lin.withBlocks(bs, id)
	if !confirm && len(bs.Refutations(id)) >= quorumCounts(q).Refute {
		if bs, err = bs.Remove(id, Dismissed); err != nil {
			return err.Error()
		}
		r.lin = r.lin.withBlocks(bs, id)
	}
	r.lin.lastProgress = r.e.HLC
	after, shortfall := r.lin.blockStatusAt(r.g, id, r.e.HLC)
	r.out.Reason = fmt.Sprintf("%s: block %s by %s; block %s", r.p.Transition, short(id), r.who.Name, after)
	if shortfall > 0 {
		r.out.Reason += fmt.Sprintf(" (degraded: %d confirmation(s) short)", shortfall)
	}
	return ""
}

// ignoredBecause says why who's vote on block id does not count, "" when
// it does.
func (r *goalRun) ignoredBecause(action schemas.GoalAction, q schemas.Quorum, id string) string {
	if min := r.g.MinTrust(action); min > 0 && r.who.TrustLevel < min {
		return trustShort(r.who, min, "goal "+r.g.Name+"'s minimum to "+string(action))
	}
	if action != schemas.ActionConfirm {
		return ""
	}
	if q.Mode == schemas.QuorumAny && r.who.TrustLevel < q.TrustLevel {
		return trustShort(r.who, q.TrustLevel, "the any quorum's level")
	}
	if q.Mode == schemas.QuorumMulti && q.Max > 0 && len(r.lin.blocks.Confirmations(id)) >= q.Max {
		return fmt.Sprintf("the quorum counts at most %d confirmations", q.Max)
	}
	return ""
}

// resolveBlock lifts a confirmed block whose prerequisite is complete.
func (r *goalRun) resolveBlock() string {
	id, why := r.inputHash(schemas.GoalInputBlock)
	if why != "" {
		return why
	}
	claims := r.lin.blocks.Claims(id)
	if len(claims) == 0 {
		return fmt.Sprintf("lineage %s has no block %s", r.p.Instance, id)
	}
	st, _ := r.lin.blockStatusAt(r.g, id, r.e.HLC)
	if st != BlockConfirmed {
		return fmt.Sprintf("block %s is %s: only a confirmed block is resolved (a claim is confirmed or refuted first)", short(id), st)
	}
	pre, _ := r.lin.task(claims[0].Prerequisite)
	if pre.completed == nil {
		return fmt.Sprintf("block %s waits for task %s %s, which is not complete: complete it first", short(id), short(pre.id), pre.typ)
	}
	bs, err := r.lin.blocks.Remove(id, Resolved)
	if err != nil {
		return err.Error()
	}
	r.lin = r.lin.withBlocks(bs, id)
	f := r.lin.factsOf(id)
	f.resolvedBy = r.who.Name
	r.lin.facts = r.lin.facts.put(f.sealed())
	r.lin.lastProgress = r.e.HLC
	r.out.Reason = fmt.Sprintf("resolve-block: block %s by %s; task %s no longer waits for %s", short(id), r.who.Name, short(claims[0].Blocked), short(pre.id))
	return ""
}

// short abbreviates a "sha256:<hex>" id to its first 12 hex digits.
func short(id string) string {
	const p = "sha256:"
	if len(id) >= len(p)+12 && id[:len(p)] == p {
		return id[len(p) : len(p)+12]
	}
	return id
}
