package cli

import (
	"fmt"

	"github.com/writ-dev/writ/reconciler/outcome"
)

// printPruned prints the proposal branches a reconcile deleted (locally,
// or on the remote it names), each with its reason, the head that `git
// branch NAME HEAD` restores and the tip of the decision ref deleted with
// it.
func printPruned(a *app, rep *outcome.Report) {
	if a.quiet {
		return
	}
	for _, p := range rep.Pruned {
		where, decisions := "", ""
		if p.Remote != "" {
			where = " on " + p.Remote
		}
		if !p.Decisions.IsZero() {
			decisions = ", decisions " + short(p.Decisions.String())
		}
		fmt.Fprintf(a.out, "pruned %s%s (was %s%s): %s\n", p.Branch, where, short(p.Head.String()), decisions, p.Reason)
	}
}
