package goalview_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/goalview"
)

// wideLineage is a done lineage shaped as `writ bench --goals n` builds
// it: n prerequisites under the terminal task, ten to a parent, each
// through a resolved block declared by one identity and confirmed by two.
// Its tasks carry no payload: a view the core builds carries each
// payload's canonical JSON, which the tree prints as it is, and views
// built here cannot (they would measure encoding payloads instead).
func wideLineage(n int) core.LineageView {
	ids := make([]string, n+1)
	for i := range ids {
		ids[i] = hash(fmt.Sprintf("task %d", i))
	}
	v := core.LineageView{ID: "cve", Goal: "patch-cve", StartedBy: "scanner-a", Terminal: ids[0], Done: true, Completed: n + 1}
	done := func() *core.Completion { return &core.Completion{By: "scanner-a"} }
	v.Tasks = append(v.Tasks, core.TaskView{ID: ids[0], Type: "patch-cve",
		Status: core.TaskComplete, DeclaredBy: []string{"scanner-a"}, Completed: done()})
	for i := 1; i <= n; i++ {
		parent := ids[(i-1)/10]
		v.Tasks = append(v.Tasks, core.TaskView{ID: ids[i], Type: "fix", Depth: 1,
			Status: core.TaskComplete, Parents: []string{parent}, DeclaredBy: []string{"scanner-a"}, Completed: done()})
		v.Blocks = append(v.Blocks, core.BlockView{ID: hash(fmt.Sprintf("block %d", i)), Blocked: parent, Prerequisite: ids[i],
			Status: core.BlockResolved, DeclaredBy: []string{"scanner-a"}, ConfirmedBy: []string{"bob", "scanner-b"},
			RefutedBy: []string{}, ResolvedBy: "alice"})
	}
	sortBlocks(v.Blocks)
	return v
}

// BenchmarkTree draws a lineage of 10,000 tasks, as `writ goals` does
// after restoring it.
func BenchmarkTree(b *testing.B) {
	views := []core.LineageView{wideLineage(10000)}
	b.ReportAllocs()
	for b.Loop() {
		if err := goalview.Tree(io.Discard, views); err != nil {
			b.Fatal(err)
		}
	}
}
