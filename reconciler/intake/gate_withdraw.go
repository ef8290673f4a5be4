package intake

import (
	"fmt"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
)

// gateWithdraw judges the withdrawals among r's decisions (verdict
// withdraw), r.Entry being the entry the proposal would otherwise become.
// When they withdraw the proposal (core.KindWithdraw applies: see
// core's applyWithdraw for who may), it returns the withdrawn (or
// duplicate) result and true. Otherwise the withdrawals are taken out of
// r's entry and listed in r.Pending.Ignored with the reason, and the
// proposal is judged as if they did not exist (false). A proposal its
// proposer withdrew but could not have made (core refuses the withdrawal
// on a guard: identity, workflow, transition, capability) is refused with
// that reason (true): reconcile records nothing and prunes it. Pure, like
// Gate.
func gateWithdraw(s core.State, r *GateResult) (GateResult, bool, error) {
	var ws, rest []policies.Decision
	for _, d := range r.Entry.Decisions {
		if d.Verdict == policies.VerdictWithdraw {
			ws = append(ws, d)
		} else {
			rest = append(rest, d)
		}
	}
	if len(ws) == 0 {
		return *r, false, nil
	}
	w := *r
	w.Entry.Kind, w.Entry.Rules, w.Entry.Quarantine, w.Entry.Decisions, w.Entry.Trigger = core.KindWithdraw, nil, nil, ws, nil
	// The entry adds only the proposal file to main, and replay judges it
	// with that as the change (wal.Decode).
	w.Entry.ChangedFiles = []string{r.Pending.Path}
	next, out, err := core.Apply(s, w.Entry)
	if err != nil {
		return w, false, fmt.Errorf("gate %s: %w", r.Pending.Branch, err)
	}
	w.Outcome, w.Reason = out, out.Reason
	switch out.Status {
	case core.StatusWithdrawn:
		w.Verdict, w.Next = VerdictWithdrawn, next
		return w, true, nil
	case core.StatusDuplicate:
		w.Verdict = VerdictRefused
		return w, true, nil
	case core.StatusRefused:
		// Its proposer withdrew a proposal they may not make: it is
		// refused for its own problems, and closed without an entry.
		if failedGuard(out) && byProposer(ws, r.Entry) {
			w.Verdict = VerdictRefused
			return w, true, nil
		}
	}
	r.Entry.Decisions = rest
	for _, d := range ws {
		r.Pending.Ignored = append(r.Pending.Ignored, Ignored{Commit: d.Ref, Identity: d.Identity, Reason: "withdraw: " + out.Reason})
	}
	return *r, false, nil
}

// failedGuard reports whether out failed one of the guards Apply runs on
// the withdrawn proposal itself (identity, workflow, transition,
// capability), as opposed to a withdrawal that does not count.
func failedGuard(out core.Outcome) bool {
	for _, g := range out.Guards {
		if !g.Passed && g.Name != core.GuardClock {
			return true
		}
	}
	return false
}

// byProposer reports whether one of ws is e's proposer's withdrawal of
// e's subject.
func byProposer(ws []policies.Decision, e core.Entry) bool {
	for _, d := range ws {
		if d.Identity == e.Signer && (d.Commit == e.Subject.Commit || (d.Content != "" && d.Content == e.Subject.Content)) {
			return true
		}
	}
	return false
}
