package core

import (
	"fmt"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// withdrawGuards are the guards of guardTable a withdrawn instance
// proposal must pass: those that say whether its proposer could have
// proposed it at all (an identity holding propose:<workflow>, the
// instance's workflow, a transition it has). The guards that depend on
// where the instance is now (from, join, inputs) are not run: a proposal
// the instance has moved past may still be withdrawn.
var withdrawGuards = [...]func(*guardRun) string{guardIdentity, guardWorkflow, guardTransition, guardCapability}

// validProposer runs withdrawGuards on e's instance proposal, inst being
// its instance (nil when the proposal would create it). It appends the
// guards to out and, on the first failure, fills out with the refusal
// and returns false. So a key nobody may propose with is never consumed
// by withdrawing it: whoever cannot propose on the instance cannot close
// another proposal's idem_key, or move the instance's version, either.
func validProposer(s State, inst *Instance, e Entry, out *Outcome) bool {
	r := guardRun{rules: s.rules, inst: inst, e: e, guards: out.Guards}
	for _, g := range withdrawGuards {
		if reason := g(&r); reason != "" {
			out.Guards = r.guards
			out.Status, out.Reason = StatusRefused, "cannot withdraw a proposal its proposer may not make: "+reason
			return false
		}
	}
	out.Guards = r.guards
	return true
}

// countedHumans checks the governance evaluation res of a withdrawal by
// others: at least one approval counted (a policy whose rules do not
// apply is satisfied with none, and that withdraws nothing), and every
// counted decider is a human identity other than the reconciler. It
// returns "" when so, else why not.
func countedHumans(rules *schemas.Bundle, ids []schemas.Identity, res policies.Result) string {
	counted := res.CountedApprovals()
	if len(counted) == 0 {
		return "no rule of the governance policy counted it (a withdrawal by others needs at least one counted approval)"
	}
	for _, v := range counted {
		if v.Identity == rules.Config.Reconciler.Identity {
			return fmt.Sprintf("%s is the reconciler identity", v.Identity)
		}
		human := false
		for _, id := range ids {
			if id.Name == v.Identity {
				human = id.Kind == schemas.IdentityHuman
				break
			}
		}
		if !human {
			return fmt.Sprintf("%s is not a human identity", v.Identity)
		}
	}
	return ""
}

// validGoalProposer is validProposer for a goal action: e.Signer is an
// identity holding a capability the goal requires for the action, and the
// lineage (cur, when it exists) runs that goal. Like validProposer it
// fills out with the refusal and returns false otherwise, so nobody closes
// a key they could not have proposed with.
func validGoalProposer(s State, cur stored, exists bool, e Entry, out *Outcome) bool {
	p := e.Proposal
	fail := func(format string, args ...any) bool {
		out.Status, out.Reason = StatusRefused, "cannot withdraw a proposal its proposer may not make: "+fmt.Sprintf(format, args...)
		return false
	}
	g, ok := s.rules.Goal(p.Workflow)
	if !ok {
		return fail("goal %q does not exist", p.Workflow)
	}
	action, ok := schemas.GoalActionOf(p.Transition)
	if !ok {
		return fail("goal %s has no action %q", g.Name, p.Transition)
	}
	who, _, why := goalProposer(s.rules, g, action, e.Signer)
	if why != "" {
		return fail("%s", why)
	}
	if exists && (cur.goal == nil || cur.inst.Workflow != g.Name) {
		return fail("instance %s is not a lineage of goal %s", p.Instance, g.Name)
	}
	out.Guards = append(out.Guards, GuardResult{Name: GuardCapability, Passed: true, Detail: fmt.Sprintf("%s may %s on goal %s", who.Name, action, g.Name)})
	return true
}
