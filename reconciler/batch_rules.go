package reconciler

import (
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// A round reads every proposal against the main it started from, and a
// rule change's files (intake.Pending.Files) are what its merge writes
// over that main. A second rule change merged on top of a first in the
// same batch would be judged against a main without the first: it could
// undo the first's edit of a governed file, or hold a file the first
// changed as it was before, which replay then refuses. A change of
// ordinary files only leaves the rules hash as it was, so base_state does
// not catch it either. So a batch carries at most one rule change; the
// next is judged in the next round, against the new main.

// laterRuleChange reports whether g is a ready rule change and the batch
// already holds one.
func (r *run) laterRuleChange(g intake.GateResult) bool {
	if g.Verdict != intake.VerdictReady || !schemas.IsRulesProposal(g.Pending.Path) {
		return false
	}
	for _, a := range r.batch {
		if a.Gate.Verdict == intake.VerdictReady && schemas.IsRulesProposal(a.Gate.Pending.Path) {
			return true
		}
	}
	return false
}
