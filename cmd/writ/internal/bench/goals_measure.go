package bench

import (
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/cmd/writ/internal/readgc"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/goalview"
)

// Targets of issue 14 for a goal lineage (GoalSpec): replay within
// TargetRatio of reading plus verifying, and `writ goals` under this.
const TargetGoals = 0.200 // seconds

// GoalReport is what RunGoals measured on one goal lineage repo.
type GoalReport struct {
	// Replay, ReadAlone, VerifyAlone, Ratio: as Report's.
	Report
	// Tasks and BlockEvents are what the lineage holds: prerequisite
	// tasks (the terminal task not counted) and block events (declarations,
	// confirmations, resolutions).
	Tasks       int `json:"tasks"`
	BlockEvents int `json:"block_events"`
	// Goals is `writ goals` as a new process does it, the median of Repeat
	// runs: open the repository, restore the state from the checkpoint,
	// read the lineages and draw the tree.
	Goals float64 `json:"goals_seconds"`
	// GoalsMax is the slowest of those runs.
	GoalsMax float64 `json:"goals_max_seconds"`
}

// RunGoals measures a goal lineage repo (built from GoalSpec): replay and
// its two baselines in the same run, then `writ goals`.
func RunGoals(repo *Repo, opts Options) (*GoalReport, error) {
	opts = opts.withDefaults()
	if repo.Spec.Goals <= 0 {
		return nil, fmt.Errorf("bench goals: repo %s was not built from a goal spec", repo.Dir)
	}
	rep := &GoalReport{Report: Report{Cores: runtime.GOMAXPROCS(0), Repeat: opts.Repeat, LoadBefore: loadAvg()},
		Tasks: repo.Spec.Goals, BlockEvents: 4 * repo.Spec.Goals}
	n, err := countCommits(repo.Dir)
	if err != nil {
		return nil, err
	}
	rep.Commits = n
	opts.ReplayCommand = nil
	if err := measureReplayAndBaselines(repo, opts, &rep.Report); err != nil {
		return nil, err
	}
	var runs []float64
	for i := 0; i < opts.Repeat; i++ {
		t := time.Now()
		tasks, err := goalsOnce(repo)
		if err != nil {
			return nil, err
		}
		runs = append(runs, time.Since(t).Seconds())
		if tasks != repo.Spec.Goals+1 {
			return nil, fmt.Errorf("bench goals: the lineage has %d tasks, want %d", tasks, repo.Spec.Goals+1)
		}
	}
	rep.Goals = median(runs)
	for _, s := range runs {
		rep.GoalsMax = max(rep.GoalsMax, s)
	}
	rep.LoadAfter = loadAvg()
	return rep, nil
}

// goalsOnce does what `writ goals` does and returns how many tasks it drew.
func goalsOnce(repo *Repo) (int, error) {
	// As the command does: no collection while the lineage is restored
	// and drawn.
	defer readgc.Pause()()
	e, err := openEngine(repo.Dir, local.KeyDir{Dir: repo.Keys})
	if err != nil {
		return 0, err
	}
	res, err := e.Replay(reconciler.ReplayOptions{FromCheckpoint: true})
	if err != nil {
		return 0, fmt.Errorf("bench goals: load state: %w", err)
	}
	st, err := e.RestoreBuckets(res.State, res.Checkpoint, res.State.GoalBuckets())
	if err != nil {
		return 0, fmt.Errorf("bench goals: restore: %w", err)
	}
	views, err := st.Lineages()
	if err != nil {
		return 0, err
	}
	if err := goalview.Tree(io.Discard, views); err != nil {
		return 0, err
	}
	tasks := 0
	for _, v := range views {
		tasks += len(v.Tasks)
	}
	return tasks, nil
}

// WriteGoalTable renders goal reports and how each compares with its
// targets.
func WriteGoalTable(w io.Writer, reports []*GoalReport) error {
	fmt.Fprintf(w, "%8s %8s %9s %9s %10s %10s %12s %7s %12s\n", "tasks", "events", "entries", "replay", "µs/entry", "read alone", "verify alone", "ratio", "writ goals")
	for _, r := range reports {
		fmt.Fprintf(w, "%8s %8s %9s %9s %10.0f %10s %12s %6.2f× %12s\n", group(r.Tasks), group(r.BlockEvents), group(r.Entries),
			secs(r.Replay), r.Replay/float64(r.Entries)*1e6, secs(r.ReadAlone), secs(r.VerifyAlone), r.Ratio(), ms(r.Goals))
	}
	if len(reports) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nreplay: `writ replay` in process, every entry verified and applied; read alone: `git log --format='%%H %%B' main`;\n")
	fmt.Fprintf(w, "verify alone: the same signatures verified on %d cores; ratio = replay / (read + verify), all in this run;\n", reports[0].Cores)
	fmt.Fprintf(w, "writ goals: open, restore from the checkpoint, read the lineages, draw the tree (median of %d).\n\n", reports[0].Repeat)
	for _, r := range reports {
		fmt.Fprintf(w, "%s tasks: %s; %s\n", group(r.Tasks),
			verdict(r.Ratio() <= TargetRatio, "replay %.2f× (read+verify), target ≤ %.1f×", r.Ratio(), TargetRatio),
			verdict(r.GoalsMax < TargetGoals, "writ goals %s (max %s), target < %s", ms(r.Goals), ms(r.GoalsMax), ms(TargetGoals)))
	}
	return nil
}
