package goalview_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/goalview"
)

// randomLineage is a lineage of up to 12 tasks and 16 blocks between
// them (cycles, self-blocks and unknown ids included), with random
// statuses, voters and clocks: nothing a reducer would build, everything
// a view must survive.
func randomLineage(r *rand.Rand, i int) core.LineageView {
	n := 1 + r.IntN(12)
	ids := make([]string, n+2)
	for k := range ids {
		ids[k] = hash(fmt.Sprintf("task %d %d", i, k))
	}
	people := []string{"alice", "bob", "carol", "dave"}
	pick := func() []string {
		var out []string
		for _, p := range people {
			if r.IntN(2) == 0 {
				out = append(out, p)
			}
		}
		return out
	}
	tStatus := []core.TaskStatus{core.TaskProposed, core.TaskActionable, core.TaskBlocked, core.TaskComplete, core.TaskDismissed}
	bStatus := []core.BlockStatus{core.BlockUnknown, core.BlockClaimed, core.BlockConfirmed, core.BlockDismissed, core.BlockResolved}
	v := core.LineageView{ID: fmt.Sprintf("l%d", i), Goal: "release", StartedBy: "alice", Terminal: ids[0], Done: r.IntN(3) == 0,
		Started: core.HLC{Wall: r.Int64N(1e6)}, LastProgress: core.HLC{Wall: r.Int64N(1e7)}, Hash: hash("l")}
	for k := 0; k < n; k++ {
		t := core.TaskView{ID: ids[k], Type: []string{"build", "test", "barrier", "fix"}[r.IntN(4)], Depth: r.IntN(4), Status: tStatus[r.IntN(5)],
			DeclaredBy: pick(), Payload: map[string]any{"k": k}}
		if t.Type == "barrier" {
			t.Members = []string{ids[r.IntN(len(ids))], ids[r.IntN(len(ids))]}
			t.MembersDone = r.IntN(3)
		}
		v.Tasks = append(v.Tasks, t)
	}
	for k := range r.IntN(16) {
		b := core.BlockView{ID: hash(fmt.Sprintf("block %d %d", i, k)), Blocked: ids[r.IntN(len(ids))], Prerequisite: ids[r.IntN(len(ids))],
			Status: bStatus[r.IntN(5)], DeclaredBy: pick(), ConfirmedBy: pick(), RefutedBy: pick(), Shortfall: r.IntN(2)}
		if r.IntN(4) == 0 {
			b.Ignored = []core.IgnoredVote{{Identity: "erin", Action: "confirm-block", Reason: "trust level 1 is below the goal's minimum 3"}}
		}
		v.Blocks = append(v.Blocks, b)
	}
	sortBlocks(v.Blocks)
	return v
}

// TestViewsSurviveAnyLineage: on random lineages Tree, Graph and Scan
// never panic and give the same output twice; the tree prints every
// task; every SVG is well-formed; every finding's suggestion is a valid
// proposal.
func TestViewsSurviveAnyLineage(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 2026))
	kinds := map[goalview.Kind]int{}
	for i := range 300 {
		v := randomLineage(r, i)
		views := []core.LineageView{v}
		tree := render(t, views)
		if render(t, views) != tree {
			t.Fatalf("lineage %d: two trees differ", i)
		}
		for _, task := range v.Tasks {
			if !strings.Contains(tree, goalview.ShortID(task.ID)) {
				t.Fatalf("lineage %d: task %s missing from\n%s", i, goalview.ShortID(task.ID), tree)
			}
		}
		for _, f := range goalview.Formats {
			out, err := goalview.Graph(views, v.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			if f == "svg" {
				if nodes, _ := svgCounts(t, out); nodes != len(v.Tasks) {
					t.Fatalf("lineage %d: %d SVG nodes for %d tasks", i, nodes, len(v.Tasks))
				}
			}
		}
		now := core.HLC{Wall: r.Int64N(2e7)}
		got := goalview.Scan(views, goals, now)
		if !reflect.DeepEqual(goalview.Scan(views, goals, now), got) {
			t.Fatalf("lineage %d: two scans differ", i)
		}
		for _, f := range got {
			checkSuggest(t, v, f)
			kinds[f.Kind]++
		}
	}
	if len(kinds) != 3 {
		t.Errorf("the random lineages gave findings %v: want every kind at least once", kinds)
	}
}
