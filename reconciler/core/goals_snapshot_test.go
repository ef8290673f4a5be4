package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// bigLineage drives lineage L1 as the goal bench does, at n prerequisite
// tasks: every task declared under task (k-1)/10 by a1, confirmed by a2
// and a4 (and by a3, whose vote is recorded but does not count, on every
// seventh), then completed from the leaves up and its block resolved,
// but for a few leaves (and so their ancestors) left open; when none is
// open the terminal task completes too. Up to 6 entries a task.
func bigLineage(tb testing.TB, n int) *goalLog {
	g := newGoalLog(&testing.T{}, goalRules(nil, 0))
	if t, ok := tb.(*testing.T); ok {
		g.t = t
	}
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	terminal := g.view().Terminal
	task := func(k int) (id, parent string) {
		if k == 0 {
			return terminal, ""
		}
		id, _ = TaskID("fix", map[string]any{"n": k}, "L1")
		parent, _ = TaskID("fix", map[string]any{"n": (k - 1) / 10}, "L1")
		if (k-1)/10 == 0 {
			parent = terminal
		}
		return id, parent
	}
	for k := 1; k <= n; k++ {
		_, parent := task(k)
		id, _ := task(k)
		g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": parent, "prerequisite": pre("fix", map[string]any{"n": k})}, StatusApplied)
		b := BlockID(parent, id)
		g.act("a2", schemas.GoalConfirmBlock, map[string]any{"block": b}, StatusApplied)
		if k%7 == 0 {
			g.act("a3", schemas.GoalConfirmBlock, map[string]any{"block": b}, StatusApplied)
		}
		g.act("a4", schemas.GoalConfirmBlock, map[string]any{"block": b}, StatusApplied)
	}
	open := make([]bool, n+1)
	for k := n; k >= 1; k-- {
		id, parent := task(k)
		if open[k] || ((k%97 == 3 || k == n-1) && 10*k+1 > n) {
			open[(k-1)/10] = true // left open: blocked and actionable tasks stay in the view
			continue
		}
		g.act("a1", schemas.GoalComplete, map[string]any{"task": id}, StatusApplied)
		g.act("human", schemas.GoalResolveBlock, map[string]any{"block": BlockID(parent, id)}, StatusApplied)
	}
	if !open[0] {
		g.act("a1", schemas.GoalComplete, map[string]any{"task": terminal}, StatusApplied)
	}
	return g
}

// v2Dir holds a snapshot written by writ before lineages had their own
// file (snapshot version 2: each lineage as JSON inside its bucket file).
const v2Dir = "testdata/snapshot-v2-goal"

