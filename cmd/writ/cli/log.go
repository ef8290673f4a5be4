package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/audit"
)

func (a *app) logCommand() *cobra.Command {
	var (
		asJSON   bool
		instance string
	)
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Print the audit trail: every verified WAL entry",
		Long: `log replays and verifies main, then prints per entry: the commit, when,
the reconciler's signer, what changed, who proposed it (and the signed
proposal commit) with what justification, evidence and inputs, the
instance's state before and after, every guard's outcome, the policy that
judged it with its version and the rules in force, and each decision: the
verdict (APPROVE, REJECT, OVERRIDE), who, in which role, on which commit
and content, its justification, where it is recorded, and the digest of the
plan its decider was shown, compared with the entry's plan recomputed from
the repository. --instance ID keeps only the entries that move (or reject
a move of) that instance (--instance rules: the rules changes and
recoveries). --json prints the same as a JSON array.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := a.engine()
			if err != nil {
				return err
			}
			var keep func(reconciler.Verified) bool
			if instance != "" {
				keep = func(v reconciler.Verified) bool {
					p := v.Record.Entry.Proposal
					return p != nil && p.Instance == instance
				}
			}
			entries, res, err := e.AuditLog(keep)
			foreign := errors.Is(err, reconciler.ErrForeign) && res != nil
			if err != nil && !foreign {
				return err
			}
			a.refreshAllowedSigners(e, res.State)
			if entries == nil {
				entries = []audit.Entry{}
			}
			if asJSON {
				if jerr := a.printJSON(entries); jerr != nil {
					return jerr
				}
				return err // nil, or the foreign commits after the trail
			}
			for _, en := range entries {
				en.Text(a.out)
				_, _ = a.out.Write([]byte("\n"))
			}
			if foreign {
				// The trail up to the last verified entry, then why it stops.
				return err
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&instance, "instance", "", "only the entries that touch instance `ID`")
	return cmd
}
