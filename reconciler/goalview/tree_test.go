package goalview_test

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/goalview"
)

// render is Tree's output.
func render(t *testing.T, views []core.LineageView) string {
	t.Helper()
	var b strings.Builder
	if err := goalview.Tree(&b, views); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// short is goalview.ShortID.
func short(id string) string { return goalview.ShortID(id) }

// TestTree pins the tree of hand-built lineages: the sample (a barrier
// under the terminal task, a refuted claim, a degraded block, a vote that
// did not count), none at all, and a task reached by two blocks.
func TestTree(t *testing.T) {
	v := sample(t)
	id := func(typ string) string {
		for _, task := range v.Tasks {
			if task.Type == typ {
				return short(task.ID)
			}
		}
		return "?"
	}
	member := func(suite string) string {
		for _, task := range v.Tasks {
			if task.Payload["suite"] == suite {
				return short(task.ID)
			}
		}
		return "?"
	}
	// The members are ordered by type, then id.
	members := []string{
		member("unit") + ` test {"suite":"unit"} · depth 2 · complete by ci`,
		member("integration") + ` test {"suite":"integration"} · depth 2 · complete by ci`,
		member("e2e") + ` test {"note":"a long payload that the tree has to cut somewhere … · depth 2 · actionable`,
	}
	sortByID(members)
	done := v
	done.Done, done.ID = true, "rel-2"

	dup := sample(t)
	dup.ID = "rel-3"
	// The fix also waits for the build: the build is shown twice, its
	// second line marked.
	var fix, build string
	for _, task := range dup.Tasks {
		switch task.Type {
		case "fix":
			fix = task.ID
		case "build":
			build = task.ID
		}
	}
	dup.Blocks = append(dup.Blocks, core.BlockView{ID: hash("fix waits for build"), Blocked: fix, Prerequisite: build, Status: core.BlockClaimed,
		DeclaredBy: []string{"mallory"}})
	dup.Blocks = append(dup.Blocks, core.BlockView{ID: hash("build waits for fix"), Blocked: build, Prerequisite: fix, Status: core.BlockClaimed,
		DeclaredBy: []string{"mallory"}})
	sortBlocks(dup.Blocks)

	head := "lineage rel-1: goal release, started by alice, active, 3/7 tasks complete\n"
	sampleTree := id("deploy") + ` deploy {"env":"prod"} · depth 0 · blocked` + "\n" +
		"├─ " + id("barrier") + ` barrier {"suite":"full"} · depth 1 · blocked · barrier 2/3 members done · block ` + short(hash("block tests")) +
		" confirmed (degraded: 1 confirmation short), declared by alice, confirmed by bob\n" +
		"│  ├─ " + members[0] + "\n" +
		"│  ├─ " + members[1] + "\n" +
		"│  └─ " + members[2] + "\n" +
		"├─ " + id("build") + ` build {"target":"linux"} · depth 1 · complete by dave · block ` + short(hash("block build")) +
		" resolved, declared by alice, confirmed by bob, carol, resolved by dave\n" +
		"│    ! erin's confirmation did not count: trust level 3 is below the goal's minimum 5\n" +
		"└─ " + id("fix") + ` fix {"bug":12} · depth 1 · dismissed · block ` + short(hash("block fix")) +
		" dismissed, declared by mallory, confirmed by nobody, refuted by bob\n"
	tests := []struct {
		name  string
		views []core.LineageView
		want  string
	}{
		{"sample", []core.LineageView{v}, head + sampleTree},
		{"none", nil, "no lineages\n"},
		{"two lineages", []core.LineageView{v, done}, head + sampleTree + "\n" +
			"lineage rel-2: goal release, started by alice, done, 3/7 tasks complete\n" + sampleTree},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, tt.views); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	t.Run("shared and cyclic prerequisites", func(t *testing.T) {
		got := render(t, []core.LineageView{dup})
		// deploy → build → fix → build (cycle: marked, not expanded) and
		// deploy → fix (expanded under build already: marked).
		if n := strings.Count(got, short(build)+" build"); n != 2 {
			t.Errorf("build printed %d times, want 2 (under deploy, and again under fix):\n%s", n, got)
		}
		if n := strings.Count(got, short(fix)+" fix"); n != 2 {
			t.Errorf("fix printed %d times, want 2 (under build, and under deploy):\n%s", n, got)
		}
		if n := strings.Count(got, "(shown above)"); n != 2 {
			t.Errorf("%d lines marked (shown above), want 2:\n%s", n, got)
		}
		if render(t, []core.LineageView{dup}) != got {
			t.Error("two renderings differ")
		}
	})
}

// TestTreeNeutralisesText: a type, payload, identity or reason cannot
// forge a line or carry an escape sequence.
func TestTreeNeutralisesText(t *testing.T) {
	v := sample(t)
	v.StartedBy = "alice\nlineage forged"
	v.Tasks[0].Type = "deploy\x1b[2J"
	v.Blocks[0].Ignored = []core.IgnoredVote{{Identity: "erin\r", Action: "confirm", Reason: "no\nreason"}}
	got := render(t, []core.LineageView{v})
	for _, bad := range []string{"\x1b", "\r", "\nlineage forged", "no\nreason"} {
		if strings.Contains(got, bad) {
			t.Errorf("tree holds %q:\n%s", bad, got)
		}
	}
	if !strings.Contains(got, `alice\x0alineage forged`) {
		t.Errorf("the started-by identity is not spelled out:\n%s", got)
	}
}

func sortByID(lines []string) {
	for i := range lines {
		for j := i + 1; j < len(lines); j++ {
			if lines[j] < lines[i] {
				lines[i], lines[j] = lines[j], lines[i]
			}
		}
	}
}

// TestTreeIncompleteLineage: a lineage whose terminal task or a block's
// prerequisite is not among its tasks, or with a task no block reaches,
// still prints every task, marking what it cannot name.
func TestTreeIncompleteLineage(t *testing.T) {
	v := sample(t)
	v.ID = "odd"
	orphan := v.Tasks[len(v.Tasks)-1]
	ghost := hash("a task nobody listed")
	v.Blocks = append(v.Blocks, core.BlockView{ID: hash("to a ghost"), Blocked: v.Terminal, Prerequisite: ghost, Status: core.BlockClaimed, DeclaredBy: []string{"zed"}})
	sortBlocks(v.Blocks)
	// The barrier forgets its last member: nothing reaches it.
	for i := range v.Tasks {
		if len(v.Tasks[i].Members) > 0 {
			v.Tasks[i].Members = slicesWithout(v.Tasks[i].Members, orphan.ID)
		}
	}
	got := render(t, []core.LineageView{v})
	want := []string{
		short(ghost) + " (unknown task) · block " + short(hash("to a ghost")) + " claimed, declared by zed, confirmed by nobody\n",
		"not reached from the terminal task:\n" + short(orphan.ID) + " test ",
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
	// A block on a task nobody lists is printed with it.
	lost := hash("a blocked task nobody listed")
	v.Blocks = append(v.Blocks, core.BlockView{ID: hash("from a ghost"), Blocked: lost, Prerequisite: v.Terminal, Status: core.BlockClaimed, DeclaredBy: []string{"zed"}})
	sortBlocks(v.Blocks)
	got = render(t, []core.LineageView{v})
	if w := short(lost) + " (unknown task)\n└─ " + short(v.Terminal) + " deploy"; !strings.Contains(got, w) {
		t.Errorf("missing %q in\n%s", w, got)
	}
	v.Terminal = hash("no such terminal")
	got = render(t, []core.LineageView{v})
	if !strings.HasPrefix(strings.SplitN(got, "\n", 3)[1], short(v.Terminal)+" (unknown task)") {
		t.Errorf("an unknown terminal task is not marked:\n%s", got)
	}
	for _, task := range v.Tasks {
		if !strings.Contains(got, short(task.ID)) {
			t.Errorf("task %s is not printed:\n%s", short(task.ID), got)
		}
	}
}

func slicesWithout(s []string, x string) []string {
	var out []string
	for _, y := range s {
		if y != x {
			out = append(out, y)
		}
	}
	return out
}

// TestTreeDuplicateTask: a view listing one task id twice (nothing the
// reducer builds) draws that task once, as its last listing says, and
// every other task as itself.
func TestTreeDuplicateTask(t *testing.T) {
	v := sample(t)
	dup := v.Tasks[1]
	dup.Type = "rebuilt"
	v.Tasks = append(v.Tasks[:2:2], append([]core.TaskView{dup}, v.Tasks[2:]...)...)
	got := render(t, []core.LineageView{v})
	if n := strings.Count(got, short(dup.ID)+" "); n != 1 {
		t.Errorf("task %s drawn %d times, want once:\n%s", short(dup.ID), n, got)
	}
	if !strings.Contains(got, short(dup.ID)+" rebuilt ") {
		t.Errorf("task %s is not drawn as its last listing:\n%s", short(dup.ID), got)
	}
	for _, task := range v.Tasks[3:] {
		if !strings.Contains(got, short(task.ID)+" "+task.Type) {
			t.Errorf("task %s is not drawn as a %s:\n%s", short(task.ID), task.Type, got)
		}
	}
}
