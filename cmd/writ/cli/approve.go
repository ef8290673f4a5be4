package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/reconciler"
)

func (a *app) approveCommand() *cobra.Command {
	var req reconciler.ApproveRequest
	cmd := &cobra.Command{
		Use:   "approve PROPOSAL --as IDENTITY [--reject --justification TEXT]",
		Short: "Record a signed approval (or rejection) on a proposal",
		Long: `approve appends a decision commit, signed with the decider's key, to the
proposal branch proposals/<PROPOSAL>. The decision names the exact proposal
commit and content it covers: if the proposal changes later, the approval no
longer counts. A decision no rule of the policy in force could ever count is
refused and nothing is written, with the policy's reason: agents never count;
the proposal's author counts only under a rule that sets allow_author (and
never overrides). A rejection needs --justification.
--override is break-glass: a human with the override capability lets the
transition apply although its policy is not satisfied (guards still apply);
it needs --justification and the WAL entry flags it (Writ-Override).
The decision also records the digest of the plan it decides on (what
` + "`writ show`" + ` prints: the proposal, the state it moves from, the workflow
and policy versions); an approval counts only while that is still the plan.
--plan DIGEST, copied from ` + "`writ show`" + `, refuses to record anything if the
plan changed since you looked.
Afterwards the gate's verdict is printed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if req.As == "" {
				return fmt.Errorf("--as is required")
			}
			req.Proposal = args[0]
			e, err := a.engine()
			if err != nil {
				return err
			}
			// One load for the decision and the gate after it: a decision
			// moves the proposal branch, not main.
			l, err := e.Load()
			if err != nil {
				return fmt.Errorf("load state: %w", err)
			}
			a.noteForeign(l)
			commit, err := e.ApproveWith(l, req)
			if err != nil {
				return err // ExitRefused when refused, ExitFailure else (a missing proposal, as in gate)
			}
			verb := "approved"
			switch {
			case req.Reject:
				verb = "rejected"
			case req.Override:
				verb = "OVERRIDE recorded on"
			}
			fmt.Fprintf(a.out, "%s %s as %s: decision commit %s\n", verb, req.Proposal, req.As, short(commit.String()))
			if d, ok := e.DecisionAt(commit); ok && d.Plan != "" {
				fmt.Fprintf(a.out, "  on plan %s (what `writ show %s` showed; the entry on main records it)\n", d.Plan, req.Proposal)
			}
			if req.Reject {
				// The verdict is now "rejected", as the decider wanted.
				if a.quiet {
					return nil
				}
				return a.printGate(e, l, req.Proposal, false, false)
			}
			return a.gateAfterWrite(e, l, req.Proposal)
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.As, "as", "", "deciding identity (its key signs the decision)")
	f.BoolVar(&req.Reject, "reject", false, "reject instead of approve")
	f.BoolVar(&req.Override, "override", false, "break-glass: apply without the policy being satisfied (needs the override capability and --justification; flagged in the audit trail)")
	f.StringVar(&req.Justification, "justification", "", "why (required with --reject)")
	f.StringVar(&req.Plan, "plan", "", "digest of the plan you were shown (`writ show` prints it): refuse unless it is still the plan")
	a.signingFlags(cmd)
	return cmd
}
