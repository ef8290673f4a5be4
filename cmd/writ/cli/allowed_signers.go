package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/gitstore/signing"
)

func (a *app) allowedSignersCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "allowed-signers",
		Short: "Export writ.yaml's SSH keys as a git allowed-signers file",
		Long: `allowed-signers prints the SSH signers of the rules in force on main in
git's allowed-signers format, so stock git can check writ's commits:

  writ allowed-signers > signers
  git -c gpg.ssh.allowedSignersFile=signers verify-commit main`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := a.engine()
			if err != nil {
				return err
			}
			res, err := a.state(e)
			if err != nil {
				return err
			}
			out, err := signing.AllowedSigners(res.State.Rules().Config.Identities)
			if err != nil {
				return err
			}
			fmt.Fprint(a.out, out)
			return nil
		},
	}
}
