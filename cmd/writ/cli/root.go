// Package cli wires writ's commands: flags, output and exit codes. The
// logic lives in the packages it calls (schemas, policies, reconciler,
// gitstore, adapters); this package only renders their results, one file
// per subcommand.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/cmd/writ/internal/buildinfo"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/core"
)

// app holds the global flags and the output streams.
type app struct {
	repo      string
	keys      string
	quiet     bool
	keyless   bool
	fulcioURL string
	// signing: how a person signs (approve, propose); see personSigning.
	signing personSigning
	out     io.Writer
	err     io.Writer
	now     func() time.Time
}

// Main runs writ with args and returns the process exit code. Control
// characters in anything it prints are spelled out (see printable).
func Main(args []string, stdout, stderr io.Writer) int {
	return mainAt(args, stdout, stderr, time.Now)
}

// mainAt is Main with the clock every command reads (tests move it).
func mainAt(args []string, stdout, stderr io.Writer, now func() time.Time) int {
	stdout, stderr = printable{stdout}, printable{stderr}
	a := &app{out: stdout, err: stderr, now: now}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintln(stderr, "writ:", msg)
	}
	return exitCode(err)
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "writ",
		Short: "GitOps reconciler that puts humans in charge of what agents may do",
		Long: `writ keeps workflows, approval policies and proposals as YAML in a git
control repo. Proposals arrive as signed branches; humans approve them; the
reconciler applies ready proposals as signed merge commits on main, which is
the write-ahead log. git log is the audit trail, and writ replay re-verifies
every entry on any clone.

Exit codes, for every command: 0 ok (gate: ready), 1 error, 2 waiting for
a human, 3 refused or not applicable, 4 main holds commits writ did not
write. writ schema prints the JSON Schemas of the files and of every
--json output.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&a.repo, "repo", ".", "control repo directory")
	root.PersistentFlags().StringVar(&a.keys, "keys", os.Getenv("WRIT_KEYS"),
		"directory of identities' SSH private keys (default $WRIT_KEYS, else <git-dir>/writ/keys)")
	root.PersistentFlags().BoolVarP(&a.quiet, "quiet", "q", false, "print less")
	root.PersistentFlags().BoolVar(&a.keyless, "keyless", false,
		"sign as the reconciler keyless, with the GitHub Actions OIDC identity certified by Fulcio (also WRIT_KEYLESS=true)")
	root.PersistentFlags().StringVar(&a.fulcioURL, "fulcio-url", signing.PublicFulcioURL, "Fulcio instance for --keyless")
	root.AddCommand(
		a.initCommand(), a.validateCommand(), a.proposeCommand(), a.approveCommand(), a.withdrawCommand(),
		a.gateCommand(), a.showCommand(), a.graphCommand(), a.reconcileCommand(), a.replayCommand(), a.logCommand(),
		a.stateCommand(), a.allowedSignersCommand(), a.demoCommand(), a.benchCommand(), a.verifyCommand(),
		a.versionCommand(), a.templateCommand(), a.identityCommand(), a.pendingCommand(), a.schemaCommand(),
		a.goalsCommand(), a.scanCommand(), a.outboxCommand(),
	)
	onlyOwnGlobals(root)
	// writ --version prints what writ version prints.
	root.Version = buildinfo.Read().String()
	root.SetVersionTemplate("{{.Version}}")
	return root
}

// keyDir returns the key directory for a repo's git directory.
func (a *app) keyDir(gitDir string) local.KeyDir {
	if a.keys != "" {
		return local.KeyDir{Dir: a.keys}
	}
	return local.KeyDir{Dir: filepath.Join(gitDir, "writ", "keys")}
}

// engine opens the control repo.
func (a *app) engine() (*reconciler.Engine, error) {
	store, err := gitstore.Open(a.repo)
	if err != nil {
		return nil, fmt.Errorf("open control repo %s: %w", a.repo, err)
	}
	store.SetCredentials(gitCredentials(os.Getenv))
	e := &reconciler.Engine{Store: store, Keys: a.keyDir(store.GitDir()), Now: a.now, SchemaRef: schemaRef()}
	key := os.Getenv(reconcilerKeyEnv)
	if a.keylessEnabled() && key != "" {
		return nil, fmt.Errorf("both --keyless (or WRIT_KEYLESS) and $%s are set: the reconciler signs one way; unset one", reconcilerKeyEnv)
	}
	if a.keylessEnabled() {
		if err := a.withKeyless(e); err != nil {
			return nil, err
		}
	}
	if key != "" {
		if err := withReconcilerKey(e, []byte(key)); err != nil {
			return nil, err
		}
	}
	a.signing.wrap(e)
	return e, nil
}

// state is the verified state at main: with foreign commits after the
// last verified entry, that entry's state, and a warning naming them.
func (a *app) state(e *reconciler.Engine) (*reconciler.ReplayResult, error) {
	res, err := e.Replay(reconciler.ReplayOptions{FromCheckpoint: true})
	if errors.Is(err, reconciler.ErrForeign) && res != nil {
		a.warnForeign(err)
		err = nil
	}
	if err == nil {
		a.refreshAllowedSigners(e, res.State)
	}
	return res, err
}

// refreshAllowedSigners keeps the allowed-signers file init configured for
// stock git in step with the verified rules in force; a failure is a note,
// never a failed command.
func (a *app) refreshAllowedSigners(e *reconciler.Engine, st core.State) {
	changed, err := e.RefreshAllowedSigners(st.Rules())
	switch {
	case err != nil:
		fmt.Fprintln(a.err, "writ: note: git's allowed-signers file was not refreshed:", err)
	case changed && !a.quiet:
		fmt.Fprintln(a.err, "writ: note: refreshed git's allowed-signers file from the rules in force")
	}
}

func short(h string) string {
	if len(h) > 7 {
		return h[:7]
	}
	return h
}
