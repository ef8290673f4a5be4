package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/schemas"
)

// Targets of issue 13 for a repository with closed proposal branches.
const (
	TargetNoopReconcile      = 0.030
	TargetOneEntryWithPruned = 0.020
)

// Branches is what Run measured with closed proposal branches present
// (see measureBranches). Seconds, like the rest of a Report.
type Branches struct {
	// Count is how many closed proposal branches the repository held:
	// one per proposal on main (applied or rejected), named as `writ
	// propose` names them, packed as `git gc` leaves refs.
	Count int `json:"count"`
	// NoopKept is the fastest no-op reconcile with every branch kept
	// (--keep-branches): what every run cost before branches were pruned.
	NoopKept float64 `json:"noop_kept_seconds"`
	// Prune is the one reconcile that deletes them all.
	Prune  float64 `json:"prune_seconds"`
	Pruned int     `json:"pruned"`
	// Noop and OneEntry are the medians of Options.Incremental no-op and
	// one-entry reconciles after that, OneEntryMax the slowest one-entry.
	Noop        float64 `json:"noop_seconds"`
	OneEntry    float64 `json:"one_entry_seconds"`
	OneEntryMax float64 `json:"one_entry_max_seconds"`
}

// measureBranches gives a copy of the repo Options.Branches closed
// proposal branches (default: one per ten entries, at most one per
// proposal on main) and times, each reconcile opening the repository
// afresh as a new process would: no-op reconciles that keep them, the
// reconcile that prunes them, then no-op and one-entry reconciles.
func measureBranches(repo *Repo, opts Options, rep *Report) error {
	want := opts.Branches
	if want == 0 {
		want = max(repo.Spec.Entries/10, 1)
	}
	if want < 0 {
		return nil
	}
	tmp, err := os.MkdirTemp("", "writ-bench-branches-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "control.git")
	if err := linkedCopy(repo.Dir, dir); err != nil {
		return fmt.Errorf("copy repo: %w", err)
	}
	n, err := addClosedBranches(dir, want)
	if err != nil {
		return err
	}
	keys := local.KeyDir{Dir: repo.Keys}
	b := &Branches{Count: n}
	reconcile := func(opts reconciler.ReconcileOptions) (*reconciler.ReconcileReport, float64, error) {
		e, err := openEngine(dir, keys)
		if err != nil {
			return nil, 0, err
		}
		t := time.Now()
		out, err := e.ReconcileWith(context.Background(), opts)
		return out, time.Since(t).Seconds(), err
	}
	for i := 0; i < opts.Repeat; i++ {
		out, s, err := reconcile(reconciler.ReconcileOptions{KeepBranches: true})
		if err != nil {
			return fmt.Errorf("no-op reconcile with branches kept: %w", err)
		}
		if len(out.Applied) != 0 || len(out.Merged) != n {
			return fmt.Errorf("no-op reconcile with branches kept: applied %d, merged %d, want 0 and %d", len(out.Applied), len(out.Merged), n)
		}
		if i == 0 || s < b.NoopKept {
			b.NoopKept = s
		}
	}
	out, s, err := reconcile(reconciler.ReconcileOptions{})
	if err != nil {
		return fmt.Errorf("pruning reconcile: %w", err)
	}
	b.Prune, b.Pruned = s, len(out.Pruned)
	if b.Pruned != n {
		return fmt.Errorf("pruning reconcile pruned %d branches, want %d", b.Pruned, n)
	}
	var noops, ones []float64
	for i := 0; i < opts.Incremental; i++ {
		if _, s, err = reconcile(reconciler.ReconcileOptions{}); err != nil {
			return fmt.Errorf("no-op reconcile: %w", err)
		}
		noops = append(noops, s)
		e, err := openEngine(dir, keys)
		if err != nil {
			return err
		}
		if _, err := e.Propose(reconciler.ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
			Instance: fmt.Sprintf("bench-branches-%d", i), Workflow: "release", Transition: "create", Owner: "team-bench"}}); err != nil {
			return fmt.Errorf("propose: %w", err)
		}
		out, s, err := reconcile(reconciler.ReconcileOptions{})
		if err != nil {
			return fmt.Errorf("one-entry reconcile: %w", err)
		}
		if len(out.Applied) != 1 {
			return fmt.Errorf("one-entry reconcile applied %d entries, want 1", len(out.Applied))
		}
		ones = append(ones, s)
		b.OneEntryMax = max(b.OneEntryMax, s)
	}
	b.Noop, b.OneEntry = median(noops), median(ones)
	rep.Branches = b
	return nil
}

// addClosedBranches creates up to want branches proposals/<instance>/<name>
// for proposals main holds, each at main's head, and packs the refs as
// `git gc` would. It returns how many it created.
func addClosedBranches(dir string, want int) (int, error) {
	s, err := gitstore.Open(dir)
	if err != nil {
		return 0, err
	}
	head, err := s.Ref(gitstore.MainRef)
	if err != nil {
		return 0, err
	}
	files, err := s.ListFiles(head, schemas.ProposalsDir)
	if err != nil {
		return 0, err
	}
	var in strings.Builder
	n := 0
	for _, f := range files {
		if n == want {
			break
		}
		if _, _, rules, err := schemas.ParseProposalPath(f); err != nil || rules {
			continue
		}
		branch := strings.TrimSuffix(f, schemas.ProposalSuffix)
		fmt.Fprintf(&in, "create refs/heads/%s %s\n", branch, head)
		n++
	}
	cmd := exec.Command("git", "update-ref", "--stdin")
	cmd.Dir, cmd.Stdin = dir, strings.NewReader(in.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("git update-ref: %w: %s", err, out)
	}
	if err := runGit(dir, "pack-refs", "--all"); err != nil {
		return 0, err
	}
	return n, nil
}
