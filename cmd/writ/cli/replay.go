package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/writ-dev/writ/cmd/writ/internal/readgc"
	"github.com/writ-dev/writ/reconciler"
)

func (a *app) replayCommand() *cobra.Command {
	var fromCheckpoint, asJSON bool
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Verify and re-apply every WAL entry; print the state hash",
		Long: `replay walks the first-parent history of main from the first commit. For
every entry it verifies the reconciler's signature, decodes the trailers,
verifies the proposal commit and every decision against their own
signatures, re-applies the entry through the pure reducer, and checks
Writ-State-Pre and Writ-State-Post. It also checks that the checkpoint is on
main's history and agrees with the replayed state. The last line is
"state sha256:<hex>"; a clone replays to the identical hash.

A commit the reconciler did not write (a direct push, a merge button),
an edited trailer or a signature that does not verify after the last
verified entry exits 4 naming each such commit, its author and the
reason, after printing the last verified state; a recover entry that
quarantines them makes the history verify again (see propose --recover).
A rewritten history or a damaged genesis exits 1 naming the commit and the
reason. Progress is shown on a terminal (not in CI or with --quiet).
--json prints the result as one object (writ schema output/replay), the
foreign commits included, with the same exit code.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := a.engine()
			if err != nil {
				return err
			}
			if bar := a.progress("replay"); bar != nil {
				e.Progress = func(done, total int) {
					bar.ChangeMax(total)
					_ = bar.Set(done)
				}
				defer func() { _ = bar.Finish() }()
			}
			defer readgc.Replay()()
			res, err := e.Replay(reconciler.ReplayOptions{FromCheckpoint: fromCheckpoint})
			if asJSON && res != nil && (err == nil || errors.Is(err, reconciler.ErrForeign)) {
				if jerr := a.printJSON(toReplayJSON(res, err)); jerr != nil {
					return jerr
				}
				if err == nil {
					a.refreshAllowedSigners(e, res.State)
				}
				return err
			}
			if errors.Is(err, reconciler.ErrForeign) && res != nil {
				// The quarantine, not a generic tamper: what verified, then
				// the foreign commits (exit ExitForeign).
				fmt.Fprintf(a.out, "verified %d entries on main up to %s, the last verified entry, whose state is %s\n",
					res.Replayed, short(res.Head.String()), res.State.Hash())
				return err
			}
			if err != nil {
				return err
			}
			a.refreshAllowedSigners(e, res.State)
			if !a.quiet {
				fmt.Fprintf(a.out, "verified %d entries on main up to %s\n", res.Replayed, short(res.Head.String()))
				if !res.CheckpointAt.IsZero() {
					fmt.Fprintf(a.out, "checkpoint at %s is on main and agrees with the replay\n", short(res.CheckpointAt.String()))
				}
			}
			fmt.Fprintf(a.out, "state %s\n", res.State.Hash())
			return nil
		},
	}
	cmd.Flags().BoolVar(&fromCheckpoint, "from-checkpoint", false, "start from the checkpoint snapshot instead of the first commit")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

// progress returns a progress bar on a terminal, or nil in CI, with
// --quiet, or when stderr is not a terminal. Once told the total it shows
// the count, the rate in entries per second and [elapsed:remaining].
func (a *app) progress(what string) *progressbar.ProgressBar {
	f, ok := a.err.(*os.File)
	if a.quiet || !ok || os.Getenv("CI") != "" || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(-1, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("entries"),
		progressbar.OptionSetElapsedTime(true), progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish())
}
