package goalview

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// Kind is what a scan finding reports.
type Kind string

// The kinds of finding, in the order a lineage's findings are listed.
const (
	// KindStall: a lineage not done in which no task completed and no
	// block changed for longer than its goal's stall_after.
	KindStall Kind = "stall"
	// KindConflict: open blocks on one task name different prerequisites
	// and were declared by disjoint sets of identities: incompatible next
	// steps nobody has reconciled.
	KindConflict Kind = "conflict"
	// KindAmbiguity: the lineage is done (its terminal task complete)
	// while some block is still claimed or confirmed.
	KindAmbiguity Kind = "ambiguity"
)

func (k Kind) rank() int {
	return slices.Index([]Kind{KindStall, KindConflict, KindAmbiguity}, k)
}

// Finding is one thing a scan saw in a lineage. Suggest is the
// declare-block proposal (YAML, as proposals/<lineage>/<shard>/<name>.yaml holds
// it) an identity could make of it; the scan itself proposes nothing.
type Finding struct {
	Lineage string `json:"lineage"`
	Kind    Kind   `json:"kind"`
	// Task is the task the finding is about: the stalled frontier, the
	// task with conflicting blocks, the completed terminal task.
	Task string `json:"task"`
	// Blocks are the blocks involved, sorted (empty: none).
	Blocks  []string `json:"blocks"`
	Detail  string   `json:"detail"`
	Suggest string   `json:"suggest"`
}

// Scan reports, for every lineage of views, stalls, conflicts and
// ambiguities (see Kind), measured at now and under goals (a lineage
// whose goal is not among them is not checked for stalls, nor is one
// whose goal sets no stall_after). Findings are sorted by lineage, kind
// (stall, conflict, ambiguity) and task; each carries its suggestion.
// Scan is pure and deterministic: the clock is now, never read.
func Scan(views []core.LineageView, goals []schemas.Goal, now core.HLC) []Finding {
	out := []Finding{}
	for _, v := range views {
		var found []Finding
		if f, ok := stall(v, goals, now); ok {
			found = append(found, f)
		}
		found = append(found, conflicts(v)...)
		if f, ok := ambiguity(v); ok {
			found = append(found, f)
		}
		for i := range found {
			found[i].Lineage = v.ID
			found[i].Suggest = suggest(v, found[i])
		}
		out = append(out, found...)
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(strings.Compare(a.Lineage, b.Lineage), cmp.Compare(a.Kind.rank(), b.Kind.rank()), strings.Compare(a.Task, b.Task))
	})
	return out
}

// stall is the stall finding of v at now, if any.
func stall(v core.LineageView, goals []schemas.Goal, now core.HLC) (Finding, bool) {
	if v.Done {
		return Finding{}, false
	}
	i := slices.IndexFunc(goals, func(g schemas.Goal) bool { return g.Name == v.Goal })
	if i < 0 || goals[i].StallAfter == "" {
		return Finding{}, false
	}
	limit, err := schemas.ParseDuration(goals[i].StallAfter)
	if err != nil {
		return Finding{}, false // validate refuses such a goal
	}
	since := v.LastProgress
	if since.Compare(v.Started) < 0 {
		since = v.Started
	}
	idle := time.Duration(now.Wall-since.Wall) * time.Millisecond
	if idle <= limit {
		return Finding{}, false
	}
	// The frontier: the deepest actionable task (the terminal when none).
	task := v.Terminal
	depth := -1
	for _, t := range v.Tasks {
		if t.Status == core.TaskActionable && t.Depth > depth {
			task, depth = t.ID, t.Depth
		}
	}
	var waiting []string
	for _, b := range v.Blocks {
		if b.Status == core.BlockClaimed {
			waiting = append(waiting, b.ID)
		}
	}
	slices.Sort(waiting)
	detail := fmt.Sprintf("no task completed and no block changed for %s (the goal's stall_after is %s), since %s", FormatDuration(idle), goals[i].StallAfter, clockText(since))
	if depth >= 0 {
		detail += fmt.Sprintf("; the deepest actionable task is %s", ShortID(task))
	} else {
		detail += "; no task is actionable"
	}
	if len(waiting) > 0 {
		verb := "wait"
		if len(waiting) == 1 {
			verb = "waits"
		}
		detail += fmt.Sprintf("; %d %s still %s for a quorum", len(waiting), plural(len(waiting), "claimed block"), verb)
	}
	return Finding{Kind: KindStall, Task: task, Blocks: nonNil(waiting), Detail: detail}, true
}

