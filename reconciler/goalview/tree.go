package goalview

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/plan"
)

// Tree writes each lineage of views as an indented tree for a human
// approver, lineages separated by a blank line, or "no lineages" when
// there is none. A lineage starts with a header line (id, goal, who
// started it, active or done, complete tasks); then the terminal task at
// the root and, under each task, its prerequisites (the blocks whose
// Blocked is it; a barrier's members under the barrier), ordered by task
// type and id. A task line holds its short id (ShortID), type, payload
// (Payload), depth and status (with who completed it, and a barrier's
// "n/m members done"), then the block leading to it: status, a degraded
// confirmation's shortfall, declared, confirmed, refuted and resolved by.
// Votes that did not count follow on their own lines with the reason. A
// task reached twice is expanded once and then marked "(shown above)";
// tasks the terminal task does not reach (and blocked tasks the lineage
// does not list, "(unknown task)") follow under "not reached from the
// terminal task:", so nothing the view holds is hidden.
// Untrusted text is neutralised (plan.Clean). Tree is pure and
// deterministic; it returns the writer's error.
func Tree(w io.Writer, views []core.LineageView) error {
	// Lines are written as they are drawn, through one buffer: a tree of
	// 10,000 tasks is never held whole.
	b := bufio.NewWriterSize(w, 64<<10)
	if len(views) == 0 {
		b.WriteString("no lineages\n")
	}
	for i, v := range views {
		if i > 0 {
			b.WriteByte('\n')
		}
		writeLineage(b, v)
	}
	return b.Flush()
}

// treeWriter writes one lineage. Every task id it meets gets an index:
// the view's tasks first (v.Tasks[i] is index i), then ids no task of
// the view has, as they are met. An id the view lists twice stands for
// its last listing (index), as a map by id would.
type treeWriter struct {
	b        *bufio.Writer
	tasks    []core.TaskView
	index    map[string]int32
	ids      []string
	children [][]child // by index, ordered by task type, task id and block id
	shown    []bool
	pad      []byte // the drawing of the levels above the task being written
}

// child is one prerequisite of a task: the task (its index) and the
// block that declared it, or a barrier's member (block nil).
type child struct {
	task  int32
	block *core.BlockView
}

func writeLineage(b *bufio.Writer, v core.LineageView) {
	state := "active"
	if v.Done {
		state = "done"
	}
	fmt.Fprintf(b, "lineage %s: goal %s, started by %s, %s, %d/%d tasks complete\n",
		plan.Clean(v.ID), plan.Clean(v.Goal), plan.Clean(v.StartedBy), state, v.Completed, len(v.Tasks))
	t := newTreeWriter(b, v)
	t.task(t.at(v.Terminal), nil, "", "")
	// Tasks the terminal does not reach (none, in a lineage the reducer
	// built), then blocked tasks no task lists, are listed, not hidden.
	rest := make([]int32, 0, len(t.ids))
	for _, task := range v.Tasks {
		rest = append(rest, t.index[task.ID])
	}
	var unlisted []int32
	for i := len(v.Tasks); i < len(t.ids); i++ {
		if len(t.children[i]) > 0 {
			unlisted = append(unlisted, int32(i))
		}
	}
	slices.SortFunc(unlisted, func(a, b int32) int { return strings.Compare(t.ids[a], t.ids[b]) })
	first := true
	for _, i := range append(rest, unlisted...) {
		if t.shown[i] {
			continue
		}
		if first {
			b.WriteString("not reached from the terminal task:\n")
			first = false
		}
		t.task(i, nil, "", "")
	}
}

// newTreeWriter indexes v's tasks and lists each one's prerequisites:
// the blocks whose Blocked is the task, then a barrier's members no block
// names, ordered by task type, task id and block id.
func newTreeWriter(b *bufio.Writer, v core.LineageView) *treeWriter {
	n := len(v.Tasks)
	t := &treeWriter{b: b, tasks: v.Tasks, index: make(map[string]int32, n), ids: make([]string, 0, n),
		children: make([][]child, 0, n), shown: make([]bool, 0, n)}
	for i := range v.Tasks {
		t.ids = append(t.ids, v.Tasks[i].ID)
		t.children = append(t.children, nil)
		t.shown = append(t.shown, false)
		t.index[v.Tasks[i].ID] = int32(i)
	}
	for i := range v.Blocks {
		bv := &v.Blocks[i]
		blocked, pre := t.at(bv.Blocked), t.at(bv.Prerequisite)
		t.children[blocked] = append(t.children[blocked], child{task: pre, block: bv})
	}
	for _, task := range v.Tasks {
		i := t.index[task.ID]
		for _, m := range task.Members {
			mi := t.at(m)
			if !slices.ContainsFunc(t.children[i], func(c child) bool { return c.task == mi }) {
				t.children[i] = append(t.children[i], child{task: mi})
			}
		}
	}
	typeOf := func(i int32) string {
		if int(i) < n {
			return v.Tasks[i].Type
		}
		return ""
	}
	for _, cs := range t.children {
		if len(cs) < 2 {
			continue
		}
		slices.SortStableFunc(cs, func(a, b child) int {
			if c := strings.Compare(typeOf(a.task), typeOf(b.task)); c != 0 {
				return c
			}
			if c := strings.Compare(t.ids[a.task], t.ids[b.task]); c != 0 {
				return c
			}
			return strings.Compare(blockID(a.block), blockID(b.block))
		})
	}
	return t
}

