package core

import (
	"fmt"
	"slices"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// An escalate entry (KindEscalate) records that a proposal's recorded wait
// reached its next escalation step (escalate: on its transition, or else
// its policy): from then on, approvals from the step's roles and
// identities count under every rule of the policy (policies.Facts.Escalated),
// for this proposal content only. Like a wait entry it has one parent,
// main, adds no file, consumes nothing and changes no instance hash; it
// adds the step and the entry's clock to the wait (Wait.Escalated), which
// the state hash covers (a wait without steps hashes as before).
//
// Apply accepts it only when, against the state it lands on: the
// proposal's wait is recorded (at Entry.Path, for the same content, idem
// key and instance); the rules in force declare a step after those the
// wait reached (the step is always the next one: steps are taken in
// order, once each); the entry's clock is at least the wait's start plus
// that step's after (wall-clock milliseconds of entries' HLCs, so replay
// checks it from the log alone); and the proposal, without decisions,
// still waits for a human.
//
// A step counts only as the escalate entry that reached it named it: a
// rules entry that declares a reached step otherwise (another after,
// other roles or identities, or no such step) voids it and every later
// step of that wait (waitTable.voidChangedSteps), and the wait escalates
// again under the new rules, each step by its own escalate entry, checked
// against the new step's after. So nobody counts through a step before
// the rules in force make it due, or for a step the log never named them
// in.

// escalationFor resolves the escalation steps of transition name of
// workflow wf, with what declares them.
func escalationFor(rules *schemas.Bundle, workflow, name string) ([]schemas.EscalationStep, string) {
	if rules == nil {
		return nil, ""
	}
	wf, ok := rules.Workflow(workflow)
	if !ok {
		return nil, ""
	}
	tr, ok := wf.Transition(name)
	if !ok {
		return nil, ""
	}
	var pol *schemas.Policy
	if name := policyFor(wf, tr); name != "" {
		pol, _ = rules.Policy(name)
	}
	return schemas.EscalationOf(tr, pol)
}

// NextStep is the escalation step a wait reaches next.
type NextStep struct {
	// Number is the step's number, 1-based; At is when it is due (the
	// wait's start plus the step's after).
	Number int
	At     HLC
	Step   schemas.EscalationStep
	// By says what declares the steps ("transition ship").
	By string
}

// NextEscalation returns the escalation step wait w reaches next under the
// rules in force; ok is false when there is none (no steps declared, all
// taken, or one that does not parse). It is pure.
func NextEscalation(rules *schemas.Bundle, w Wait) (NextStep, bool) {
	steps, by := escalationFor(rules, w.Workflow, w.Transition)
	k := len(w.Escalated)
	if k >= len(steps) {
		return NextStep{}, false
	}
	d, err := schemas.ParseDuration(steps[k].After)
	if err != nil {
		return NextStep{}, false
	}
	return NextStep{Number: k + 1, At: HLC{Wall: w.Since.Wall + d.Milliseconds()}, Step: steps[k], By: by}, true
}

// EscalationsOf returns the escalation steps wait w reached, as the rules
// in force declare them, for policies.Facts.Escalated. A step the rules no
// longer declare adds nobody. It is pure.
func EscalationsOf(rules *schemas.Bundle, w Wait) []policies.Escalation {
	if len(w.Escalated) == 0 {
		return nil
	}
	steps, _ := escalationFor(rules, w.Workflow, w.Transition)
	var out []policies.Escalation
	for _, x := range w.Escalated {
		if x.Step < 1 || x.Step > len(steps) {
			continue
		}
		st := steps[x.Step-1]
		out = append(out, policies.Escalation{Step: x.Step, Roles: st.Roles, Identities: st.Identities})
	}
	return out
}

// voidChangedSteps returns the table with the escalation steps each wait
// reached under rules old cut back to those that rules new still declares
// alike (the same after, roles and identities, at the same number): from
// the first step that changed, or that new no longer declares, the wait's
// steps are void, so nobody counts through a step the log's escalate
// entry did not name, or before it is due. The loop escalates such a wait
// again under new (NextEscalation), each step by its own escalate entry.
// paths lists the waits cut, in path order. The table is not changed; it
// costs nothing when no wait escalated. It is pure.
func (t *waitTable) voidChangedSteps(old, new *schemas.Bundle) (_ *waitTable, paths []string) {
	if t == nil || !t.escalated {
		return t, nil
	}
	var items []Wait
	for i, w := range t.items {
		if len(w.Escalated) == 0 {
			continue
		}
		was, _ := escalationFor(old, w.Workflow, w.Transition)
		now, _ := escalationFor(new, w.Workflow, w.Transition)
		keep := 0
		for keep < len(w.Escalated) && keep < len(was) && keep < len(now) && sameStep(was[keep], now[keep]) {
			keep++
		}
		if keep == len(w.Escalated) {
			continue
		}
		if items == nil {
			items = slices.Clone(t.items)
		}
		items[i].Escalated = slices.Clone(w.Escalated[:keep])
		if keep == 0 {
			items[i].Escalated = nil
		}
		paths = append(paths, w.Path)
	}
	if items == nil {
		return t, nil
	}
	return newWaitTable(items), paths
}

// sameStep says whether two escalation steps grant the same people at the
// same time: equal durations (60m is 1h) and equal roles and identities.
func sameStep(a, b schemas.EscalationStep) bool {
	da, errA := schemas.ParseDuration(a.After)
	db, errB := schemas.ParseDuration(b.After)
	sameAfter := a.After == b.After || (errA == nil && errB == nil && da == db)
	return sameAfter && slices.Equal(a.Roles, b.Roles) && slices.Equal(a.Identities, b.Identities)
}

// escalatedFor returns the escalation steps the recorded wait of the
// proposal of e (same instance, idem_key and content) reached: whose
// approvals count for it in addition to its policy's rules.
func (s State) escalatedFor(p *schemas.Proposal, e Entry) []policies.Escalation {
	if s.waits == nil || !s.waits.escalated || p == nil {
		return nil
	}
	for _, w := range s.waits.items {
		if len(w.Escalated) > 0 && w.Instance == p.Instance && w.IdemKey == p.IdemKey && w.Content == e.Subject.Content {
			return EscalationsOf(s.rules, w)
		}
	}
	return nil
}

// EscalateEntry returns the escalate entry of the proposal whose wait
// entry was wait, at hlc: the proposal as it waits, without decisions.
func EscalateEntry(wait Entry, hlc HLC) Entry {
	e := wait
	e.Kind, e.HLC, e.Decisions, e.Rules, e.Quarantine = KindEscalate, hlc, nil, nil, nil
	return e
}

// applyEscalate applies an escalate entry (see the comment at the top).
func applyEscalate(s State, e Entry) (State, Outcome, error) {
	p := e.Proposal
	switch {
	case s.rules == nil:
		return s, refuse("no rules in force: the log has no genesis entry"), nil
	case p == nil:
		return s, refuse("escalate entry carries no proposal"), nil
	case len(e.Decisions) > 0:
		return s, refuse("an escalate entry records no decisions, this one records %d", len(e.Decisions)), nil
	}
	w, ok := s.WaitOf(e.Path)
	switch {
	case !ok:
		return s, refuse("no wait is recorded for %q: only a proposal recorded as waiting escalates", e.Path), nil
	case w.Content != e.Subject.Content || w.IdemKey != p.IdemKey || w.Instance != p.Instance:
		return s, refuse("the wait recorded for %s is for other content (%s, idem_key %q): this proposal never waited", e.Path, w.Content, w.IdemKey), nil
	}
	next, ok := NextEscalation(s.rules, w)
	if !ok {
		return s, refuse("no escalation step after the %d %s reached: neither transition %s nor its policy declares one",
			len(w.Escalated), plural(len(w.Escalated), "step", "steps"), p.Transition), nil
	}
	if e.HLC.Wall < next.At.Wall {
		return s, refuse("not due: %s waits since %s, and escalation step %d (after %s) of %s is due at %s, after the entry's clock %s",
			e.Path, w.Since.UTC(), next.Number, next.Step.After, next.By, next.At.UTC(), e.HLC.UTC()), nil
	}
	t := e
	t.Kind = KindTransition
	_, judged, err := applyTransition(s, t, false)
	if err != nil {
		return s, Outcome{}, err
	}
	if judged.Status != StatusWaiting || judged.Policy == nil || judged.Policy.Status == policies.StatusSatisfied {
		judged.Status, judged.Reason = StatusRefused, fmt.Sprintf("the proposal does not wait for a human: %s: %s", judged.Status, judged.Reason)
		return s, judged, nil
	}
	w.Escalated = append(w.Escalated[:len(w.Escalated):len(w.Escalated)], Escalated{At: e.HLC, Step: next.Number})
	after := advance(s, e)
	after.waits = after.waits.put(w)
	out := judged
	out.Status, out.InstancePost = StatusAwaiting, out.InstancePre
	out.Reason = fmt.Sprintf("escalated to %s at %s: step %d of %s (after %s); %s waits since %s",
		next.Step.Who(), e.HLC.UTC(), next.Number, next.By, next.Step.After, e.Path, w.Since.UTC())
	return after, out, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
