package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/schemas"
)

func (a *app) validateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check every control-repo file; one line per problem",
		Long: `validate checks writ.yaml, workflows/*.yaml, policies/*.yaml and every
proposals/<instance>/<name>.yaml in the working tree of --repo against their
JSON Schemas and against each other (unknown states, policies, roles;
duplicate names; unreachable states; transitions out of terminal states).
It prints one line per problem as path:line:col: field: message and exits 1
if there is any, 0 otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := os.Stat(a.repo); err != nil {
				return fmt.Errorf("repo %s: %w", a.repo, err)
			}
			problems := schemas.ValidateRepo(os.DirFS(a.repo))
			for _, p := range problems {
				fmt.Fprintln(a.out, p.String())
			}
			if len(problems) > 0 {
				return &exitError{code: ExitFailure, err: fmt.Errorf("%d problem(s)", len(problems))}
			}
			if !a.quiet {
				fmt.Fprintln(a.out, "ok: the control repo is valid")
			}
			return nil
		},
	}
}
