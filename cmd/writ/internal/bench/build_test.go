package bench

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/replay"
	"github.com/writ-dev/writ/schemas"
)

// tinySpec is a repo small enough for every test run, with every kind of
// entry: creations, loops, approved ships and rejections.
func tinySpec(entries int) Spec {
	spec := DefaultSpec(entries)
	spec.Lanes, spec.Loops, spec.RejectEvery, spec.PackEvery = 3, 1, 2, 50
	return spec
}

func TestBuildReplays(t *testing.T) {
	spec := tinySpec(120)
	r, err := Build(t.TempDir(), spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gitstore.Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&reconciler.Engine{Store: s}).Replay(reconciler.ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.FirstParentHint(plumbing.NewHash(r.Head)); !ok {
		t.Fatal("no commit-graph holds main's head")
	}
	if res.Replayed != spec.Entries+1 || res.State.Hash() != r.StateHash {
		t.Fatalf("replayed %d entries to %s, want %d to %s", res.Replayed, res.State.Hash(), spec.Entries+1, r.StateHash)
	}
	if r.Ships == 0 || r.Rejects == 0 || r.Decisions != 2*r.Ships+r.Rejects {
		t.Fatalf("repo lacks approvals or rejections: %+v", r)
	}
	// The git client agrees: one pack, every object sound, signatures good,
	// and a commit-graph as git gc leaves, which replay walks main with.
	for _, args := range [][]string{{"fsck", "--strict", "--no-progress"}, {"count-objects", "-v"}, {"commit-graph", "verify"}} {
		out, err := exec.Command("git", append([]string{"-C", r.Dir}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", args[0], err, out)
		}
		if args[0] == "count-objects" && !strings.Contains(string(out), "count: 0\n") {
			t.Fatalf("loose objects left after the build:\n%s", out)
		}
	}
}

func TestOpenReusesCache(t *testing.T) {
	dir := t.TempDir()
	spec := tinySpec(20)
	first, err := Open(dir, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Open(dir, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.BuildSeconds != 0 || again.Head != first.Head {
		t.Fatalf("rebuilt a cached repo: %+v", again)
	}
}

func TestRunMeasuresEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and measures a repo")
	}
	r, err := Open(t.TempDir(), tinySpec(200), nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(r, Options{Repeat: 1, Sample: 40, Incremental: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entries != 201 || rep.Signatures < 2*200 || rep.Commits <= rep.Entries || rep.ShowSignatureGood != 40 {
		t.Fatalf("report %+v", rep)
	}
	for name, v := range map[string]float64{"replay": rep.Replay, "read": rep.ReadAlone, "verify": rep.VerifyAlone,
		"show-signature": rep.ShowSignature, "propose": rep.Propose, "reconcile": rep.Reconcile} {
		if v <= 0 {
			t.Errorf("%s took %v", name, v)
		}
	}
	if rep.PeakRSS <= 0 {
		t.Logf("peak RSS not measured: %s", rep.RSSSource)
	}
	// Closed proposal branches: one per ten entries by default, all
	// pruned by one reconcile, then no-op and one-entry reconciles.
	if b := rep.Branches; b == nil || b.Count != 20 || b.Pruned != b.Count || b.NoopKept <= 0 || b.Noop <= 0 || b.OneEntry <= 0 {
		t.Fatalf("branches %+v", rep.Branches)
	}
	var out bytes.Buffer
	if err := WriteTable(&out, []*Report{rep}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "201") || !strings.Contains(out.String(), "target") || !strings.Contains(out.String(), "closed branches") {
		t.Fatalf("table:\n%s", out.String())
	}
	t.Logf("\n%s", out.String())
}

// TestGoalLineageBuildsAndMeasures builds a small goal lineage the way
// `writ bench --goals` does, replays it to the builder's state, and
// measures it: every task and block event is a real signed entry.
func TestGoalLineageBuildsAndMeasures(t *testing.T) {
	spec := GoalSpec(25)
	spec.PackEvery = 40
	r, err := Build(t.TempDir(), spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := RunGoals(r, Options{Repeat: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entries != spec.Entries+1 || rep.StateHash != r.StateHash || rep.Tasks != 25 || rep.Goals <= 0 || rep.Replay <= 0 {
		t.Fatalf("report %+v, want %d entries to %s", rep, spec.Entries+1, r.StateHash)
	}
	var out bytes.Buffer
	if err := WriteGoalTable(&out, []*GoalReport{rep}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "writ goals") || !strings.Contains(out.String(), "target") {
		t.Fatalf("table:\n%s", out.String())
	}
	t.Logf("\n%s", out.String())
}

// maxShardEntries bounds a proposal directory of one lineage: 256 shards
// in its directory, and in each shard about actions/256 files.
const maxShardEntries = 256

// TestGoalLineageIsSharded builds a lineage of a few hundred goal
// actions and checks that no directory under proposals/ on main grows
// with it: the lineage's directory holds at most 256 shards, each a few
// files, every file where schemas.GoalProposalFile says; and replay takes
// the repo.
func TestGoalLineageIsSharded(t *testing.T) {
	spec := GoalSpec(80) // 402 goal actions
	spec.PackEvery = 200
	r, err := Build(t.TempDir(), spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gitstore.Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Commit(plumbing.NewHash(r.Head))
	if err != nil {
		t.Fatal(err)
	}
	root, err := c.Tree()
	if err != nil {
		t.Fatal(err)
	}
	props, err := root.Tree(schemas.ProposalsDir)
	if err != nil {
		t.Fatal(err)
	}
	files, largest, most := 0, "", 0
	var walk func(dir string, tr *object.Tree)
	walk = func(dir string, tr *object.Tree) {
		if len(tr.Entries) > most {
			largest, most = dir, len(tr.Entries)
		}
		for _, e := range tr.Entries {
			p := dir + "/" + e.Name
			if e.Mode == filemode.Dir {
				sub, err := tr.Tree(e.Name)
				if err != nil {
					t.Fatal(err)
				}
				walk(p, sub)
				continue
			}
			files++
			if _, name, _, err := schemas.ParseProposalPath(p); err != nil || p != schemas.GoalProposalFile(goalLineage, name) {
				t.Errorf("%s is not where a goal action's file goes (%v)", p, err)
			}
		}
	}
	walk(schemas.ProposalsDir, props)
	if files != spec.Entries+1-1 { // every entry but genesis adds one file; the start is among them
		t.Errorf("%d proposal files on main, want %d", files, spec.Entries)
	}
	if most > maxShardEntries {
		t.Errorf("%s holds %d entries, more than %d: a lineage's directory grows with its actions", largest, most, maxShardEntries)
	}
	res, stats, err := (&replay.Replayer{Store: s}).ReplayStats(reconciler.ReplayOptions{})
	if err != nil || res.State.Hash() != r.StateHash {
		t.Fatalf("replay: %v, state %v, want %s", err, res, r.StateHash)
	}
	// Every goal action's tree is shown from the hint, none by a diff
	// (the start and the other entries before the lineage are flat).
	if stats.TreeDiffs != 0 || stats.TreeHints < spec.Entries-2 {
		t.Errorf("replay checked %d of %d entries' trees from hints, %d by a diff", stats.TreeHints, spec.Entries, stats.TreeDiffs)
	}
	// Every goal action's file is the YAML writ writes for it: shown by
	// its object name, not read.
	if stats.ProposalsRendered < spec.Entries-2 {
		t.Errorf("replay showed %d of %d proposal files by their names", stats.ProposalsRendered, spec.Entries)
	}
}
