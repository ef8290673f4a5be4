package cli

import (
	"encoding/json"

	"github.com/spf13/cobra"
)

func (a *app) showCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show PROPOSAL",
		Short: "Show what a proposal decides, for its approvers",
		Long: `show prints what an approver of proposals/<PROPOSAL> decides: the
proposer and the signature of its commit, the justification, evidence and
inputs, the instance's state before and after (regions included), the
guards, what each rule of the policy still needs and the policy that judges
it (name, version and the rules in force), and for a rules change the
unified diff of every changed file against main. Text a proposer chose is
printed inert: control characters and escapes are spelled out.

It writes nothing. Exit codes: 0 shown (whatever the verdict), 1 error.`,
		Args: cobra.ExactArgs(1),
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
			_, view, err := a.judge(e, l, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(view)
			}
			view.Text(a.out)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the view as JSON")
	return cmd
}
