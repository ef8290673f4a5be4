package core

import (
	"fmt"

	"github.com/writ-dev/writ/policies"
)

// Judge is Apply for an entry a proposal would become, as the gate asks
// it: a transition that its approval policy blocks (an eligible approver
// rejected it and no override stands) on an instance that exists is
// recorded as a rejection instead. Judge returns the entry it judged (e,
// or e with Kind KindReject and no source Trigger) with Apply's state and
// outcome for that entry, in one pass, where applying the transition and
// then the rejection would take two. That is, for a transition entry e:
//
//	next, out, err := Apply(s, e)
//	if out.Status == StatusRefused && out.Policy != nil {
//		reject := e; reject.Kind, reject.Trigger = KindReject, nil
//		if n, o, _ := Apply(s, reject); o.Status == StatusRejected {
//			e, next, out = reject, n, o
//		}
//	}
//
// A rules or recover entry that the governance policy blocks (an eligible
// governance approver rejected it) is likewise recorded as a rejection
// when Apply accepts that rejection: e with Kind KindReject, without its
// rules or commits to quarantine, its changed files only the proposal file
// the rejection puts on main (so the rejection blocks under the whole
// change, as judged, and under what replay sees).
// Other entries are Apply(s, e) unchanged. Like Apply it is pure, and its
// error means s lacks a bucket Apply needs.
//
// Judge's outcome also carries the digest of the plan a decider of e is
// shown (Outcome.Plan, PlanContextOf the entry in s), which a decision
// then records.
func Judge(s State, e Entry) (Entry, State, Outcome, error) {
	plan := planContextIn(s, e).Digest()
	if e.Kind == KindRules || e.Kind == KindRecover {
		next, out, err := Apply(s, e)
		out.Plan = plan
		if err != nil || out.Status != StatusRefused || out.Policy == nil || out.Policy.Status != policies.StatusBlocked {
			return e, next, out, err
		}
		reject := e
		reject.Kind, reject.Rules, reject.Quarantine = KindReject, nil, nil
		reject.ChangedFiles = closedChangedFiles(e.ChangedFiles)
		if n, o, err := Apply(s, reject); err == nil && o.Status == StatusRejected {
			o.Plan = plan
			return reject, n, o, nil
		}
		return e, next, out, nil
	}
	if e.Kind == KindGoal {
		// A declaration or resolution its goal's policy blocks is recorded
		// as a rejection, as a transition's is.
		next, out, err := Apply(s, e)
		out.Plan = plan
		if err != nil || out.Status != StatusRefused || out.Policy == nil || out.Policy.Status != policies.StatusBlocked {
			return e, next, out, err
		}
		reject := e
		reject.Kind = KindReject
		if n, o, err := Apply(s, reject); err == nil && o.Status == StatusRejected {
			o.Plan = plan
			return reject, n, o, nil
		}
		return e, next, out, nil
	}
	if e.Kind != KindTransition {
		next, out, err := Apply(s, e)
		out.Plan = plan
		return e, next, out, err
	}
	next, out, err := applyTransition(s, e, true)
	if err != nil {
		return e, s, Outcome{}, fmt.Errorf("apply %s entry %q: %w", e.Kind, e.IdemKey, err)
	}
	if out.Status == StatusRejected {
		// A rejection records no source trigger (Apply refuses one).
		e.Kind, e.Trigger = KindReject, nil
	}
	out.Plan = plan
	return e, next, out, nil
}
