package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/plan"
)

func (a *app) pendingCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "pending",
		Short: "List the proposals waiting for a decision, with age and who can decide",
		Long: `pending judges every local proposal branch against the current state, as
reconcile would, and lists those still open: waiting for a human, or ready
for the next reconcile. Oldest first, each with its age (since its content
was last committed), the gate's reason and, per approval rule still short,
how many approvals it needs and whose would count (humans holding a role
the rule names or named by it; not the proposer unless the rule allows it;
not those already counted). A proposal that reconcile recorded as waiting
(a wait entry on main) says since when, by that entry's clock, and for
which rules; its age counts from there. Proposals already on main, refused or rejected
are left out: reconcile records or prunes them. Writes nothing.

With --json the list is printed as a JSON array.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := a.engine()
			if err != nil {
				return err
			}
			l, err := e.Load()
			if err != nil {
				return err
			}
			a.noteForeign(l)
			list, err := e.ListWaiting(l, a.now())
			if err != nil {
				return err
			}
			if asJSON {
				if list == nil {
					list = []reconciler.Waiting{}
				}
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(list)
			}
			if len(list) == 0 {
				fmt.Fprintln(a.out, "nothing waiting: no open proposals")
				return nil
			}
			for _, w := range list {
				fmt.Fprintf(a.out, "%s %s: %s/%s on %s by %s, %s old\n",
					w.Verdict, w.Branch, w.Workflow, w.Transition, w.Instance, w.Proposer, w.Age)
				switch {
				case w.Wait != nil:
					fmt.Fprintf(a.out, "  %s\n", w.Wait)
				case w.WaitsBehind != "":
					fmt.Fprintf(a.out, "  %s\n", plan.Clean(w.WaitsBehind))
				case w.Verdict == intake.VerdictWaiting:
					fmt.Fprintln(a.out, "  not recorded as waiting yet: the next reconcile records it")
				}
				if len(w.Needs) == 0 {
					fmt.Fprintf(a.out, "  %s\n", w.Reason)
				}
				for _, n := range w.Needs {
					from := "nobody eligible in writ.yaml"
					if len(n.From) > 0 {
						from = strings.Join(n.From, ", ")
					}
					fmt.Fprintf(a.out, "  needs %d more from rule %s of policy %s: %s\n", n.Needed, n.Rule, n.Policy, from)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the list as JSON")
	return cmd
}
