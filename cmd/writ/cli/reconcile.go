package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) reconcileCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "reconcile",
		Short: "Apply every ready proposal as a signed WAL entry on main",
		Long: `reconcile loads the verified state (checkpoint plus newer entries), judges
every proposal branch, and for each ready one writes a merge commit on main
(first parent: main, second: the proposal head) signed by the reconciler,
with trailers recording proposer, approvals, guards and pre/post state
hashes. A proposal rejected by an eligible approver is recorded as a reject
entry. main moves only by compare-and-swap; when another writer moved it,
reconcile re-reads and re-evaluates. It prints what it applied and why the
rest waits, then writes a checkpoint.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := a.engine()
			if err != nil {
				return err
			}
			rep, err := e.Reconcile()
			if err != nil {
				return err
			}
			for _, ap := range rep.Applied {
				fmt.Fprintf(a.out, "applied %s: %s (entry %s)\n", ap.Gate.Pending.Branch, ap.Gate.Outcome.Reason, short(ap.Commit.String()))
			}
			for _, g := range rep.Skipped {
				fmt.Fprintf(a.out, "%s %s: %s\n", g.Verdict, g.Pending.Branch, g.Reason)
			}
			if len(rep.Applied) == 0 && len(rep.Skipped) == 0 && !a.quiet {
				fmt.Fprintln(a.out, "nothing to do: no open proposals")
			}
			if !a.quiet {
				fmt.Fprintf(a.out, "main %s, state %s\n", short(rep.Head.String()), rep.State.Hash())
			}
			return nil
		},
	}
}
