package cli

import (
	"fmt"

	"github.com/writ-dev/writ/reconciler/outcome"
)

// printPruned prints the proposal branches a reconcile deleted, each with
// its reason and the head that `git branch NAME HEAD` restores.
func printPruned(a *app, rep *outcome.Report) {
	if a.quiet {
		return
	}
	for _, p := range rep.Pruned {
		fmt.Fprintf(a.out, "pruned %s (was %s): %s\n", p.Branch, short(p.Head.String()), p.Reason)
	}
}
