package core

import (
	"fmt"
	"slices"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// KindGoal applies one goal action (schemas.GoalTransitions) to a lineage:
// start one, complete a task, declare, confirm, refute or resolve a block.
// See applyGoal.
const KindGoal EntryKind = "goal"

// The states of a lineage's instance record.
const (
	LineageActive = "active"
	LineageDone   = "done"
)

// IsGoalAction reports whether p is a goal action under rules: its
// workflow names a goal (goal and workflow names share one namespace).
func IsGoalAction(rules *schemas.Bundle, p *schemas.Proposal) bool {
	if rules == nil || p == nil {
		return false
	}
	_, ok := rules.Goal(p.Workflow)
	return ok
}

// goalRun is what applyGoal resolved about an entry.
type goalRun struct {
	s   State
	e   Entry
	p   *schemas.Proposal
	g   *schemas.Goal
	who schemas.Identity
	lin lineage
	out Outcome
	b   byte
	cur stored
}

// applyGoal applies a goal entry. Like applyTransition it checks the
// clock, the idem_key and the proposer, then the action's own rules; a
// goal action is never stale (its base_state is not compared): the block
// state is a set every order of the same events folds alike, and each
// action is checked against the lineage as it stands.
func applyGoal(s State, e Entry) (State, Outcome, error) {
	p := e.Proposal
	switch {
	case s.rules == nil:
		return s, refuse("no rules in force: the log has no genesis entry"), nil
	case p == nil:
		return s, refuse("goal entry carries no proposal"), nil
	case p.IdemKey == "" || p.IdemKey != e.IdemKey:
		return s, refuse("entry idem_key %q does not match proposal idem_key %q", e.IdemKey, p.IdemKey), nil
	case p.Instance == "":
		return s, refuse("goal action names no lineage (instance)"), nil
	}
	g, ok := s.rules.Goal(p.Workflow)
	if !ok {
		return s, refuse("goal %q does not exist", p.Workflow), nil
	}
	r := &goalRun{s: s, e: e, p: p, g: g, b: bucketOf(p.Instance)}
	cur, exists, err := s.lookup(r.b, p.Instance)
	if err != nil {
		return s, Outcome{}, err
	}
	r.cur, r.out.InstancePre = cur, schemas.BaseStateNone
	if exists {
		r.out.InstancePre = cur.hash
		if cur.goal == nil {
			// Not a lineage: check refuses it below; its keys are not ours.
		} else if k, done := cur.goal.keys.get(goalKey(e)); done {
			how := k.how
			r.out.Status = StatusDuplicate
			r.out.Reason = fmt.Sprintf("idem_key %q was already %s on lineage %s; nothing to do", p.IdemKey, how, p.Instance)
			return s, r.out, nil
		}
	}
	gr, ok := checkClock(s, e)
	r.out.Guards = append(make([]GuardResult, 0, 6), gr)
	if !ok {
		r.out.Status, r.out.Reason = StatusRefused, gr.Detail
		return s, r.out, nil
	}
	if reason := r.check(exists); reason != "" {
		r.out.Status, r.out.Reason = StatusRefused, reason
		return s, r.out, nil
	}
	if exists {
		r.lin = *cur.goal
	}
	if e.Kind == KindReject {
		return r.reject()
	}
	var reason string
	switch p.Transition {
	case schemas.GoalStart:
		reason = r.start()
	case schemas.GoalComplete:
		reason = r.complete()
	case schemas.GoalDeclareBlock:
		reason = r.declare()
	case schemas.GoalConfirmBlock:
		reason = r.vote(true)
	case schemas.GoalRefuteBlock:
		reason = r.vote(false)
	case schemas.GoalResolveBlock:
		reason = r.resolveBlock()
	}
	if reason != "" {
		r.out.Status, r.out.Reason = StatusRefused, reason
		return s, r.out, nil
	}
	if !r.policy() {
		return s, r.out, nil
	}
	return r.commit(), r.out, nil
}

// guard records a passed guard or fails with its detail as the reason.
func (r *goalRun) guard(name string, passed bool, format string, args ...any) string {
	d := fmt.Sprintf(format, args...)
	r.out.Guards = append(r.out.Guards, GuardResult{Name: name, Passed: passed, Detail: d})
	if passed {
		return ""
	}
	return d
}

// check runs the guards every goal action shares: the action exists, the
// lineage exists (or not, for start) and runs this goal, the proposer is
// an identity holding a capability for the action at the goal's minimum
// trust level, and an ended lineage takes only refutations and
// resolutions.
func (r *goalRun) check(exists bool) string {
	p := r.p
	action, ok := schemas.GoalActionOf(p.Transition)
	if !ok {
		return r.guard(GuardTransition, false, "goal %s has no action %q (actions: %v)", r.g.Name, p.Transition, schemas.GoalTransitions())
	}
	r.guard(GuardTransition, true, "goal action %s", p.Transition)
	switch {
	case p.Transition == schemas.GoalStart && exists:
		return r.guard(GuardWorkflow, false, "lineage %s already exists: start a new lineage under another id", p.Instance)
	case p.Transition != schemas.GoalStart && !exists:
		return r.guard(GuardWorkflow, false, "lineage %s does not exist: start it first (transition %s)", p.Instance, schemas.GoalStart)
	case exists && r.cur.goal == nil:
		return r.guard(GuardWorkflow, false, "instance %s runs workflow %q; it is not a lineage of goal %q", p.Instance, r.cur.inst.Workflow, r.g.Name)
	case exists && r.cur.inst.Workflow != r.g.Name:
		return r.guard(GuardWorkflow, false, "lineage %s works toward goal %q, not %q", p.Instance, r.cur.inst.Workflow, r.g.Name)
	case p.Transition == schemas.GoalStart && p.BaseState != schemas.BaseStateNone:
		return r.guard(GuardWorkflow, false, "start creates lineage %s, so base_state must be %q", p.Instance, schemas.BaseStateNone)
	}
	who, guard, why := goalProposer(r.s.rules, r.g, action, r.e.Signer)
	if why != "" {
		return r.guard(guard, false, "%s", why)
	}
	r.who = who
	// A vote below the minimum is recorded and does not count (see vote);
	// any other action below it is refused.
	if min := r.g.MinTrust(action); min > 0 && who.TrustLevel < min && action != schemas.ActionConfirm && action != schemas.ActionRefute {
		return r.guard(GuardCapability, false, "%s", trustShort(who, min, "goal "+r.g.Name+"'s minimum to "+string(action)))
	}
	r.guard(GuardCapability, true, "%s may %s on goal %s", who.Name, action, r.g.Name)
	if exists && r.cur.goal.done() && action != schemas.ActionRefute && action != schemas.ActionResolve {
		return r.guard(GuardFrom, false, "lineage %s ended when its terminal task completed at %s; only refutations and resolutions of its open blocks are taken", p.Instance, r.cur.goal.ended)
	}
	return ""
}

// goalProposer returns the identity signer is, or the guard it fails and
// why: it is not an identity in writ.yaml, or holds none of the
// capabilities goal g requires for action. Applying a goal action and
// withdrawing one both ask it.
func goalProposer(rules *schemas.Bundle, g *schemas.Goal, action schemas.GoalAction, signer string) (schemas.Identity, string, string) {
	who, ok := rules.Identity(signer)
	if !ok {
		return who, GuardIdentity, fmt.Sprintf("proposer %q is not an identity in writ.yaml", signer)
	}
	if caps := g.Capabilities.For(action); !slices.ContainsFunc(caps, who.HasCapability) {
		return who, GuardCapability, fmt.Sprintf("%s holds none of the capabilities goal %s requires to %s: %v", who.Name, g.Name, action, caps)
	}
	return who, "", ""
}

// trustShort explains why who's trust level does not reach min.
func trustShort(who schemas.Identity, min int, of string) string {
	if who.TrustLevel == 0 {
		return fmt.Sprintf("%s has no trust level; %s is %d", who.Name, of, min)
	}
	return fmt.Sprintf("%s's trust level %d is below %s, %d", who.Name, who.TrustLevel, of, min)
}

// policy judges a declaration or a resolution by the goal's policy, when
// it names one; it reports whether the action may apply (else r.out says
// why it waits or is refused).
func (r *goalRun) policy() bool {
	if r.g.Policy == "" || (r.p.Transition != schemas.GoalDeclareBlock && r.p.Transition != schemas.GoalResolveBlock) {
		return true
	}
	pol, ok := r.s.rules.Policy(r.g.Policy)
	if !ok {
		r.out.Status, r.out.Reason = StatusRefused, fmt.Sprintf("goal %s names policy %q, which does not exist", r.g.Name, r.g.Policy)
		return false
	}
	res := policies.Evaluate(policies.Facts{
		Policy: *pol, Identities: withGrants(r.s.rules, r.e.Grants), Author: r.e.Signer, CoAuthors: r.e.CoAuthors,
		// A goal's policy judges at high materiality: the proposer does
		// not choose whether a rule on materiality applies.
		Subject: r.e.Subject, Plan: planDigest(r.s, r.e), Inputs: r.p.Inputs, Materiality: schemas.MaterialityHigh,
		ChangedFiles: r.e.ChangedFiles, Decisions: r.e.Decisions,
	})
	r.out.Policy = &res
	if res.Status == policies.StatusSatisfied {
		return true
	}
	r.out.Status = StatusWaiting
	if res.Status == policies.StatusBlocked {
		r.out.Status = StatusRefused
	}
	r.out.Reason = "policy " + pol.Name + ": " + res.Description
	return false
}

// reject records that an eligible approver of the goal's policy rejected
// a declaration or a resolution: the proposer's key is consumed as
// "rejected" and the lineage does not move otherwise. It is refused unless
// the policy is blocked by that rejection.
func (r *goalRun) reject() (State, Outcome, error) {
	if r.cur.goal == nil {
		r.out.Status, r.out.Reason = StatusRefused, "cannot record a rejection for lineage "+r.p.Instance+" that does not exist"
		return r.s, r.out, nil
	}
	if r.g.Policy == "" || (r.p.Transition != schemas.GoalDeclareBlock && r.p.Transition != schemas.GoalResolveBlock) {
		r.out.Status, r.out.Reason = StatusRefused, "reject entry for a goal action that needs no approval"
		return r.s, r.out, nil
	}
	if r.policy() || r.out.Policy == nil || r.out.Policy.Status != policies.StatusBlocked {
		r.out.Status, r.out.Reason = StatusRefused, "reject entry without a rejection by an eligible approver"
		return r.s, r.out, nil
	}
	next := r.commitAs(StatusRejected)
	r.out.Status, r.out.Reason = StatusRejected, "rejected by an eligible approver of policy "+r.g.Policy+"; lineage "+r.p.Instance+" does not move"
	return next, r.out, nil
}

// commit returns the state with the lineage and its instance record
// written, the idem_key consumed.
func (r *goalRun) commit() State {
	next := r.commitAs(StatusApplied)
	r.out.Status = StatusApplied
	return next
}

// commitAs writes the lineage with the proposer's key consumed as how.
func (r *goalRun) commitAs(how Status) State {
	next := advance(r.s, r.e)
	in := &Instance{ID: r.p.Instance, Workflow: r.g.Name, Owner: r.g.Owner, State: LineageActive}
	if r.cur.inst != nil {
		in = r.cur.inst.clone()
	}
	if r.lin.done() {
		in.State = LineageDone
	}
	in.Version++
	in.Updated = r.e.HLC
	lin := r.lin
	lin.keys = lin.keys.put(consumedKey{id: goalKey(r.e), how: string(how)}.sealed())
	st := newGoalStored(in, &lin)
	r.out.InstancePost = st.hash
	return next.with(r.b, st)
}

// goalKey is the key a goal entry consumes in its lineage: the idem_key
// as its proposer's, "<signer>/<idem_key>". A proposal is applied once,
// and no identity can spend another's key: one agent copying the key of
// another's vote (or of a declaration) cannot turn it into a duplicate.
func goalKey(e Entry) string { return e.Signer + "/" + e.IdemKey }

// newGoalStored returns a lineage's record: its instance and lineage,
// hashed together. A lineage keeps its consumed keys in its own table
// (lineage.keys), not in the instance's keys: it consumes one per action,
// tens of thousands in a long lineage, and a table changes and hashes one
// bucket per entry where the instance's sorted list would be copied and
// hashed whole.
func newGoalStored(in *Instance, lin *lineage) stored {
	return stored{inst: in, goal: lin, hash: lin.hash(hashStored(in, nil))}
}