// at returns the index of task id, giving it the next one when it has
// none yet.
func (t *treeWriter) at(id string) int32 {
	if i, ok := t.index[id]; ok {
		return i
	}
	i := int32(len(t.ids))
	t.index[id] = i
	t.ids = append(t.ids, id)
	t.children = append(t.children, nil)
	t.shown = append(t.shown, false)
	return i
}

// task writes the line of task i (reached through block, nil for a root
// or a barrier member), then its prerequisites. The line starts with the
// drawing of its parents' levels (t.pad) and branch; next is what this
// level adds before its own children's lines and its ignored votes.
func (t *treeWriter) task(i int32, block *core.BlockView, branch, next string) {
	var tv *core.TaskView
	if int(i) < len(t.tasks) {
		tv = &t.tasks[i]
	}
	b := t.b
	b.Write(t.pad)
	b.WriteString(branch)
	b.WriteString(ShortID(t.ids[i]))
	if tv == nil {
		b.WriteString(" (unknown task)")
	} else {
		b.WriteByte(' ')
		b.WriteString(plan.Clean(tv.Type))
		if p := taskPayload(tv); p != "" {
			b.WriteByte(' ')
			b.WriteString(p)
		}
		b.WriteString(" · depth ")
		b.WriteString(strconv.Itoa(tv.Depth))
		b.WriteString(" · ")
		b.WriteString(string(tv.Status))
		if c := tv.Completed; c != nil && c.By != "" {
			b.WriteString(" by ")
			b.WriteString(plan.Clean(c.By))
		}
		if len(tv.Members) > 0 {
			fmt.Fprintf(b, " · barrier %d/%d members done", tv.MembersDone, len(tv.Members))
		}
	}
	if block != nil {
		b.WriteString(" · ")
		writeBlock(b, *block)
	}
	again := t.shown[i]
	if again && len(t.children[i]) > 0 {
		b.WriteString(" (shown above)")
	}
	b.WriteByte('\n')
	if block != nil {
		for _, iv := range block.Ignored {
			fmt.Fprintf(b, "%s%s  ! %s\n", t.pad, next, ignoredText(iv))
		}
	}
	if again {
		return
	}
	t.shown[i] = true
	cs := t.children[i]
	depth := len(t.pad)
	t.pad = append(t.pad, next...)
	for k, c := range cs {
		branch, next := "├─ ", "│  "
		if k == len(cs)-1 {
			branch, next = "└─ ", "   "
		}
		t.task(c.task, c.block, branch, next)
	}
	t.pad = t.pad[:depth]
}

// writeBlock writes the block part of a task line: "block <status>[
// (degraded: n confirmations short)], declared by …, confirmed by …[,
// refuted by …][, resolved by …]".
func writeBlock(s *bufio.Writer, bv core.BlockView) {
	s.WriteString("block ")
	s.WriteString(ShortID(bv.ID))
	s.WriteByte(' ')
	s.WriteString(string(bv.Status))
	if bv.Shortfall > 0 {
		fmt.Fprintf(s, " (degraded: %d %s short)", bv.Shortfall, plural(bv.Shortfall, "confirmation"))
	}
	s.WriteString(", declared by ")
	writeNames(s, bv.DeclaredBy)
	s.WriteString(", confirmed by ")
	writeNames(s, bv.ConfirmedBy)
	if len(bv.RefutedBy) > 0 {
		s.WriteString(", refuted by ")
		writeNames(s, bv.RefutedBy)
	}
	if bv.ResolvedBy != "" {
		s.WriteString(", resolved by ")
		s.WriteString(plan.Clean(bv.ResolvedBy))
	}
}

// ignoredText is "<identity>'s <vote> did not count: <reason>".
func ignoredText(v core.IgnoredVote) string {
	return fmt.Sprintf("%s's %s did not count: %s", plan.Clean(v.Identity), voteNoun(v.Action), plan.Clean(v.Reason))
}

// voteNoun names the vote an action casts ("confirm-block" and "confirm":
// confirmation).
func voteNoun(action string) string {
	a := strings.TrimSuffix(action, "-block")
	switch a {
	case "confirm":
		return "confirmation"
	case "refute":
		return "refutation"
	case "resolve":
		return "resolution"
	case "declare":
		return "declaration"
	case "complete":
		return "completion"
	}
	return plan.Clean(action)
}

// writeNames writes names(ids) without building it.
func writeNames(w *bufio.Writer, ids []string) {
	if len(ids) == 0 {
		w.WriteString("nobody")
	}
	for i, id := range ids {
		if i > 0 {
			w.WriteString(", ")
		}
		w.WriteString(plan.Clean(id))
	}
}

// names is a list of identities, "nobody" when empty.
func names(ids []string) string {
	if len(ids) == 0 {
		return "nobody"
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = plan.Clean(id)
	}
	return strings.Join(out, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
