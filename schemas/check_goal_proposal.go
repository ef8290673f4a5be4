package schemas

import (
	"maps"
	"slices"
)

// MaxBarrierMembers is the most member tasks one fan-in prerequisite
// (inputs.prerequisite.members of a declare-block) may list.
const MaxBarrierMembers = 1000

// goalInputsOf lists the inputs goal transition t takes, in the order
// the format documents them (see goal_proposal.go); start takes none.
func goalInputsOf(t string) []string {
	switch t {
	case GoalComplete:
		return []string{GoalInputTask}
	case GoalDeclareBlock:
		return []string{GoalInputTask, GoalInputPrerequisite}
	case GoalConfirmBlock, GoalRefuteBlock, GoalResolveBlock:
		return []string{GoalInputBlock}
	}
	return nil
}

// keyAt reports a problem positioned at the mapping key that names path.
func (c *checker) keyAt(path Path, format string, args ...any) {
	c.problems = append(c.problems, c.pos.keyProblemf(path, format, args...))
}

// checkGoalAction checks a proposal whose workflow names goal g: its
// transition is a goal action, base_state is "none" exactly for start,
// and its inputs and evidence are what that action needs, no more (an
// approver sees every input, so none may pass unchecked).
func (c *checker) checkGoalAction(g *Goal, p *Proposal) {
	if !slices.Contains(GoalTransitions(), p.Transition) {
		c.at(At("transition"), "unknown transition %q for goal %q (%s)", p.Transition, g.Name, knownList("goal actions", GoalTransitions()))
		return
	}
	start := p.Transition == GoalStart
	switch {
	case start && p.BaseState != BaseStateNone:
		c.at(At("base_state"), "transition %q begins a lineage, so base_state must be %q", p.Transition, BaseStateNone)
	case !start && p.BaseState == BaseStateNone:
		c.at(At("base_state"), "transition %q needs an existing lineage: set base_state to the lineage hash you saw (sha256:...)", p.Transition)
	}
	known := goalInputsOf(p.Transition)
	for _, k := range slices.Sorted(maps.Keys(p.Inputs)) {
		switch {
		case slices.Contains(known, k):
		case start:
			c.keyAt(At("inputs", k), "unknown input %q for goal action start, which takes no inputs: its first task is the goal's terminal task; remove it", k)
		default:
			c.keyAt(At("inputs", k), "unknown input %q for goal action %s (%s); remove it", k, p.Transition, knownList("inputs", known))
		}
	}
	switch p.Transition {
	case GoalComplete:
		c.goalID(p, GoalInputTask, "task")
		c.goalEvidence(p)
	case GoalDeclareBlock:
		c.goalID(p, GoalInputTask, "task")
		c.prerequisite(p)
	case GoalConfirmBlock, GoalResolveBlock:
		c.goalID(p, GoalInputBlock, "block")
	case GoalRefuteBlock:
		c.goalID(p, GoalInputBlock, "block")
		c.goalEvidence(p)
	}
}

// goalID checks that inputs.<key> is a task or block id, "sha256:" and 64
// lowercase hex digits.
func (c *checker) goalID(p *Proposal, key, what string) {
	at := At("inputs", key)
	v, ok := p.Inputs[key]
	if !ok {
		c.at(at, "%s needs inputs.%s: the id (sha256:...) of the %s it acts on", p.Transition, key, what)
		return
	}
	s, ok := v.(string)
	if !ok {
		c.at(at, "inputs.%s must be a string, the %s id (sha256:...)", key, what)
		return
	}
	if !IsSHA256Hash(s) {
		c.at(at, `inputs.%s %q is not a %s id: write "sha256:" and 64 lowercase hex digits`, key, s, what)
	}
}

// goalEvidence checks that a proposal lists at least one evidence entry.
func (c *checker) goalEvidence(p *Proposal) {
	if len(p.Evidence) == 0 {
		c.at(At("evidence"), "%s needs evidence: at least one entry saying where the work can be checked", p.Transition)
	}
}

// prerequisite checks a declare-block's inputs.prerequisite: a task
// {type, payload}, optionally a fan-in barrier with members, a non-empty
// list of at most MaxBarrierMembers tasks {type, payload}.
func (c *checker) prerequisite(p *Proposal) {
	at := At("inputs", GoalInputPrerequisite)
	v, ok := p.Inputs[GoalInputPrerequisite]
	if !ok {
		c.at(at, "%s needs inputs.prerequisite: the missing task, {type, payload} or {type, members}", p.Transition)
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		c.at(at, "inputs.prerequisite must be an object {type, payload, members}")
		return
	}
	c.goalTask(m, at, []string{"type", "payload", GoalInputMembers})
	mv, ok := m[GoalInputMembers]
	if !ok {
		return
	}
	at = child(at, GoalInputMembers)
	list, ok := mv.([]any)
	switch {
	case !ok:
		c.at(at, "inputs.prerequisite.members must be a list of tasks {type, payload}")
		return
	case len(list) == 0:
		c.at(at, "inputs.prerequisite.members is empty: list at least one member task, or leave members out")
		return
	case len(list) > MaxBarrierMembers:
		c.at(at, "inputs.prerequisite.members lists %d tasks; at most %d may wait in one barrier: group them under fewer member tasks, each of which can declare its own barrier",
			len(list), MaxBarrierMembers)
		return
	}
	for i, e := range list {
		mat := child(at, i)
		obj, ok := e.(map[string]any)
		if !ok {
			c.at(mat, "%s must be an object {type, payload}", mat.Field())
			continue
		}
		c.goalTask(obj, mat, []string{"type", "payload"})
	}
}

// goalTask checks a task object at path: only fields, a non-empty string
// type and, when present, an object payload.
func (c *checker) goalTask(m map[string]any, path Path, fields []string) {
	name := path.Field()
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(fields, k) {
			c.keyAt(child(path, k), "unknown field %q in %s (%s); remove it", k, name, knownList("fields", fields))
		}
	}
	if s, _ := m["type"].(string); s == "" {
		c.at(child(path, "type"), "%s needs a type: a non-empty string naming the kind of task", name)
	}
	if pv, ok := m["payload"]; ok {
		if _, ok := pv.(map[string]any); !ok {
			c.at(child(path, "payload"), "%s.payload must be an object of free-form values", name)
		}
	}
}
