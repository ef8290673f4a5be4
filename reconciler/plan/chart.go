package plan

import (
	"fmt"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
	"github.com/writ-dev/writ/schemas/chart"
)

// HighlightOf is the chart highlight of a plan: the instance's state now
// (regions included) as current, and where the move takes it as next;
// moves is false for a rejection, which takes it nowhere. A nil plan
// highlights nothing.
func HighlightOf(p *core.Plan, moves bool) chart.Highlight {
	var h chart.Highlight
	if p == nil {
		return h
	}
	if p.Before != nil {
		h.Current, h.CurrentRegions = p.Before.State, p.Before.Regions
	}
	if p.After != nil && moves {
		h.Next, h.NextRegions = p.After.State, p.After.Regions
	}
	return h
}

// Preview is the plan of taking transition on instance of workflow in
// state s, judging no guard or policy (core.PlanOf): for drawing where a
// transition would lead. Its error names the transition when the
// workflow has no such transition, and wraps core.PlanOf's (s lacks the
// instance's snapshot bucket). It is pure.
func Preview(s core.State, workflow, instance, transition string) (*core.Plan, error) {
	e := core.Entry{Kind: core.KindTransition, Proposal: &schemas.Proposal{Instance: instance, Workflow: workflow, Transition: transition}}
	p, ok, err := core.PlanOf(s, e)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("workflow %s has no transition %q", workflow, transition)
	}
	return &p, nil
}
