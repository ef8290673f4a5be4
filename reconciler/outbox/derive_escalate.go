package outbox

import (
	"slices"
	"sort"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/outcome"
	"github.com/writ-dev/writ/schemas"
)

// escalated returns the effects of one published entry of r.Waited: none
// for a wait entry (the waiting proposal tells it), and for an escalate
// entry, per target in order, the escalated effect (keyed KeyOf(entry,
// EventEscalated, target)) naming in Notify whom the step notifies, then,
// for a Direct target, one direct message per notified person the target
// maps, in identity order (keyed KeyOf(entry, EventEscalated,
// DirectTarget(target, identity))). The step is the last one the wait
// reached in the state after the entry, with the rules in force there
// (else fallback, the run's). It is pure.
func escalated(ap outcome.Applied, fallback *schemas.Bundle, d Derivation, judged map[string]policies.Result) []Effect {
	g := ap.Gate
	if g.Entry.Kind != core.KindEscalate || g.Pending.Proposal == nil {
		return nil
	}
	base := baseEffect(g, d)
	base.Event, base.Subject, base.Entry = EventEscalated, ap.Commit.String(), ap.Commit.String()
	base.At, base.Summary = hlcTime(g.Entry.HLC), g.Outcome.Reason
	rules := g.Next.Rules()
	if rules == nil {
		rules = fallback
	}
	notify, ok := stepNotify(rules, g.Next, g.Entry.Path)
	escalated := escalationsOf(g.Next, rules, g)
	var out []Effect
	for _, t := range d.Targets {
		e := base
		if ok {
			e.Notify = notified(rules, notify, g.Pending.Proposer, t.Users)
		}
		// Who must act now: the policy's approvers and those the steps
		// reached, this one included, admit, less who already approved
		// (the gate's result this run, which counts the decisions).
		if res, ok := judged[g.Pending.Path]; ok {
			e.MustAct = mustAct(rules, res, g.Pending.Proposer, t.Users, escalated)
		} else if g.Outcome.Policy != nil {
			e.MustAct = mustAct(rules, *g.Outcome.Policy, g.Pending.Proposer, t.Users, escalated)
		}
		out = append(out, forTargets(e, []Target{t})...)
		if !t.Direct || len(out) == 0 || out[len(out)-1].Target != t.Name {
			continue // not told at all (no issue), or no direct messages
		}
		for _, a := range e.Notify {
			if a.TargetID == "" {
				continue
			}
			dm := out[len(out)-1]
			dm.Recipient = &Actor{Identity: a.Identity, Role: a.Role, TargetID: a.TargetID}
			dm.Key = dm.KeyFor()
			dm.Notify = append([]Actor(nil), e.Notify...)
			out = append(out, dm)
		}
	}
	return out
}

// stepNotify returns whom the escalation step the wait at path reached
// last, in state s, notifies (schemas.EscalationStep.Notified); ok is
// false when s has no such wait or the rules no longer declare the step.
func stepNotify(rules *schemas.Bundle, s core.State, path string) (schemas.EscalationNotify, bool) {
	w, ok := s.WaitOf(path)
	if !ok || len(w.Escalated) == 0 || rules == nil {
		return schemas.EscalationNotify{}, false
	}
	next, ok := core.NextEscalation(rules, core.Wait{Workflow: w.Workflow, Transition: w.Transition, Since: w.Since,
		Escalated: w.Escalated[:len(w.Escalated)-1]})
	if !ok || next.Number != w.Escalated[len(w.Escalated)-1].Step {
		return schemas.EscalationNotify{}, false
	}
	return next.Step.Notified(), true
}

// notified resolves n to actors, once each in identity order: every
// identity n names, and every human holding one of n's roles except the
// proposal's author (a role notifies those who may approve), with the
// first of n's roles each holds and its id in users.
func notified(rules *schemas.Bundle, n schemas.EscalationNotify, author string, users map[string]string) []Actor {
	var out []Actor
	for _, id := range rules.Config.Identities {
		role := ""
		if id.Kind == schemas.IdentityHuman && id.Name != author {
			for _, r := range n.Roles {
				if id.HasRole(r) {
					role = r
					break
				}
			}
		}
		if role == "" && !slices.Contains(n.Identities, id.Name) {
			continue
		}
		out = append(out, Actor{Identity: id.Name, Role: role, TargetID: users[id.Name]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Identity < out[j].Identity })
	return out
}
