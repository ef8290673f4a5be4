package core

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// applyWithdraw applies a withdraw entry: it closes e.Proposal without
// applying it. Who may withdraw is decided here and nowhere else:
//
//   - first, the proposal must be one its proposer could have made (see
//     validProposer): for an instance, e.Signer is an identity holding
//     propose:<workflow> (override too for a release), the workflow is
//     the instance's and has the transition; for a rule change or
//     recovery, e.Signer is an identity. Otherwise the entry is refused
//     and nothing is consumed, so nobody closes another proposal's
//     idem_key by proposing with it and withdrawing;
//   - the proposer themself (e.Signer, the identity that signed the
//     proposal, human or agent): a withdraw decision by e.Signer on the
//     proposal's subject (its commit or content) suffices;
//   - otherwise governance: the withdraw decisions by others, counted as
//     approvals, must satisfy the governance policy of the rules in force,
//     with the proposer as author, with at least one counted approval
//     and every counted decider a human other than the reconciler
//     identity (countedHumans): a policy none of whose rules applies is
//     satisfied with no approval, and that withdraws nothing. So an agent
//     never withdraws what someone else proposed, a co-author counts only
//     where a rule allows the author, and the reconciler never withdraws
//     on its own (the entry needs signed decisions it records).
//
// A withdrawal on another commit with other content counts for nothing.
// The entry changes no rules and moves no instance. When the proposal's
// instance exists, its idem_key is consumed with status "withdrawn"
// (version and updated clock advance, as a rejection's do), and a key
// already consumed is a duplicate. A proposal that would create its
// instance, a rule change and a recovery consume nothing in the state:
// the proposal file the entry adds to main closes them. An instance
// proposal's base_state is not checked: a stale one may be withdrawn too.
// A rule change or recovery must be based on the rules in force (stale
// otherwise, and pruned as such): what its deciders bound to is the change
// it makes to main, which replay recomputes against main.
func applyWithdraw(s State, e Entry) (State, Outcome, error) {
	p := e.Proposal
	switch {
	case s.rules == nil:
		return s, refuse("no rules in force: the log has no genesis entry"), nil
	case p == nil:
		return s, refuse("withdraw entry carries no proposal"), nil
	case p.IdemKey == "" || p.IdemKey != e.IdemKey:
		return s, refuse("entry idem_key %q does not match proposal idem_key %q", e.IdemKey, p.IdemKey), nil
	case p.Instance == "":
		return s, refuse("proposal names no instance"), nil
	}
	var cur stored
	var inst *Instance
	exists := false
	out := Outcome{}
	if p.Instance != schemas.RulesInstance {
		b := bucketOf(p.Instance)
		var err error
		if cur, exists, err = s.lookup(b, p.Instance); err != nil {
			return s, Outcome{}, err
		}
		out.InstancePre = schemas.BaseStateNone
		if exists && (cur.goal != nil) != IsGoalAction(s.rules, p) {
			return s, refuse("instance %s and proposal %s disagree on whether it is a goal's lineage: nothing to withdraw", p.Instance, p.Workflow), nil
		}
		if exists && cur.goal != nil {
			inst, out.InstancePre = cur.inst, cur.hash
			if k, done := cur.goal.keys.get(goalKey(e)); done {
				out.Status = StatusDuplicate
				out.Reason = fmt.Sprintf("idem_key %q of %s was already %s on lineage %s; nothing to do", p.IdemKey, e.Signer, k.how, p.Instance)
				return s, out, nil
			}
		} else if exists {
			inst, out.InstancePre = cur.inst, cur.hash
			if how, done := cur.keys.find(p.IdemKey); done {
				out.Status = StatusDuplicate
				out.Reason = fmt.Sprintf("idem_key %q was already %s on instance %s; nothing to do", p.IdemKey, how, p.Instance)
				return s, out, nil
			}
		}
	}
	g, ok := checkClock(s, e)
	out.Guards = []GuardResult{g}
	if !ok {
		out.Status, out.Reason = StatusRefused, g.Detail
		return s, out, nil
	}
	if IsGoalAction(s.rules, p) {
		if !validGoalProposer(s, cur, exists, e, &out) {
			return s, out, nil
		}
	} else if p.Instance != schemas.RulesInstance && !validProposer(s, inst, e, &out) {
		return s, out, nil
	}
	if p.Instance == schemas.RulesInstance && p.BaseState != s.rulesHash {
		out.Status = StatusStale
		out.Reason = fmt.Sprintf("base_state %s is not the rules in force %s: the change can no longer apply, nothing to withdraw", p.BaseState, s.rulesHash)
		return s, out, nil
	}
	by, ok := withdrawnBy(s, e, &out)
	if !ok {
		return s, out, nil
	}
	next := advance(s, e)
	out.Status, out.Reason = StatusWithdrawn, "withdrawn by "+by
	if !exists {
		if out.InstancePre != "" {
			out.InstancePost = schemas.BaseStateNone // never created, and still not
		}
		return next.endWaits(p.Instance, p.IdemKey, out.InstancePre, out.InstancePost), out, nil
	}
	moved := cur.inst.clone()
	store := func(in *Instance) stored {
		if cur.goal != nil {
			lin := *cur.goal
			lin.keys = lin.keys.put(consumedKey{id: goalKey(e), how: string(StatusWithdrawn)}.sealed())
			return newGoalStored(in, &lin)
		}
		return newStored(in, cur.keys.with(p.IdemKey, string(StatusWithdrawn)))
	}
	next = settle(next, e, moved, store, &out)
	out.Reason += "; instance stays in " + moved.State
	return next, out, nil
}

