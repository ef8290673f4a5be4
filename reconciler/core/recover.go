package core

import (
	"fmt"
	"slices"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// applyRecover applies a recover entry. It is judged exactly like a rules
// entry (the proposer is an identity, base_state is the rules hash in
// force, the governance policy of the rules in force is satisfied), and
// the commits it names (e.Quarantine) must be the ones its approved
// proposal lists (schemas.RecoverCommits). It changes no rules and no
// instance: the state after it is s with the entry counted and its stamp
// as the clock. Which commits it may name is not the core's to know
// (they are git commits): replay checks that they are exactly the
// commits between the last verified entry and this one.
func applyRecover(s State, e Entry) (State, Outcome) {
	p := e.Proposal
	switch {
	case s.rules == nil:
		return s, refuse("recover entry before genesis")
	case p == nil:
		return s, refuse("recover entry carries no proposal")
	case !schemas.IsRecovery(p):
		return s, refuse("recover entry carries a %s %s proposal, not a %s %s one", p.Transition, p.Instance, schemas.RecoverTransition, schemas.RulesInstance)
	case len(e.Quarantine) == 0:
		return s, refuse("recover entry quarantines no commit")
	}
	listed, err := schemas.RecoverCommits(p)
	if err != nil {
		return s, refuse("recovery proposal: %v", err)
	}
	if !slices.Equal(listed, e.Quarantine) {
		return s, refuse("recover entry quarantines %v, but its approved proposal lists %v", e.Quarantine, listed)
	}
	g, ok := checkClock(s, e)
	out := Outcome{Guards: []GuardResult{g}}
	if !ok {
		out.Status, out.Reason = StatusRefused, g.Detail
		return s, out
	}
	if p.BaseState != s.rulesHash {
		out.Status = StatusStale
		out.Reason = fmt.Sprintf("base_state %s is not the rules in force %s; propose the recovery again", p.BaseState, s.rulesHash)
		return s, out
	}
	if !governed(s, e, &out) {
		return s, out
	}
	next := advance(s, e)
	out.Status = StatusApplied
	out.Reason = fmt.Sprintf("recovered: %d commit(s) quarantined, the verified state resumes", len(e.Quarantine))
	return next, out
}

// governed judges a rules or recover entry under the governance policy of
// the rules in force (s's, before the entry), so nobody grants themselves
// rights in the same change. It fills out's policy, status and reason and
// reports whether the policy is satisfied.
func governed(s State, e Entry, out *Outcome) bool {
	old := s.rules
	if _, ok := old.Identity(e.Signer); !ok {
		out.Status, out.Reason = StatusRefused, fmt.Sprintf("proposer %q is not an identity in writ.yaml", e.Signer)
		return false
	}
	pol, ok := old.Policy(old.Config.Governance.Policy)
	if !ok {
		out.Status, out.Reason = StatusRefused, fmt.Sprintf("governance policy %q does not exist", old.Config.Governance.Policy)
		return false
	}
	res := policies.Evaluate(policies.Facts{
		Policy: *pol, Identities: withGrants(old, e.Grants), Author: e.Signer, CoAuthors: e.CoAuthors,
		Subject: e.Subject, Plan: planDigest(s, e), Inputs: e.Proposal.Inputs, Materiality: schemas.MaterialityHigh,
		ChangedFiles: e.ChangedFiles, Decisions: e.Decisions,
	})
	out.Policy = &res
	if res.Status != policies.StatusSatisfied {
		out.Status = StatusWaiting
		if res.Status == policies.StatusBlocked {
			out.Status = StatusRefused
		}
		out.Reason = "governance policy " + pol.Name + ": " + res.Description
		return false
	}
	return true
}
