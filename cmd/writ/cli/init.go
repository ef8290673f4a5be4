package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler"
)

func (a *app) initCommand() *cobra.Command {
	var template string
	var keepSigners, noActions bool
	cmd := &cobra.Command{
		Use:   "init DIR",
		Short: "Create a control repo with fresh keys and a signed genesis entry",
		Long: `init creates a git repository in DIR holding writ.yaml, workflows/ and
policies/ (from --template, default the built-in release example), with the
template's other files (README.md, CODEOWNERS, docs/, .github/: everything
but proposals/ and .git, regular files only) and, unless the template has
its own .github/workflows/ or --no-actions is given, the example GitHub
Actions workflows .github/workflows/writ-judge.yml and writ-apply.yml. It
gives every identity a fresh ed25519 SSH key (private keys go to
<git-dir>/writ/keys, never into the tree), and writes the genesis entry, signed by the reconciler, as the
first commit of main. git is configured so that git log --show-signature and
git verify-commit check signatures against writ.yaml. With --keep-signers the
signers the template declares are kept (a team's own SSH, OpenPGP, x509 or
gitsign keys): only identities without a signer get a fresh key, and the
reconciler gets one added to sign the genesis entry.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runInit(args[0], template, !noActions, keepSigners)
		},
	}
	cmd.Flags().StringVar(&template, "template", "", "directory with writ.yaml, workflows/, policies/, trust/ and any ordinary files such as .github/ (default: built-in release example)")
	cmd.Flags().BoolVar(&noActions, "no-actions", false, "do not add the example GitHub Actions workflows to .github/workflows/")
	cmd.Flags().BoolVar(&keepSigners, "keep-signers", false, "keep the signers the template declares; fresh keys only for identities without one (and one added for the reconciler)")
	return cmd
}

func (a *app) runInit(dir, template string, actions, keepSigners bool) error {
	tmpl := fixtures.Release()
	if template != "" {
		// os.Root keeps every read inside the template; the reader
		// refuses links outright.
		root, err := os.OpenRoot(template)
		if err != nil {
			return fmt.Errorf("template %s: %w", template, err)
		}
		defer root.Close()
		tmpl = root.FS()
	}
	if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
		return fmt.Errorf("%s already holds a git repository", dir)
	}
	store, err := gitstore.Init(dir)
	if err != nil {
		return err
	}
	keys := a.keyDir(store.GitDir())
	e := &reconciler.Engine{Store: store, Keys: keys, Now: a.now, SchemaRef: schemaRef()}
	opts := reconciler.InitOptions{KeepSigners: keepSigners}
	if actions {
		opts.ActionWorkflows = fixtures.ActionWorkflows()
	}
	commit, err := e.InitWith(tmpl, keys, opts)
	if err != nil {
		// Leave nothing half-made behind, so a retry starts clean. Keys in
		// an outside --keys directory are kept: they are never deleted.
		if rmErr := os.RemoveAll(store.GitDir()); rmErr != nil {
			return fmt.Errorf("%w (and removing the half-made repository failed: %v)", err, rmErr)
		}
		return err
	}
	if !a.quiet {
		fmt.Fprintf(a.out, "initialized control repo %s\n", dir)
		fmt.Fprintf(a.out, "  genesis entry %s on main, signed by the reconciler\n", short(commit.String()))
		fmt.Fprintf(a.out, "  private keys in %s\n", keys.Dir)
	}
	return nil
}