// withdrawals returns e's withdraw decisions on its subject.
func withdrawals(e Entry) []policies.Decision {
	var out []policies.Decision
	for _, d := range e.Decisions {
		if d.Verdict != policies.VerdictWithdraw {
			continue
		}
		if d.Commit == e.Subject.Commit || (d.Content != "" && d.Content == e.Subject.Content) {
			out = append(out, d)
		}
	}
	return out
}

// withdrawnBy says who withdrew e's proposal ("its proposer NAME" or "the
// governance policy P: …") or, with false, fills out with the refusal.
func withdrawnBy(s State, e Entry, out *Outcome) (string, bool) {
	ws := withdrawals(e)
	if len(ws) == 0 {
		out.Status, out.Reason = StatusRefused, "withdraw entry without a withdrawal on the proposal commit "+e.Subject.Commit
		return "", false
	}
	if _, ok := s.rules.Identity(e.Signer); !ok {
		out.Status, out.Reason = StatusRefused, fmt.Sprintf("proposer %q is not an identity in writ.yaml", e.Signer)
		return "", false
	}
	var others []policies.Decision
	for _, d := range ws {
		if d.Identity == e.Signer {
			return "its proposer " + e.Signer, true
		}
		d.Verdict = policies.VerdictApprove
		others = append(others, d)
	}
	name := s.rules.Config.Governance.Policy
	pol, ok := s.rules.Policy(name)
	if !ok {
		out.Status, out.Reason = StatusRefused, fmt.Sprintf("withdrawal by %s: governance policy %q does not exist", names(others), name)
		return "", false
	}
	ids := withGrants(s.rules, e.Grants)
	res := policies.Evaluate(policies.Facts{
		Policy: *pol, Identities: ids, Author: e.Signer, CoAuthors: e.CoAuthors,
		Subject: e.Subject, Inputs: e.Proposal.Inputs, Materiality: schemas.MaterialityHigh,
		ChangedFiles: e.ChangedFiles, Decisions: others,
	})
	out.Policy = &res
	why := countedHumans(s.rules, ids, res)
	if res.Status != policies.StatusSatisfied {
		why = res.Description
		if why == "" {
			why = "the policy is " + string(res.Status)
		}
	}
	if why != "" {
		out.Status = StatusRefused
		out.Reason = fmt.Sprintf("withdrawal by %s does not count: only the proposer %s, or humans whose withdrawals count as approvals that satisfy the governance policy %s, may withdraw: %s",
			names(others), e.Signer, pol.Name, why)
		return "", false
	}
	return "the governance policy " + pol.Name + " (" + names(others) + ")", true
}

// names lists the deciders of ds, in order.
func names(ds []policies.Decision) string {
	n := make([]string, len(ds))
	for i, d := range ds {
		n[i] = d.Identity
	}
	return strings.Join(n, ", ")
}
