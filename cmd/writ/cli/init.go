package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler"
)

func (a *app) initCommand() *cobra.Command {
	var template, example string
	var keepSigners, demoKeys, noActions bool
	cmd := &cobra.Command{
		Use:   "init DIR",
		Short: "Create a control repo with fresh keys and a signed genesis entry",
		Long: `init creates a git repository in DIR holding writ.yaml, workflows/ and
policies/ (from --template, default the built-in release example), with the
template's other files (README.md, CODEOWNERS, docs/, .github/: everything
but proposals/ and .git, regular files only) and, unless the template has
its own .github/workflows/ or --no-actions is given, the example GitHub
Actions workflows .github/workflows/writ-judge.yml and writ-apply.yml, and
writes the genesis entry, signed by the reconciler, as the first commit of
main. git is configured so that git log --show-signature and git
verify-commit check signatures against writ.yaml.

Keys. With --template (real use) every signer the template declares is kept
(each person's own SSH, OpenPGP, x509 or keyless identity) and the only
private key init makes is the reconciler's, in <git-dir>/writ/keys (an
identity without a signer is an error: declare its public key, or add it
later with writ identity add). Without --template, or with --demo-keys, init
makes a throwaway ed25519 SSH key for every identity in that one directory
and says so: anyone who can read it can approve as anyone, so that is for
trying writ out only. --keep-signers keeps declared signers and makes such
convenience keys for identities without one.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if demoKeys && keepSigners {
				return fmt.Errorf("--demo-keys replaces every declared signer and --keep-signers keeps them: give one")
			}
			opts := reconciler.InitOptions{KeepSigners: keepSigners}
			if template != "" && !demoKeys && !keepSigners {
				opts.OwnKeys = true
			}
			if template != "" && example != "" {
				return fmt.Errorf("--template and --example both name what to start from: give one")
			}
			return a.runInit(args[0], template, example, !noActions, opts)
		},
	}
	cmd.Flags().StringVar(&template, "template", "", "directory with writ.yaml, workflows/, policies/, trust/ and any ordinary files such as .github/ (default: built-in release example)")
	cmd.Flags().StringVar(&example, "example", "", "start from a built-in example instead of --template: release (the default) or goals (release plus a goal and the agents that work toward it)")
	cmd.Flags().BoolVar(&noActions, "no-actions", false, "do not add the example GitHub Actions workflows to .github/workflows/")
	cmd.Flags().BoolVar(&keepSigners, "keep-signers", false, "keep the signers the template declares; convenience keys for identities without one (and one added for the reconciler)")
	cmd.Flags().BoolVar(&demoKeys, "demo-keys", false, "make a throwaway key for every identity, replacing declared signers (the default without --template; for trying writ out only)")
	return cmd
}

func (a *app) runInit(dir, template, example string, actions bool, opts reconciler.InitOptions) error {
	tmpl := fixtures.Release()
	switch example {
	case "", "release":
	case "goals":
		tmpl = fixtures.Goals()
	default:
		return fmt.Errorf("--example %q: the built-in examples are release and goals", example)
	}
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
	made := &recordingKeys{KeyGenerator: keys}
	if actions {
		opts.ActionWorkflows = fixtures.ActionWorkflows()
	}
	commit, err := e.InitWith(tmpl, made, opts)
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
		a.printInitKeys(made.names, keys.Dir, opts)
	}
	return nil
}

// recordingKeys is a KeyGenerator that remembers whom it made keys for.
type recordingKeys struct {
	reconciler.KeyGenerator
	names []string
}

func (r *recordingKeys) Generate(identity string) (string, error) {
	pub, err := r.KeyGenerator.Generate(identity)
	if err == nil {
		r.names = append(r.names, identity)
	}
	return pub, err
}

// printInitKeys says which private keys init made and, for convenience
// keys of people, what that means.
func (a *app) printInitKeys(names []string, dir string, opts reconciler.InitOptions) {
	if opts.OwnKeys {
		fmt.Fprintf(a.out, "  private keys in %s: the reconciler's private key only (%s); every other identity signs with its own key\n", dir, strings.Join(names, ", "))
		return
	}
	fmt.Fprintf(a.out, "  private keys in %s: convenience keys for %s\n", dir, strings.Join(names, ", "))
	fmt.Fprintf(a.out, "  (anyone who can read that directory can sign as these identities: for trying writ out only;\n"+
		"   for real use run writ template DIR, declare each person's own public key, then writ init --template DIR)\n")
}
