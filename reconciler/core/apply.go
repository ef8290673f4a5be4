package core

import (
	"fmt"
	"sort"
	"strings"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// Apply folds one entry into the state. It is pure and total: no clock, no
// I/O, no map-order dependence, no panics on any entry; the same (state,
// entry) always gives the same (state', outcome). When the outcome's status
// does not change the state (duplicate, stale, waiting, refused) the
// returned state is s itself.
//
// The error is not a verdict on the entry: it means s lacks what Apply
// needs to judge it, a bucket of a state restored from a snapshot that was
// not restored (a *MissingBucketError, naming the instance and the bucket
// file; s.Needs(e) lists such buckets beforehand). The state is then
// returned unchanged with a zero Outcome; restore the bucket and apply
// again.
func Apply(s State, e Entry) (State, Outcome, error) {
	if e.Trigger != nil && e.Kind != KindTransition {
		return s, refuse("a %s entry records no source trigger (Writ-Trigger); only a transition entry does", e.Kind), nil
	}
	switch e.Kind {
	case KindGenesis, KindRules:
		next, out := applyRules(s, e)
		return next, out, nil
	case KindRecover:
		next, out := applyRecover(s, e)
		return next, out, nil
	case KindWithdraw:
		next, out, err := applyWithdraw(s, e)
		if err != nil {
			return s, Outcome{}, fmt.Errorf("apply %s entry %q: %w", e.Kind, e.IdemKey, err)
		}
		return next, out, nil
	case KindTimeout:
		next, out, err := applyTimeout(s, e)
		if err != nil {
			return s, Outcome{}, fmt.Errorf("apply %s entry %q: %w", e.Kind, e.IdemKey, err)
		}
		return next, out, nil
	case KindEscalate:
		next, out, err := applyEscalate(s, e)
		if err != nil {
			return s, Outcome{}, fmt.Errorf("apply %s entry %q: %w", e.Kind, e.IdemKey, err)
		}
		return next, out, nil
	case KindWait:
		next, out, err := applyWait(s, e)
		if err != nil {
			return s, Outcome{}, fmt.Errorf("apply %s entry %q: %w", e.Kind, e.IdemKey, err)
		}
		return next, out, nil
	case KindGoal:
		next, out, err := applyGoal(s, e)
		if err != nil {
			return s, Outcome{}, fmt.Errorf("apply %s entry %q: %w", e.Kind, e.IdemKey, err)
		}
		return next, out, nil
	case KindReject:
		if IsGoalAction(s.rules, e.Proposal) {
			next, out, err := applyGoal(s, e)
			if err != nil {
				return s, Outcome{}, fmt.Errorf("apply %s entry %q: %w", e.Kind, e.IdemKey, err)
			}
			return next, out, nil
		}
		if e.Proposal != nil && e.Proposal.Instance == schemas.RulesInstance {
			next, out := applyGovernedReject(s, e)
			return next, out, nil
		}
		fallthrough
	case KindTransition:
		next, out, err := applyTransition(s, e, false)
		if err != nil {
			return s, Outcome{}, fmt.Errorf("apply %s entry %q: %w", e.Kind, e.IdemKey, err)
		}
		return next, out, nil
	default:
		return s, refuse("unknown entry kind %q", e.Kind), nil
	}
}

func refuse(format string, args ...any) Outcome {
	return Outcome{Status: StatusRefused, Reason: fmt.Sprintf(format, args...)}
}

// advance records the entry in the clock and entry count.
func advance(s State, e Entry) State {
	s.clock = e.Stamp()
	s.entries++
	return s
}

// checkClock refuses entries that do not move the clock forward.
func checkClock(s State, e Entry) (GuardResult, bool) {
	if s.entries > 0 && e.Stamp().Compare(s.clock) <= 0 {
		return GuardResult{Name: GuardClock, Detail: fmt.Sprintf("stamp %s is not after the last entry's %s", e.Stamp(), s.clock)}, false
	}
	// Written without fmt: this detail is built for every entry.
	var buf [256]byte
	d := append(buf[:0], "stamp "...)
	d = e.Stamp().appendText(d)
	d = append(d, " after "...)
	d = s.clock.appendText(d)
	return GuardResult{Name: GuardClock, Passed: true, Detail: string(d)}, true
}

func applyRules(s State, e Entry) (State, Outcome) {
	if e.Rules == nil {
		return s, refuse("%s entry carries no rules", e.Kind)
	}
	if e.Kind == KindGenesis && s.entries > 0 {
		return s, refuse("genesis entry after %d entries: the log already has rules", s.entries)
	}
	if e.Kind == KindRules && s.rules == nil {
		return s, refuse("rules entry before genesis")
	}
	g, ok := checkClock(s, e)
	out := Outcome{Guards: []GuardResult{g}}
	if !ok {
		out.Status, out.Reason = StatusRefused, g.Detail
		return s, out
	}
	if e.Kind == KindRules {
		// Optimistic concurrency on the rules: the change must be based on
		// the rules in force.
		switch {
		case e.Proposal == nil:
			out.Status, out.Reason = StatusRefused, "rules entry carries no proposal"
			return s, out
		case e.Proposal.BaseState != s.rulesHash:
			out.Status = StatusStale
			out.Reason = fmt.Sprintf("base_state %s is not the rules in force %s; rebase the change on main and propose again", e.Proposal.BaseState, s.rulesHash)
			return s, out
		}
		// Governance: judged by the rules in force before the change, so
		// nobody grants themselves rights in the same change.
		if !governed(s, e, &out) {
			return s, out
		}
	}
	hash, err := HashRules(e.Rules)
	if err != nil {
		return s, refuse("rules do not encode: %v", err)
	}
	next := advance(s, e)
	next.rules = e.Rules
	next.rulesHash = hash
	next.versions = newVersionMemo()
	out.Status, out.Reason = StatusApplied, "rules "+next.rulesHash+" in force"
	if e.Kind == KindRules {
		var voided []string
		next.waits, voided = next.waits.voidChangedSteps(s.rules, e.Rules)
		if len(voided) > 0 {
			out.Reason += "; escalation steps the new rules declare otherwise are void for " + strings.Join(voided, ", ")
		}
	}
	return next, out
}

// transitionContext is what applyTransition resolved about an entry.
type transitionContext struct {
	wf   *schemas.Workflow
	tr   *schemas.Transition
	inst *Instance // nil when the transition creates the instance
	who  schemas.Identity
}

// applyTransition applies a transition or reject entry. With
// rejectBlocked (Judge), a transition its policy blocks is recorded as a
// rejection when it can be: e becomes a reject entry from there on. The
// policy's result needs no second evaluation: it is blocked and no
// override stands, so Overridable changed nothing in it (an override that
// is not allowed fails an earlier check first; see policies).
func applyTransition(s State, e Entry, rejectBlocked bool) (State, Outcome, error) {
	p := e.Proposal
	switch {
	case s.rules == nil:
		return s, refuse("no rules in force: the log has no genesis entry"), nil
	case p == nil:
		return s, refuse("%s entry carries no proposal", e.Kind), nil
	case p.IdemKey == "" || p.IdemKey != e.IdemKey:
		return s, refuse("entry idem_key %q does not match proposal idem_key %q", e.IdemKey, p.IdemKey), nil
	case p.Instance == "":
		return s, refuse("proposal names no instance"), nil
	case IsGoalAction(s.rules, p):
		return s, refuse("%q is a goal: its actions are goal entries, not %s entries", p.Workflow, e.Kind), nil
	case e.Trigger != nil:
		if err := schemas.CheckSourceTrigger(*e.Trigger); err != nil {
			return s, refuse("source trigger (Writ-Trigger): %v", err), nil
		}
	}
	// The bucket and the stored instance are looked up once per entry.
	b := bucketOf(p.Instance)
	cur, exists, err := s.lookup(b, p.Instance)
	if err != nil {
		return s, Outcome{}, err
	}
	var inst *Instance
	out := Outcome{InstancePre: schemas.BaseStateNone}
	if exists && cur.goal != nil {
		// A goal's lineage moves by goal entries only, whatever workflow
		// the rules may since have named like its goal.
		return s, refuse("instance %s is a lineage of goal %q: it moves by goal actions only", p.Instance, cur.inst.Workflow), nil
	}
	if exists {
		inst, out.InstancePre = cur.inst, cur.hash
		if how, done := cur.keys.find(p.IdemKey); done {
			out.Status = StatusDuplicate
			out.Reason = fmt.Sprintf("idem_key %q was already %s on instance %s; nothing to do", p.IdemKey, how, p.Instance)
			return s, out, nil
		}
	}
	g, ok := checkClock(s, e)
	// Room for the clock, transition, capability, from and join guards, an
	// input guard and an override, so appends do not reallocate.
	out.Guards = append(make([]GuardResult, 0, 7), g)
	if !ok {
		out.Status, out.Reason = StatusRefused, g.Detail
		return s, out, nil
	}
	if p.BaseState != out.InstancePre {
		out.Status = StatusStale
		out.Reason = fmt.Sprintf("base_state %s is not instance %s's current state %s; re-read the instance and propose again", p.BaseState, p.Instance, out.InstancePre)
		return s, out, nil
	}
	ctx, guards, reason := resolve(s.rules, inst, e, out.Guards)
	out.Guards = guards
	if reason != "" {
		out.Status, out.Reason = StatusRefused, reason
		return s, out, nil
	}
	// A transition's windows and freezes hold it (it waits) outside its
	// time; a rejection is never held.
	var clock schemas.WindowVerdict
	held := false
	if times := ctx.wf.TimesOf(ctx.tr); e.Kind == KindTransition && times.Timed() {
		clock = schemas.JudgeWindows(times, e.HLC.Wall)
		switch {
		case clock.Bad != "":
			out.Guards = append(out.Guards, GuardResult{Name: GuardWindow, Detail: clock.Bad})
			out.Status, out.Reason = StatusRefused, GuardWindow+": "+clock.Bad
			return s, out, nil
		case clock.Open:
			out.Guards = append(out.Guards, GuardResult{Name: GuardWindow, Passed: true, Detail: clock.Detail})
		default:
			held = true
		}
	}
	facts := func(pol *schemas.Policy) policies.Facts {
		return policies.Facts{
			Policy: *pol, Identities: withGrants(s.rules, e.Grants), Author: e.Signer, CoAuthors: e.CoAuthors,
			Subject: e.Subject, Plan: planDigest(s, e), Inputs: p.Inputs,
			Materiality:  ctx.tr.Materiality.Max(p.Materiality),
			ChangedFiles: e.ChangedFiles, Decisions: e.Decisions,
			Overridable: e.Kind == KindTransition, Held: held,
			Escalated: s.escalatedFor(p, e),
		}
	}
	// overridden records the break-glass override that lifts the hold.
	overridden := func(v *policies.Vote) {
		out.Guards = append(out.Guards, GuardResult{Name: GuardWindow, Passed: true,
			Detail: clock.Detail + "; window overridden by " + v.Identity + ": " + v.Reason})
		out.Override = v.Identity
		held = false
	}
	policyName := policyFor(ctx.wf, ctx.tr)
	if policyName != "" {
		pol, ok := s.rules.Policy(policyName)
		if !ok {
			out.Status, out.Reason = StatusRefused, fmt.Sprintf("policy %q does not exist", policyName)
			return s, out, nil
		}
		// The policy judges every decision, overrides included: one that
		// does not count is listed in res.Ignored and changes nothing.
		res := policies.Evaluate(facts(pol))
		out.Policy = &res
		if held && res.Override != nil {
			overridden(res.Override)
		}
		if e.Kind == KindTransition && res.Status != policies.StatusSatisfied && res.Override != nil {
			out.Guards = append(out.Guards, GuardResult{Name: "override", Passed: true,
				Detail: fmt.Sprintf("break-glass by %s: %s", res.Override.Identity, res.Override.Reason)})
			out.Override = res.Override.Identity
		} else if e.Kind == KindReject {
			if res.Status != policies.StatusBlocked {
				out.Status, out.Reason = StatusRefused, "reject entry without a rejection by an eligible approver: policy is "+string(res.Status)
				return s, out, nil
			}
		} else if rejectBlocked && res.Status == policies.StatusBlocked && ctx.inst != nil {
			e.Kind = KindReject
			held = false
		} else if res.Status != policies.StatusSatisfied {
			out.Status = StatusWaiting
			if res.Status == policies.StatusBlocked {
				out.Status = StatusRefused
			}
			out.Reason = "policy " + pol.Name + ": " + res.Description
			if held && res.Status != policies.StatusBlocked {
				out.Guards = append(out.Guards, GuardResult{Name: GuardWindow, Detail: clock.Detail})
				out.Reason = GuardWindow + ": " + clock.Detail + "; " + out.Reason
			}
			return s, out, nil
		}
	} else if e.Kind == KindReject {
		out.Status, out.Reason = StatusRefused, "reject entry for a transition that has no approval policy"
		return s, out, nil
	} else if held {
		// No policy judges the transition, but an override may still lift
		// its window: the overrides are judged as a policy without rules.
		if res := policies.Evaluate(facts(&schemas.Policy{})); res.Override != nil {
			overridden(res.Override)
		}
	}
	if held {
		out.Guards = append(out.Guards, GuardResult{Name: GuardWindow, Detail: clock.Detail})
		out.Status, out.Reason = StatusWaiting, GuardWindow+": "+clock.Detail
		return s, out, nil
	}
	if ctx.inst == nil && e.Kind == KindReject {
		out.Status, out.Reason = StatusRefused, "cannot record a rejection for instance "+p.Instance+" that does not exist"
		return s, out, nil
	}
	next := advance(s, e)
	var moved *Instance
	how := StatusApplied
	if e.Kind == KindReject {
		moved, how = ctx.inst.clone(), StatusRejected
		out.Status, out.Reason = StatusRejected, "rejected by an eligible approver; instance stays in "+moved.State
		if to := ctx.tr.OnReject; to != "" {
			moved = rejectMove(ctx, p)
			out.Reason = "rejected by an eligible approver; on_reject: " + ctx.inst.State + " → " + moved.State
		}
	} else {
		moved = move(ctx, p)
		out.Status, out.Reason = StatusApplied, describeMove(ctx, moved)
		if out.Override != "" {
			out.Reason = "OVERRIDE by " + out.Override + ": " + out.Reason
		}
	}
	if len(p.Cost) > 0 {
		// What the proposal cost counts whether it applied or was
		// rejected: the work was done either way. A cost the instance
		// cannot hold refuses an apply, but never a rejection: an
		// eligible "no" always closes the proposal, and its cost is then
		// left out (the reason says so).
		sum, err := schemas.SumCosts(moved.Cost, p.Cost)
		switch {
		case err == nil:
			moved.Cost = sum
		case e.Kind == KindReject:
			out.Reason += "; its cost is not counted: " + err.Error()
		default:
			out.Status, out.Reason = StatusRefused, "cost: "+err.Error()
			return s, out, nil
		}
	}
	if moved.Trigger == nil && e.Kind != KindReject {
		// The proposal's own trigger wins over its source's; the first
		// trigger an instance records stays.
		if tr := p.Trigger; tr != nil {
			moved.Trigger = &schemas.Trigger{Kind: tr.Kind, Ref: tr.Ref, URL: tr.URL}
		} else if tr := e.Trigger; tr != nil {
			moved.Trigger = &schemas.Trigger{Kind: tr.Kind, Ref: tr.Ref, URL: tr.URL}
		}
	}
	return settle(next, e, moved, func(in *Instance) stored { return newStored(in, cur.keys.with(p.IdemKey, string(how))) }, &out), out, nil
}

// settle stores an instance that entry e moved, or on which it closed a
// proposal, into next: moved's version and update clock advance to e's,
// store builds its record (with the entry's key consumed), the waits the
// entry ends end (endWaits), and out records the instance's new hash.
// Every entry that stores an instance ends this way.
func settle(next State, e Entry, moved *Instance, store func(*Instance) stored, out *Outcome) State {
	moved.Version++
	moved.Updated = e.HLC
	st := store(moved)
	out.InstancePost = st.hash
	p := e.Proposal
	return next.with(bucketOf(p.Instance), st).endWaits(p.Instance, p.IdemKey, out.InstancePre, st.hash)
}

// policyFor names the approval policy a transition needs, "" for none.
func policyFor(wf *schemas.Workflow, tr *schemas.Transition) string {
	switch tr.Name {
	case schemas.QuarantineTransition:
		return wf.Quarantine.Policy
	case schemas.ReleaseTransition:
		return wf.Quarantine.ReleasePolicy
	}
	return tr.Policy
}

// move returns the instance after the transition, without its keys (see
// stored).
func move(ctx transitionContext, p *schemas.Proposal) *Instance {
	var next *Instance
	if ctx.inst == nil {
		next = &Instance{ID: p.Instance, Workflow: ctx.wf.Name, Owner: p.Owner}
	} else {
		next = ctx.inst.clone()
	}
	switch ctx.tr.Name {
	case schemas.QuarantineTransition:
		next.Resume = &Resume{State: next.State, Regions: next.Regions}
		next.State, next.Regions = schemas.QuarantinedState, nil
		return next
	case schemas.ReleaseTransition:
		next.State, next.Regions, next.Resume = next.Resume.State, next.Resume.Regions, nil
		return next
	}
	if ctx.tr.Region != "" {
		next.Regions[ctx.tr.Region] = ctx.tr.To
		return next
	}
	next.State, next.Regions = ctx.tr.To, nil
	if st, ok := ctx.wf.State(ctx.tr.To); ok && len(st.Regions) > 0 {
		next.Regions = make(map[string]string, len(st.Regions))
		for _, r := range st.Regions {
			next.Regions[r.Name] = r.Initial
		}
	}
	return next
}

// describeMove is the reason of an applied transition (without fmt: it is
// built for every applied entry).
func describeMove(ctx transitionContext, next *Instance) string {
	if ctx.tr.Region != "" {
		return ctx.tr.Name + ": region " + ctx.tr.Region + " now " + ctx.tr.To
	}
	if ctx.inst == nil {
		return ctx.tr.Name + ": created " + next.ID + " in " + next.State
	}
	return ctx.tr.Name + ": " + ctx.inst.State + " → " + next.State
}

// sortedKeys returns a map's keys in order, so loops never depend on map
// iteration order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// withGrants returns the rules' identities with the entry's role grants
// added, keeping only grants the rules justify: the role is mapped to the
// grant's team in github.role_teams. Identities are copied, never changed.
func withGrants(rules *schemas.Bundle, grants []RoleGrant) []schemas.Identity {
	ids := rules.Config.Identities
	if len(grants) == 0 || rules.Config.GitHub == nil {
		return ids
	}
	out := make([]schemas.Identity, len(ids))
	copy(out, ids)
	for _, g := range grants {
		if !containsString(rules.Config.GitHub.RoleTeams[g.Role], g.Source) {
			continue
		}
		for i := range out {
			if out[i].Name == g.Identity && !out[i].HasRole(g.Role) {
				out[i].Roles = append(append([]string(nil), out[i].Roles...), g.Role)
			}
		}
	}
	return out
}
