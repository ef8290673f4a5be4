package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/cmd/writ/internal/bench"
)

func (a *app) benchCommand() *cobra.Command {
	var (
		sizes, cacheDir string
		asJSON, child   bool
		opts            bench.Options
		goals           int
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure replay, verification and reconcile on synthetic signed control repos",
		Long: `bench builds synthetic control repos of the given sizes (WAL entries) from
the release example: every entry a merge commit signed by the reconciler
over a proposal commit signed by the proposing agent, some with approvals
or rejections signed by humans, all written by the same code as propose,
approve and reconcile, then packed like a clone. Built repos are kept in
--cache and reused.

On each repo it measures, in the same run: writ replay (every entry
verified and applied); reading the log alone (git log --format='%H %B');
verifying the same signatures alone (extracted beforehand, on all cores);
git log --show-signature on a sample, extrapolated to the whole log;
propose and reconcile of one new entry on top (checkpoint at the head);
and replay's peak RSS (a child writ replay). It prints a table and how
each figure compares with its target; --json prints the figures.

Progress is shown on a terminal (not in CI or with --quiet). The full
benchmark is: writ bench --sizes 1000,10000,100000 (the 100,000-entry
repo takes several minutes to build the first time).

With --goals N it measures a goal lineage instead: one lineage of the goals
example grown to N prerequisite tasks (each declared, confirmed by two
identities, completed and its block resolved: 5 signed entries, 4 block
events per task) and back to its terminal task; replay against reading
plus verifying the same log, and writ goals (open, restore, draw the
tree). The issue's figure is writ bench --goals 10000.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ns, err := parseSizes(sizes)
			if err != nil {
				return err
			}
			if cacheDir == "" {
				if cacheDir, err = defaultBenchCache(); err != nil {
					return err
				}
			}
			if child {
				exe, err := os.Executable()
				if err != nil {
					return fmt.Errorf("bench: find the writ binary for the child replay: %w", err)
				}
				opts.ReplayCommand = func(dir string) *exec.Cmd {
					return exec.Command(exe, "replay", "--repo", dir, "--quiet")
				}
			}
			steps := a.benchProgress()
			defer steps.finish()
			opts.Progress = steps.update
			if goals > 0 {
				repo, err := bench.Open(cacheDir, bench.GoalSpec(goals), steps.update)
				if err != nil {
					return err
				}
				steps.finish()
				rep, err := bench.RunGoals(repo, opts)
				steps.finish()
				if err != nil {
					return err
				}
				if asJSON {
					enc := json.NewEncoder(a.out)
					enc.SetIndent("", "  ")
					return enc.Encode([]*bench.GoalReport{rep})
				}
				return bench.WriteGoalTable(a.out, []*bench.GoalReport{rep})
			}
			var reports []*bench.Report
			for _, n := range ns {
				repo, err := bench.Open(cacheDir, bench.DefaultSpec(n), steps.update)
				if err != nil {
					return err
				}
				steps.finish()
				rep, err := bench.Run(repo, opts)
				steps.finish()
				if err != nil {
					return err
				}
				reports = append(reports, rep)
			}
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(reports)
			}
			return bench.WriteTable(a.out, reports)
		},
	}
	f := cmd.Flags()
	f.StringVar(&sizes, "sizes", "1000", "comma-separated repo sizes in WAL entries, e.g. 1000,10000,100000")
	f.StringVar(&cacheDir, "cache", "", "directory to keep built repos in (default: the user cache directory, writ/bench)")
	f.BoolVar(&asJSON, "json", false, "print the figures as JSON")
	f.BoolVar(&child, "child-replay", true, "measure peak RSS on a child `writ replay` (false: in this process)")
	f.IntVar(&opts.Repeat, "repeat", 3, "run every timing this many times and keep the fastest")
	f.IntVar(&opts.Sample, "sample", 1000, "commits `git log --show-signature` verifies before extrapolating")
	f.IntVar(&opts.Incremental, "incremental", 5, "one-entry propose + reconcile rounds to time")
	f.IntVar(&goals, "goals", 0, "measure one goal lineage of this many prerequisite tasks instead (the issue's size: 10000)")
	f.IntVar(&opts.Branches, "branches", 0, "closed proposal branches to time reconciles with (0: one per ten entries; -1: skip)")
	return cmd
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(f), "_", ""))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--sizes: %q is not a positive number of entries", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func defaultBenchCache() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("bench: no user cache directory (use --cache): %w", err)
	}
	return filepath.Join(dir, "writ", "bench"), nil
}

// benchSteps shows one progress bar per step of a bench run.
type benchSteps struct {
	a    *app
	step string
	bar  *progressbar.ProgressBar
}

func (a *app) benchProgress() *benchSteps { return &benchSteps{a: a} }

func (s *benchSteps) update(step string, done, total int) {
	if step != s.step {
		s.finish()
		s.step, s.bar = step, s.a.progress(step)
	}
	if s.bar != nil {
		s.bar.ChangeMax(total)
		_ = s.bar.Set(done)
	}
}

func (s *benchSteps) finish() {
	if s.bar != nil {
		_ = s.bar.Finish()
	}
	s.step, s.bar = "", nil
}