// readSnapshotDir reads every file under dir as snapshot files.
func readSnapshotDir(t *testing.T, dir string) SnapshotFiles {
	t.Helper()
	files := SnapshotFiles{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || filepath.Base(p) == "view.json" {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestRestoresVersion2Snapshot: a checkpoint written in the previous
// format (every lineage as JSON in its bucket file) still restores, to the
// state hash and the lineage view it was written with, and the snapshot
// taken of it is written in this version's format and restores the same.
func TestRestoresVersion2Snapshot(t *testing.T) {
	if os.Getenv("WRIT_WRITE_V2_FIXTURE") != "" {
		writeV2Fixture(t)
	}
	files := readSnapshotDir(t, v2Dir)
	want, err := os.ReadFile(filepath.Join(v2Dir, "view.json"))
	if err != nil {
		t.Fatal(err)
	}
	var head struct {
		Version int    `json:"version"`
		Hash    string `json:"hash"`
	}
	if err := json.Unmarshal(files[SnapshotHead], &head); err != nil || head.Version != 2 {
		t.Fatalf("fixture head: version %d, %v", head.Version, err)
	}
	s, err := Restore(files)
	if err != nil {
		t.Fatal(err)
	}
	if s.Hash() != head.Hash {
		t.Fatalf("restored %s, the v2 head says %s", s.Hash(), head.Hash)
	}
	v, ok, err := s.Lineage("L1")
	if err != nil || !ok {
		t.Fatalf("lineage L1: %v %v", ok, err)
	}
	if got := mustJSONAny(t, v); got != string(want) {
		t.Fatalf("restored view differs from the one written with the fixture:\n%s\n%s", got, want)
	}
	again, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Restore(again)
	if err != nil {
		t.Fatal(err)
	}
	if r.Hash() != head.Hash || mustJSONAny(t, mustLineage(t, r, "L1")) != string(want) {
		t.Fatalf("the re-written snapshot restores to %s", r.Hash())
	}
}

func mustLineage(t *testing.T, s State, id string) LineageView {
	t.Helper()
	v, ok, err := s.Lineage(id)
	if err != nil || !ok {
		t.Fatalf("lineage %s: %v %v", id, ok, err)
	}
	return v
}

// writeV2Fixture writes v2Dir with the writ of the day (run once, with
// the version 2 writer, to make the fixture).
func writeV2Fixture(t *testing.T) {
	g := bigLineage(t, 40)
	files, err := g.s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	for p, data := range files {
		full := filepath.Join(v2Dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(v2Dir, "view.json"), []byte(mustJSONAny(t, g.view())), 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkGoalsViewRestore measures what `writ goals` does in the core
// on a lineage of n tasks: restore the lineage's bucket from its snapshot
// files (decode, rebuild, check the hash) and build its view.
func BenchmarkGoalsViewRestore(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		files, err := bigLineage(b, n).s.Snapshot()
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC() // the log that built the lineage is garbage: not timed
		size := 0
		for _, f := range files {
			size += len(f)
		}
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			b.ReportMetric(float64(size), "snapshot-bytes")
			for b.Loop() {
				s, err := Restore(files)
				if err != nil {
					b.Fatal(err)
				}
				views, err := s.Lineages()
				if err != nil || len(views) != 1 || len(views[0].Tasks) != n+1 {
					b.Fatalf("%d views, %v", len(views), err)
				}
			}
		})
	}
}

// TestGoalAppliesOnPartlyRestoredState: a goal entry on a state restored
// from a snapshot head asks for its lineage's bucket; restored from the
// files SnapshotPaths names (the bucket and its lineage file), the entry
// applies as on the state the snapshot was taken of.
func TestGoalAppliesOnPartlyRestoredState(t *testing.T) {
	g := bigLineage(t, 3)
	snap, err := g.s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	part, err := RestoreHead(snap[SnapshotHead])
	if err != nil {
		t.Fatal(err)
	}
	task, err := TaskID("fix", map[string]any{"n": 2}, "L1")
	if err != nil {
		t.Fatal(err)
	}
	g.act("a1", schemas.GoalComplete, map[string]any{"task": task}, StatusApplied)
	e := g.trail[len(g.trail)-1]
	var missing *MissingBucketError
	if _, _, err := Apply(part, e); !errors.As(err, &missing) || missing.Bucket != bucketOf("L1") {
		t.Fatalf("apply on the head alone: %v, want the lineage's bucket missing", err)
	}
	paths := part.SnapshotPaths(missing.Bucket)
	if len(paths) != 2 || paths[1] != LineagePath(missing.Bucket) {
		t.Fatalf("SnapshotPaths = %v, want the bucket and its lineage file", paths)
	}
	files := SnapshotFiles{}
	for _, p := range paths {
		files[p] = snap[p]
	}
	if part, err = part.WithBuckets(files); err != nil {
		t.Fatal(err)
	}
	next, out, err := Apply(part, e)
	if err != nil || out.Status != StatusApplied || next.Hash() != g.s.Hash() {
		t.Fatalf("after restoring: %v %s, hash %s, want %s", err, out.Status, next.Hash(), g.s.Hash())
	}
}

// TestGoalViewsRestoreOnlyLineageBuckets: of a snapshot holding workflow
// instances and a lineage, the goal views need only the buckets its head
// records lineages in; a workflow instance's unrestored bucket is not a
// lineage, and a version 2 head, which records none, needs every bucket.
func TestGoalViewsRestoreOnlyLineageBuckets(t *testing.T) {
	rules := testRules()
	gr := goalRules(nil, 0)
	rules.Goals = gr.Goals
	for _, id := range gr.Config.Identities {
		if id.Name != "writ-bot" {
			rules.Config.Identities = append(rules.Config.Identities, id)
		}
	}
	b := &builder{t: t, wall: 1}
	s := mustApply(t, NewState(), Entry{Kind: KindGenesis, HLC: HLC{Wall: 1}, Signer: "writ-bot", IdemKey: "genesis", Rules: rules}, StatusApplied)
	var workflows []string
	for _, r := range []string{"r1", "r2", "r3", "r4", "r5"} {
		s = mustApply(t, s, b.transition(s, "agent", r, "create"), StatusApplied)
		if bucketOf(r) != bucketOf("L1") {
			workflows = append(workflows, r)
		}
	}
	g := &goalLog{t: t, s: s, wall: 1_000_000}
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	snap, err := g.s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	part, err := RestoreHead(snap[SnapshotHead])
	if err != nil {
		t.Fatal(err)
	}
	if got := part.GoalBuckets(); len(got) != 1 || got[0] != bucketOf("L1") || len(part.Unrestored()) < 2 {
		t.Fatalf("GoalBuckets = %v of %v unrestored, want only L1's bucket", got, part.Unrestored())
	}
	if _, err := part.Lineages(); err == nil {
		t.Fatal("Lineages answered without the lineage's bucket")
	}
	files := SnapshotFiles{}
	for _, p := range part.SnapshotPaths(bucketOf("L1")) {
		files[p] = snap[p]
	}
	if part, err = part.WithBuckets(files); err != nil {
		t.Fatal(err)
	}
	views, err := part.Lineages()
	if err != nil || len(views) != 1 || mustJSONAny(t, views[0]) != mustJSONAny(t, g.view()) {
		t.Fatalf("lineages from the lineage's bucket alone: %d, %v", len(views), err)
	}
	for _, r := range workflows {
		if _, ok, err := part.Lineage(r); ok || err != nil {
			t.Fatalf("Lineage(%s) of an unrestored workflow bucket: %v %v, want none", r, ok, err)
		}
	}
	if len(workflows) == 0 {
		t.Fatal("every workflow instance shares the lineage's bucket: pick other ids")
	}
	v2, err := RestoreHead(readSnapshotDir(t, v2Dir)[SnapshotHead])
	if err != nil {
		t.Fatal(err)
	}
	if got, all := v2.GoalBuckets(), v2.Unrestored(); len(got) != len(all) {
		t.Fatalf("version 2 head: GoalBuckets %v, want every unrestored bucket %v", got, all)
	}
}
