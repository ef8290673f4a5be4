package goalview

import (
	"fmt"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas/chart"
)

// Formats are the formats Graph draws.
var Formats = []string{"mermaid", "dot", "svg"}

// taskStyles and blockStyles are how each task and block status is drawn.
var (
	taskStyles = []chart.Style{
		{Class: string(core.TaskComplete), Fill: "#dafbe1", Stroke: "#1a7f37", Width: 2},
		{Class: string(core.TaskActionable), Fill: "#ddf4ff", Stroke: "#0969da", Width: 2},
		{Class: string(core.TaskBlocked), Fill: "#fff4c2", Stroke: "#9a6700", Width: 2},
		{Class: string(core.TaskProposed), Fill: "#f6f8fa", Stroke: "#8c959f", Dashed: true},
		{Class: string(core.TaskDismissed), Fill: "#eaeef2", Stroke: "#8c959f", Dashed: true},
	}
	blockStyles = []chart.Style{
		{Class: "block-" + string(core.BlockConfirmed), Stroke: "#24292f", Width: 2},
		{Class: "block-" + string(core.BlockClaimed), Stroke: "#9a6700", Dashed: true},
		{Class: "block-" + string(core.BlockResolved), Stroke: "#1a7f37"},
		{Class: "block-" + string(core.BlockDismissed), Stroke: "#8c959f", Dashed: true},
		{Class: "block-" + string(core.BlockUnknown), Stroke: "#8c959f", Dashed: true},
		{Class: "member", Stroke: "#57606a"},
	}
)

// Graph draws the lineage id names (see Find) in format (mermaid, dot or
// svg): one node per task, labelled with its type and short id, its
// status (and a barrier's members done) as the detail line, styled by
// status; one edge per block from the blocked task to its prerequisite,
// labelled and styled by the block's status, and one edge "member" from
// a barrier to each member no block names. The terminal task is drawn
// first, at the top. Graph is pure and deterministic.
func Graph(views []core.LineageView, id, format string) (string, error) {
	v, err := Find(views, id)
	if err != nil {
		return "", err
	}
	d := Diagram(v)
	switch format {
	case "mermaid":
		return chart.DiagramMermaid(d), nil
	case "dot":
		return chart.DiagramDOT(d), nil
	case "svg":
		return chart.DiagramSVG(d), nil
	}
	return "", fmt.Errorf("format %q: want mermaid, dot or svg", format)
}

// Diagram is lineage v as the chart Graph draws: nodes in the order of
// v.Tasks (the terminal first, whatever its place), edges in the order of
// v.Blocks then of the barriers' members.
func Diagram(v core.LineageView) chart.Diagram {
	state := "active"
	if v.Done {
		state = "done"
	}
	d := chart.Diagram{
		Title:  fmt.Sprintf("lineage %s: goal %s, %s, %d/%d tasks complete", v.ID, v.Goal, state, v.Completed, len(v.Tasks)),
		Styles: append(append([]chart.Style{}, taskStyles...), blockStyles...),
	}
	add := func(t core.TaskView) {
		detail := string(t.Status)
		if len(t.Members) > 0 {
			detail += fmt.Sprintf(", %d/%d members done", t.MembersDone, len(t.Members))
		}
		d.Nodes = append(d.Nodes, chart.Node{ID: t.ID, Label: t.Type + " " + ShortID(t.ID), Detail: detail, Class: string(t.Status)})
	}
	for _, t := range v.Tasks {
		if t.ID == v.Terminal {
			add(t)
		}
	}
	for _, t := range v.Tasks {
		if t.ID != v.Terminal {
			add(t)
		}
	}
	named := map[[2]string]bool{}
	for _, b := range v.Blocks {
		named[[2]string{b.Blocked, b.Prerequisite}] = true
		label := string(b.Status)
		if b.Shortfall > 0 {
			label += fmt.Sprintf(" (degraded, %d short)", b.Shortfall)
		}
		d.Edges = append(d.Edges, chart.Edge{From: b.Blocked, To: b.Prerequisite, Label: label, Class: "block-" + string(b.Status)})
	}
	for _, t := range v.Tasks {
		for _, m := range t.Members {
			if !named[[2]string{t.ID, m}] {
				d.Edges = append(d.Edges, chart.Edge{From: t.ID, To: m, Label: "member", Class: "member"})
			}
		}
	}
	return d
}