// conflicts are the conflict findings of v: per blocked task, the open
// blocks that conflict with at least one other (different prerequisite,
// disjoint declarers).
func conflicts(v core.LineageView) []Finding {
	byTask := map[string][]core.BlockView{}
	var order []string
	for _, b := range v.Blocks {
		if !open(b) {
			continue
		}
		if _, seen := byTask[b.Blocked]; !seen {
			order = append(order, b.Blocked)
		}
		byTask[b.Blocked] = append(byTask[b.Blocked], b)
	}
	slices.Sort(order)
	var out []Finding
	for _, task := range order {
		bs := byTask[task]
		in := map[string]bool{}
		for i, a := range bs {
			for _, b := range bs[i+1:] {
				if a.Prerequisite != b.Prerequisite && disjoint(a.DeclaredBy, b.DeclaredBy) {
					in[a.ID], in[b.ID] = true, true
				}
			}
		}
		if len(in) == 0 {
			continue
		}
		var ids, parts []string
		for _, b := range bs {
			if in[b.ID] {
				ids = append(ids, b.ID)
			}
		}
		slices.Sort(ids)
		for _, id := range ids {
			b := bs[slices.IndexFunc(bs, func(b core.BlockView) bool { return b.ID == id })]
			parts = append(parts, fmt.Sprintf("block %s (%s) for %s, declared by %s", ShortID(b.ID), b.Status, ShortID(b.Prerequisite), names(b.DeclaredBy)))
		}
		out = append(out, Finding{Kind: KindConflict, Task: task, Blocks: ids,
			Detail: fmt.Sprintf("task %s has incompatible next steps, declared by disjoint identities: %s", ShortID(task), strings.Join(parts, "; "))})
	}
	return out
}

// ambiguity is the ambiguity finding of v, if any.
func ambiguity(v core.LineageView) (Finding, bool) {
	if !v.Done {
		return Finding{}, false
	}
	var ids, parts []string
	for _, b := range v.Blocks {
		if open(b) {
			ids = append(ids, b.ID)
			parts = append(parts, fmt.Sprintf("%s %s", ShortID(b.ID), b.Status))
		}
	}
	if len(ids) == 0 {
		return Finding{}, false
	}
	slices.Sort(ids)
	return Finding{Kind: KindAmbiguity, Task: v.Terminal, Blocks: ids,
		Detail: fmt.Sprintf("the lineage is done but %d %s still open (%s): was the terminal task completed without them, or are they stale? resolve or refute them",
			len(ids), plural(len(ids), "block"), strings.Join(parts, ", "))}, true
}

// disjoint reports whether a and b share no identity.
func disjoint(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// FormatDuration writes d as rules files write durations (see
// schemas.ParseDuration), whole seconds, largest unit first: "3d4h",
// "45m", "0s".
func FormatDuration(d time.Duration) string {
	if d < time.Second {
		return "0s"
	}
	var b strings.Builder
	for _, u := range []struct {
		unit string
		d    time.Duration
	}{{"w", 7 * 24 * time.Hour}, {"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}} {
		if n := d / u.d; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.unit)
			d -= n * u.d
		}
	}
	return b.String()
}

// clockText is an entry clock as a UTC time and its HLC, as a detail
// says it: "2026-12-06T12:00:00Z (clock 1796558400000.0)". Converting
// reads no clock.
func clockText(h core.HLC) string {
	return fmt.Sprintf("%s (clock %s)", time.UnixMilli(h.Wall).UTC().Format(time.RFC3339), h)
}
