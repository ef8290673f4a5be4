package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/outcome"
)

// ExitCrash is the exit code of a reconcile killed at the crash point
// named by $WRIT_CRASH_AT (tests only).
const ExitCrash = 86

// CrashEnv names the environment variable that makes reconcile die at a
// crash point (see reconciler.CrashPoints): the process exits at once with
// ExitCrash, leaving the repository as a crash would.
const CrashEnv = "WRIT_CRASH_AT"

func (a *app) reconcileCommand() *cobra.Command {
	var (
		opts    reconciler.ReconcileOptions
		timeout time.Duration
		gh      githubOptions
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "reconcile",
		Short: "Apply every ready proposal as a signed WAL entry on main",
		Long: `reconcile loads the verified state (checkpoint plus newer entries), judges
every proposal branch, and for each ready one writes a merge commit on main
(first parent: main, second: the proposal head) signed by the reconciler,
with trailers recording proposer, approvals, guards and pre/post state
hashes. A proposal rejected by an eligible approver is recorded as a reject
entry. main moves only by compare-and-swap; when another writer moved it,
reconcile re-reads and re-evaluates. It prints what it applied and why the
rest waits, then writes a checkpoint. A local run then prunes the proposal
branches whose proposal is closed (applied, rejected, stale, duplicate),
printing each with its reason and head (git branch NAME HEAD restores it);
--keep-branches keeps them.

With --remote NAME (e.g. origin, in a clone) the remote holds the truth:
each round fetches its main, proposal branches and checkpoint, resets the
local main to the remote's, applies up to --batch entries and pushes main
by compare-and-swap (never forced). A lost race fetches and re-evaluates,
at most --retries times in a row with jittered exponential backoff.
Rounds go on until nothing is ready (or --rounds pushes were made). At the
end the checkpoint is written, and pushed while the remote's main is the
commit it covers. A remote main that no longer extends the last one seen
is refused.

Over http(s) the remote is authenticated as git is in GitHub Actions: by
$WRIT_GIT_TOKEN if set (HTTP Basic x-access-token:<token>), else by the
http.<url>.extraheader that actions/checkout leaves in git config, else by
a password in the remote's URL, else by $GITHUB_TOKEN for https remotes
on $GITHUB_SERVER_URL's host (github.com). Tokens never appear in output.
A shallow clone (checkout's default fetch-depth: 1) is deepened by the
first fetch.

A commit on main that writ did not write (a direct push, a merge button)
is refused: reconcile applies nothing but its recovery and exits 4, naming
each such commit, its author and subject (with --github, also in a failing
check run on main's head). To resume, propose the recovery (writ propose
--recover) and have the governance policy approve it: reconcile then writes
a recover entry on top of those commits (a fast-forward) that restores the
last verified tree.

With --github (in GitHub Actions; needs --remote) proposals arrive as pull
requests and approvals as reviews: reconcile reads the event
($GITHUB_EVENT_NAME, $GITHUB_EVENT_PATH), judges the event's pull request
(or every open one into main for push, schedule and workflow_dispatch),
applies the ready ones as WAL entries pushed to the remote's main, and
publishes a check run per head and a plan comment per pull request. The
token comes from the variable writ.yaml's github.token_env names (default
GITHUB_TOKEN); the API from github.api_url, else $GITHUB_API_URL. Pull
requests from forks are judged, never applied; --no-apply judges and
publishes only. A malformed event fails before anything is written. GET
responses are kept with their ETags in a cache file (--github-cache) so the
next run asks conditionally and an unchanged answer (304) costs no rate
limit; a bad cache file is ignored with a note.

--json prints what was applied and why the rest waits as one object (writ
schema output/reconcile; its applied elements are those of the Action's
applied output, with the proposal and why), with the same exit code; with
--github the outputs go to $GITHUB_OUTPUT instead.

With notifications: in writ.yaml, every run then records what it owes
Slack (and Jira) in the outbox (refs/writ/outbox; with --remote pushed
back to the remote) before delivering it within a bounded time; a target
that is down leaves its effects pending (writ outbox lists them) and
never changes the exit code. Tokens come only from the environment
variables writ.yaml names.

$WRIT_CRASH_AT=<point> (tests only) kills the process at that point with
exit code 86; points: after-commit-before-cas, after-commit-before-push,
after-push-before-checkpoint, after-apply-before-report.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := a.engine()
			if err != nil {
				return err
			}
			if v := os.Getenv(CrashEnv); v != "" {
				point, err := reconciler.ParseCrashPoint(v)
				if err != nil {
					return fmt.Errorf("$%s: %w", CrashEnv, err)
				}
				opts.Crash = func(p reconciler.CrashPoint) error {
					if p == point {
						fmt.Fprintf(a.err, "writ: crash injected at %s\n", p)
						os.Exit(ExitCrash)
					}
					return nil
				}
			}
			// The jitter comes from here, the edge.
			opts.Backoff = reconciler.ExpBackoff(25*time.Millisecond, 2*time.Second, rand.N[time.Duration])
			ctx := cmd.Context()
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			if gh.enabled {
				if asJSON {
					return fmt.Errorf("--json does not go with --github: the run's outputs go to $GITHUB_OUTPUT")
				}
				return a.reconcileGitHub(ctx, e, opts, gh)
			}
			if gh.noApply {
				return fmt.Errorf("--no-apply needs --github")
			}
			// The outbox reports first, so that its notes are printed.
			opts.Reporters = append(opts.Reporters, &notifyReporter{a: a, store: e.Store, keys: e.Keys, remote: opts.Remote},
				cliReporter{a: a, remote: opts.Remote, rounds: opts.Rounds, json: asJSON})
			rep, err := e.ReconcileWith(ctx, opts)
			if rep != nil && rep.Err == nil {
				a.refreshAllowedSigners(e, rep.State)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&opts.Remote, "remote", "", "reconcile against this git remote (e.g. origin): fetch, apply, push main by compare-and-swap (default: the local repo only)")
	cmd.Flags().IntVar(&opts.Batch, "batch", 0, "at most this many entries per push; 0: no cap")
	cmd.Flags().IntVar(&opts.Rounds, "rounds", 0, "stop after this many rounds that write (pushes), even if more is ready; 0: until nothing is ready")
	cmd.Flags().IntVar(&opts.Retries, "retries", reconciler.DefaultRetries, "lost races in a row before giving up")
	cmd.Flags().BoolVar(&gh.enabled, "github", false, "GitHub Actions mode: pull requests propose, reviews approve (needs --remote)")
	cmd.Flags().BoolVar(&gh.noApply, "no-apply", false, "with --github: judge and publish, apply nothing")
	cmd.Flags().StringVar(&gh.cache, "github-cache", "", "with --github: directory of the ETag cache kept across runs (default $"+GitHubCacheEnv+", else $RUNNER_TEMP/writ-github-cache; \"none\": no cache file)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Minute, "give up after this long; 0: never")
	cmd.Flags().BoolVar(&opts.KeepBranches, "keep-branches", false, "keep the proposal branches and decision refs of closed proposals (default: pruned, locally or with --remote on the remote)")
	return cmd
}

// cliReporter is the CLI's Reporter: it prints what a reconcile applied
// and why the rest waits.
type cliReporter struct {
	a      *app
	remote string
	rounds int
	json   bool
}

var _ reconciler.Reporter = cliReporter{}

// Report prints the notes and, for a run that did not fail, one line per
// entry and per proposal left alone, then main and the state hash.
func (c cliReporter) Report(_ context.Context, rep *outcome.Report) error {
	a := c.a
	if c.json {
		return a.printJSON(toReconcileJSON(rep))
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(a.err, "writ: note:", n)
	}
	if c.remote != "" && !a.quiet {
		fmt.Fprintf(a.out, "remote %s: %d entries in %d pushes, %d lost races\n", c.remote, len(rep.Applied), rep.Pushes, rep.Races)
	}
	if rep.Err != nil {
		return nil
	}
	for _, ap := range rep.Applied {
		fmt.Fprintf(a.out, "applied %s: %s (entry %s)\n", ap.Gate.Pending.Branch, ap.Gate.Outcome.Reason, short(ap.Commit.String()))
	}
	for _, w := range rep.Waited {
		what := "recorded %s as waiting: %s (entry %s)\n"
		if w.Gate.Entry.Kind == core.KindEscalate {
			what = "escalated %s: %s (entry %s)\n"
		}
		fmt.Fprintf(a.out, what, w.Gate.Pending.Branch, w.Gate.Outcome.Reason, short(w.Commit.String()))
	}
	for _, g := range rep.Skipped {
		fmt.Fprintf(a.out, "%s %s: %s\n", g.Verdict, g.Pending.Branch, g.Reason)
	}
	printPruned(a, rep)
	if c.remote != "" && len(rep.Merged) > 0 && !a.quiet {
		fmt.Fprintf(a.out, "already on main: %d proposals\n", len(rep.Merged))
	}
	if rep.More && !a.quiet {
		fmt.Fprintf(a.out, "stopped after %d rounds; more proposals may be ready\n", c.rounds)
	}
	if len(rep.Applied) == 0 && len(rep.Skipped) == 0 && !a.quiet {
		fmt.Fprintln(a.out, "nothing to do: no open proposals")
	}
	if !a.quiet {
		fmt.Fprintf(a.out, "main %s, state %s\n", short(rep.Head.String()), rep.State.Hash())
	}
	return nil
}
