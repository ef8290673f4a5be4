package core

import (
	"fmt"
	"slices"

	"github.com/writ-dev/writ/schemas"
)

// A timeout entry (KindTimeout) records that a proposal waited for a human
// longer than its transition, or else its policy, allows (timeout, with
// on_timeout: reject, or on a transition the name of another transition):
// the proposal is rejected by the clock. With on_timeout naming a
// transition, the instance moves along that transition (to its state,
// regions at their initial states) instead of staying or following
// on_reject; that transition's own guards and policy are not judged: the
// workflow's author chose it as what the clock does. It closes
// the proposal like a reject entry (one parent, the proposal file added
// to main, its commits kept under the rejected ref) and has the same
// effect: the idem_key is consumed as "rejected" and the instance stays,
// or moves to the transition's on_reject state.
//
// Apply accepts it only when, against the state it lands on: the
// proposal's wait is recorded (at Entry.Path, for the same content, idem
// key and instance); the rules in force declare a timeout for it; the
// entry's clock is at least the wait's start plus that duration (both
// wall-clock milliseconds of entries' HLCs, so replay checks the deadline
// from the log alone); and the proposal, without decisions, still waits
// for a human (valid, not stale, its policy pending). So the reconciler's
// key cannot reject a proposal by the clock before its time, or one that
// never waited.

// Deadline returns when wait w times out under the rules in force, and
// what declares the timeout ("transition ship", "policy release-approval");
// ok is false when nothing declares one (or the workflow or transition is
// gone). It is pure.
func Deadline(rules *schemas.Bundle, w Wait) (at HLC, by string, ok bool) {
	ms, _, by, ok := timeoutFor(rules, w.Workflow, w.Transition)
	if !ok {
		return HLC{}, "", false
	}
	return HLC{Wall: w.Since.Wall + ms}, by, true
}

// DeadlineOf is Deadline with what happens then: the on_timeout in force
// ("reject" or a transition's name). It is pure.
func DeadlineOf(rules *schemas.Bundle, w Wait) (at HLC, by, onTimeout string, ok bool) {
	ms, on, by, ok := timeoutFor(rules, w.Workflow, w.Transition)
	if !ok {
		return HLC{}, "", "", false
	}
	return HLC{Wall: w.Since.Wall + ms}, by, on, true
}

// timeoutFor resolves the timeout of transition name of workflow wf, in
// milliseconds, with its on_timeout and what declares it.
func timeoutFor(rules *schemas.Bundle, workflow, name string) (int64, string, string, bool) {
	if rules == nil {
		return 0, "", "", false
	}
	wf, ok := rules.Workflow(workflow)
	if !ok {
		return 0, "", "", false
	}
	tr, ok := wf.Transition(name)
	if !ok {
		return 0, "", "", false
	}
	var pol *schemas.Policy
	if name := policyFor(wf, tr); name != "" {
		pol, _ = rules.Policy(name)
	}
	d, on, by, ok := schemas.TimeoutOf(tr, pol)
	return d.Milliseconds(), on, by, ok
}

// TimeoutEntry returns the timeout entry of the proposal whose wait entry
// was w: the proposal as it waits, without decisions, at hlc.
func TimeoutEntry(wait Entry, hlc HLC) Entry {
	e := wait
	e.Kind, e.HLC, e.Decisions, e.Rules, e.Quarantine = KindTimeout, hlc, nil, nil, nil
	return e
}

// applyTimeout applies a timeout entry (see the comment at the top).
func applyTimeout(s State, e Entry) (State, Outcome, error) {
	p := e.Proposal
	switch {
	case s.rules == nil:
		return s, refuse("no rules in force: the log has no genesis entry"), nil
	case p == nil:
		return s, refuse("timeout entry carries no proposal"), nil
	case len(e.Decisions) > 0:
		return s, refuse("a timeout entry records no decisions, this one records %d", len(e.Decisions)), nil
	}
	w, ok := s.WaitOf(e.Path)
	switch {
	case !ok:
		return s, refuse("no wait is recorded for %q: only a proposal recorded as waiting times out", e.Path), nil
	case w.Content != e.Subject.Content || w.IdemKey != p.IdemKey || w.Instance != p.Instance:
		return s, refuse("the wait recorded for %s is for other content (%s, idem_key %q): this proposal never waited", e.Path, w.Content, w.IdemKey), nil
	}
	ms, onTimeout, by, ok := timeoutFor(s.rules, p.Workflow, p.Transition)
	if !ok {
		return s, refuse("neither transition %s nor its policy declares a timeout", p.Transition), nil
	}
	wf, _ := s.rules.Workflow(p.Workflow)
	to, named := schemas.TimedOutTo(wf, onTimeout)
	if !named && onTimeout != schemas.OnTimeoutReject {
		return s, refuse("%s declares on_timeout %q, which is neither reject nor a transition of workflow %s", by, onTimeout, p.Workflow), nil
	}
	deadline := HLC{Wall: w.Since.Wall + ms}
	if e.HLC.Wall < deadline.Wall {
		return s, refuse("not timed out: %s waits since %s, and the %s timeout of %s passes at %s, after the entry's clock %s",
			e.Path, w.Since.UTC(), formatMillis(ms), by, deadline.UTC(), e.HLC.UTC()), nil
	}
	t := e
	t.Kind = KindTransition
	_, judged, err := applyTransition(s, t, false)
	if err != nil {
		return s, Outcome{}, err
	}
	if judged.Status != StatusWaiting {
		judged.Status, judged.Reason = StatusRefused, fmt.Sprintf("the proposal does not wait for a human: %s: %s", judged.Status, judged.Reason)
		return s, judged, nil
	}
	cur, exists, err := s.lookup(bucketOf(p.Instance), p.Instance)
	if err != nil {
		return s, Outcome{}, err
	}
	out := judged
	why := fmt.Sprintf("timed out: waited since %s, longer than the %s timeout of %s; on_timeout: %s",
		w.Since.UTC(), formatMillis(ms), by, onTimeout)
	next := advance(s, e)
	out.Status = StatusRejected
	if !exists {
		// A proposal that would create its instance: the file the entry
		// adds to main closes it, as for a withdrawal.
		out.Reason, out.InstancePost = why, schemas.BaseStateNone
		return next.endWaits(p.Instance, p.IdemKey, out.InstancePre, out.InstancePost), out, nil
	}
	ctx, _, reason := resolve(s.rules, cur.inst, t, nil)
	if reason != "" {
		return s, refuse("%s", reason), nil
	}
	moved := cur.inst.clone()
	out.Reason = why + "; instance stays in " + moved.State
	if named {
		// on_timeout: <transition>: the instance moves along it instead
		// (validation makes it fire from every state the timed-out one
		// does; the reducer checks the state it is in now).
		if to.Region != "" || !slices.Contains(to.From, cur.inst.State) {
			return s, refuse("on_timeout transition %s does not fire from %s, the state of instance %s", to.Name, cur.inst.State, p.Instance), nil
		}
		tctx := ctx
		tctx.tr = to
		moved = move(tctx, p)
		out.Reason = why + ": " + cur.inst.State + " → " + moved.State
	} else if ctx.tr.OnReject != "" {
		moved = rejectMove(ctx, p)
		out.Reason = why + "; on_reject: " + cur.inst.State + " → " + moved.State
	}
	store := func(in *Instance) stored { return newStored(in, cur.keys.with(p.IdemKey, string(StatusRejected))) }
	return settle(next, e, moved, store, &out), out, nil
}
