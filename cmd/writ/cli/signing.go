package cli

import (
	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/reconciler"
)

// personSigning is how the commands a person runs (approve, propose,
// identity add) sign: with the identity's key in the key directory when
// there is one, else, or always with --git-signer or --key, the way the
// user's git signs commits.
type personSigning struct {
	enabled   bool
	key       string
	gitSigner bool
}

// signingFlags adds --key and --git-signer to cmd and makes the engine of
// its run sign through personSigning.
func (a *app) signingFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&a.signing.key, "key", "", "sign with this key: an SSH key file, or a gpg/gpgsm key id used with git's gpg.format (instead of user.signingkey)")
	f.BoolVar(&a.signing.gitSigner, "git-signer", false, "sign the way git is configured to sign commits (gpg.format, user.signingkey, gpg.*.program: ssh, openpgp, x509, gitsign) even when the key directory holds a key")
	pre := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		a.signing.enabled = true
		if pre != nil {
			return pre(c, args)
		}
		return nil
	}
}

// wrap makes e's keys sign as personSigning says, when the command asked
// for it.
func (s personSigning) wrap(e *reconciler.Engine) {
	if !s.enabled {
		return
	}
	e.Keys = local.GitSigning{Keys: e.Keys, RepoDir: e.Store.Dir(), Key: s.key, Always: s.gitSigner}
}
