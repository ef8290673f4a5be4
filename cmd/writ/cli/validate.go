package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/schemas"
)

func (a *app) validateCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check every control-repo file; one line per problem",
		Long: `validate checks writ.yaml, workflows/*.yaml, policies/*.yaml and every
proposals/<instance>/<name>.yaml in the working tree of --repo against their
JSON Schemas and against each other (unknown states, policies, roles;
duplicate names; unreachable states; transitions out of terminal states).
It reads only regular, non-executable files inside --repo: a symlink (to a
file or a directory, inside or outside the repository) or an executable
file there is reported with its path and kind, and never followed or read.
It prints one line per problem as path:line:col: field: message (path:
field: message for a problem with the whole file) and exits 1 if there is
any, 0 otherwise. --json prints {"valid", "problems"} instead (writ schema
output/validate), with the same exit code.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// os.Root keeps every read inside the repository, whatever
			// links it holds; the loader refuses links outright.
			root, err := os.OpenRoot(a.repo)
			if err != nil {
				return fmt.Errorf("repo %s: %w", a.repo, err)
			}
			defer root.Close()
			problems := schemas.ValidateRepo(root.FS())
			if asJSON {
				if err := a.printJSON(toValidateJSON(problems)); err != nil {
					return err
				}
				if len(problems) > 0 {
					return &exitError{code: ExitFailure, err: fmt.Errorf("%d problem(s)", len(problems))}
				}
				return nil
			}
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
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the problems as JSON")
	return cmd
}
