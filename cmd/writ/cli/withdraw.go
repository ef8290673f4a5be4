package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/intake"
)

func (a *app) withdrawCommand() *cobra.Command {
	var req reconciler.WithdrawRequest
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "withdraw PROPOSAL --as IDENTITY --justification TEXT [--json]",
		Short: "Withdraw a waiting proposal: the next reconcile closes it with an entry on main",
		Long: `withdraw appends a withdrawal, a decision commit signed with the withdrawer's
key, to the proposal branch proposals/<PROPOSAL>. It names the exact proposal
commit and content it withdraws and carries --justification (required).
The next reconcile records it on main as a withdraw entry: the proposal's
idem_key is consumed as "withdrawn", the instance does not move, no rule
changes, and the branch is pruned (its commits are kept under
refs/writ/withdrawn/). Who may withdraw: the proposer alone; anybody else only
as one of the withdrawals that together satisfy the governance policy of the
rules in force (agents and the reconciler never count). A proposal its
proposer could not have made (without propose:<workflow>, on another
workflow's instance) is not withdrawn: it is refused and pruned without an
entry. A withdrawal that could never count is refused and nothing is written. Afterwards the gate's verdict is
printed (withdrawn, or why the withdrawal does not count yet); --json prints
it as writ gate --json does. Exit codes: 0 withdrawn, 2 waiting for more
governance withdrawals, 3 refused.`,
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
			l, err := e.Load()
			if err != nil {
				return fmt.Errorf("load state: %w", err)
			}
			a.noteForeign(l)
			commit, err := e.WithdrawWith(l, req)
			if err != nil {
				return err // ExitRefused when refused, ExitFailure else
			}
			if !asJSON && !a.quiet {
				fmt.Fprintf(a.out, "withdrawal of %s by %s: decision commit %s\n", req.Proposal, req.As, short(commit.String()))
			}
			return a.withdrawVerdict(e, l, req.Proposal, asJSON)
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.As, "as", "", "withdrawing identity (its key signs the withdrawal)")
	f.StringVar(&req.Justification, "justification", "", "why the proposal is withdrawn (required)")
	f.BoolVar(&asJSON, "json", false, "print the gate's verdict as JSON (schema: writ schema gate)")
	a.signingFlags(cmd)
	return cmd
}

// withdrawVerdict prints, after a withdrawal was written, the proposal's
// gate (text unless quiet, or JSON) and maps it to the exit code: 0 when
// the withdrawal stands (verdict withdrawn), ExitWaiting when it does not
// count yet (more governance withdrawals are needed; the proposal is judged
// as before meanwhile), ExitRefused when the proposal is refused.
func (a *app) withdrawVerdict(e *reconciler.Engine, l *reconciler.Loaded, name string, asJSON bool) error {
	out := *a
	if a.quiet && !asJSON {
		out.out = io.Discard
	}
	if err := out.printGate(e, l, name, false, asJSON); err != nil {
		return err
	}
	g, _, err := a.judge(e, l, name)
	if err != nil {
		return err
	}
	switch g.Verdict {
	case intake.VerdictWithdrawn:
		return nil
	case intake.VerdictRefused, intake.VerdictMerged, intake.VerdictRejected:
		return &exitError{code: ExitRefused}
	}
	return &exitError{code: ExitWaiting, err: fmt.Errorf(
		"the withdrawal of proposals/%s is recorded but does not count yet: more withdrawals under the governance policy are needed (writ gate %s lists why)", name, name)}
}
