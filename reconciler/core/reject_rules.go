package core

import (
	"fmt"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// applyGovernedReject applies a reject entry for a rule change or a
// recovery (a proposal of instance "rules"): it records that an eligible
// governance approver rejected it. It is judged like the rules or recover
// entry it closes (base_state is the rules hash in force, the proposer is
// an identity), and the governance policy of the rules in force must be
// blocked by a rejection. It changes no rules and no instance: the state
// after it is s with the entry counted and its stamp as the clock. The
// proposal file the entry adds to main closes the proposal; nothing else
// of the change reaches main, so the entry is judged with its changed
// files as recorded (the proposal file), as replay judges it.
func applyGovernedReject(s State, e Entry) (State, Outcome) {
	p := e.Proposal
	switch {
	case s.rules == nil:
		return s, refuse("reject entry before genesis")
	case p.IdemKey == "" || p.IdemKey != e.IdemKey:
		return s, refuse("entry idem_key %q does not match proposal idem_key %q", e.IdemKey, p.IdemKey)
	case e.Rules != nil || len(e.Quarantine) > 0:
		return s, refuse("a reject entry of a %s proposal carries rules or commits to quarantine", schemas.RulesInstance)
	}
	g, ok := checkClock(s, e)
	out := Outcome{Guards: []GuardResult{g}}
	if !ok {
		out.Status, out.Reason = StatusRefused, g.Detail
		return s, out
	}
	if p.BaseState != s.rulesHash {
		out.Status = StatusStale
		out.Reason = fmt.Sprintf("base_state %s is not the rules in force %s; nothing to reject", p.BaseState, s.rulesHash)
		return s, out
	}
	if governed(s, e, &out) {
		out.Status, out.Reason = StatusRefused, "reject entry for a change its governance policy approves"
		return s, out
	}
	if out.Policy == nil || out.Policy.Status != policies.StatusBlocked {
		if out.Policy != nil {
			out.Status, out.Reason = StatusRefused, "reject entry without a rejection by an eligible governance approver: governance policy is "+string(out.Policy.Status)
		}
		return s, out
	}
	next := advance(s, e)
	out.Status = StatusRejected
	out.Reason = "rejected by an eligible governance approver (" + out.Policy.Description + "); the rules in force stay " + s.rulesHash
	return next, out
}

// closedChangedFiles returns, of a rule change's changed files, those a
// reject or withdraw entry puts on main: its proposal file
// (proposals/rules/<name>.yaml).
func closedChangedFiles(files []string) []string {
	var out []string
	for _, f := range files {
		if schemas.IsRulesProposal(f) {
			out = append(out, f)
		}
	}
	return out
}
