package core

import "github.com/writ-dev/writ/schemas"

// PolicyOf returns the policy Apply judges a proposal by under rules: the
// governance policy for a rules change, else its transition's (the
// workflow's quarantine policies for the built-in quarantine and release
// transitions). ok is false when the proposal needs no policy, or names a
// workflow, transition or policy that does not exist (Apply then refuses
// it or applies it on its guards alone). It is pure.
func PolicyOf(rules *schemas.Bundle, p *schemas.Proposal, rulesChange bool) (*schemas.Policy, bool) {
	if rules == nil || p == nil {
		return nil, false
	}
	name := rules.Config.Governance.Policy
	if g, ok := rules.Goal(p.Workflow); ok && !rulesChange {
		if p.Transition != schemas.GoalDeclareBlock && p.Transition != schemas.GoalResolveBlock || g.Policy == "" {
			return nil, false
		}
		return rules.Policy(g.Policy)
	}
	if !rulesChange {
		wf, ok := rules.Workflow(p.Workflow)
		if !ok {
			return nil, false
		}
		tr, ok := wf.Transition(p.Transition)
		if !ok {
			tr, ok = builtin(p.Transition)
		}
		if !ok {
			return nil, false
		}
		name = policyFor(wf, tr)
	}
	if name == "" {
		return nil, false
	}
	return rules.Policy(name)
}
