package core

import (
	"fmt"
	"slices"

	"github.com/writ-dev/writ/schemas"
)

// Plan is what a transition or reject entry does to its instance, as the
// workflow says, for showing a proposal's effect before it is applied
// (the plan comment): the instance before and after, regions included.
type Plan struct {
	Instance   string
	Workflow   string
	Transition string
	// Before is the instance as it is; nil when the transition would
	// create it.
	Before *Instance
	// After is the instance once the entry is applied: for a rejection
	// Before itself, or the instance in the transition's on_reject state;
	// nil when the workflow allows
	// no such move from Before (the entry would be refused).
	After *Instance
}

// PlanOf returns the plan of entry e against state s, judging neither
// policy nor guards (Apply does): only which state the workflow moves the
// instance to. It is pure. ok is false for an entry that moves no
// instance (genesis, rules) or names an unknown workflow or transition;
// the error, as Apply's, means s lacks the instance's snapshot bucket.
func PlanOf(s State, e Entry) (plan Plan, ok bool, err error) {
	p := e.Proposal
	if s.rules == nil || p == nil || (e.Kind != KindTransition && e.Kind != KindReject) {
		return Plan{}, false, nil
	}
	wf, found := s.rules.Workflow(p.Workflow)
	if !found {
		return Plan{}, false, nil
	}
	tr, found := wf.Transition(p.Transition)
	if !found {
		tr, found = builtin(p.Transition)
	}
	if !found {
		return Plan{}, false, nil
	}
	inst, exists, err := s.Instance(p.Instance)
	if err != nil {
		return Plan{}, false, fmt.Errorf("plan %s: %w", p.Instance, err)
	}
	plan = Plan{Instance: p.Instance, Workflow: wf.Name, Transition: tr.Name}
	if exists {
		plan.Before = inst
	}
	if e.Kind == KindReject {
		plan.After = plan.Before
		if tr.OnReject != "" && plan.Before != nil {
			plan.After = rejectMove(transitionContext{wf: wf, tr: tr, inst: plan.Before}, p)
		}
		return plan, true, nil
	}
	if movable(wf, tr, plan.Before) {
		plan.After = move(transitionContext{wf: wf, tr: tr, inst: plan.Before}, p)
	}
	return plan, true, nil
}

// movable reports whether the workflow lets tr move inst (nil: not yet
// created), by states alone.
func movable(wf *schemas.Workflow, tr *schemas.Transition, inst *Instance) bool {
	switch {
	case inst == nil:
		return len(tr.From) == 0 && tr.Region == "" && tr.Name != schemas.ReleaseTransition && tr.Name != schemas.QuarantineTransition
	case tr.Name == schemas.ReleaseTransition:
		return inst.State == schemas.QuarantinedState && inst.Resume != nil
	case tr.Name == schemas.QuarantineTransition:
		st, ok := wf.State(inst.State)
		return inst.State != schemas.QuarantinedState && !(ok && st.Terminal)
	case tr.Region != "":
		cur, ok := inst.Regions[tr.Region]
		return ok && slices.Contains(tr.From, cur)
	}
	return slices.Contains(tr.From, inst.State)
}
