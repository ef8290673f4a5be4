package chart

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// Highlight styles of DOT and SVG: fill and stroke of the current and next
// states (the colours of the Mermaid classDefs).
const (
	fillCurrent, strokeCurrent = "#fff4c2", "#9a6700"
	fillNext, strokeNext       = "#dafbe1", "#1a7f37"
)

// DOT renders wf as a Graphviz digraph with the same nodes, ids, edges
// and highlight as Mermaid: a parallel state is a cluster (cluster_<id>)
// holding one cluster per region, and transitions to or from it end at
// the cluster's border (compound edges through an invisible anchor node
// <id>); creating transitions start at a point node "start", terminal
// states are double-bordered. Highlighted nodes and clusters carry a
// comment "current" or "next" and the highlight colours. Every label is a
// quoted, escaped DOT string. It is pure and deterministic.
func DOT(wf *schemas.Workflow, h Highlight) string {
	g := newGraph(wf)
	quarantine := g.withQuarantine(h)
	marks := g.marks(h)
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", dotQuote(wf.Name))
	b.WriteString("  compound=true;\n  rankdir=TB;\n  node [shape=box, style=\"rounded\", fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
	if wf.Description != "" {
		fmt.Fprintf(&b, "  label=%s;\n  labelloc=t;\n", dotQuote(wf.Name+": "+wf.Description))
	}
	edges := g.topEdges()
	for _, e := range edges {
		if e.from == "" {
			b.WriteString("  start [shape=point, width=0.15, label=\"\"];\n")
			break
		}
	}
	for _, st := range wf.States {
		id := g.top[st.Name]
		if len(st.Regions) == 0 {
			fmt.Fprintf(&b, "  %s [label=%s%s%s];\n", id, dotQuote(st.Name), peripheries(st.Terminal), dotMark(marks[id]))
			continue
		}
		fmt.Fprintf(&b, "  subgraph cluster_%s {\n    label=%s;\n    style=\"rounded%s\";\n%s", id, dotQuote(st.Name), filled(marks[id]), clusterMark(marks[id], "    "))
		fmt.Fprintf(&b, "    %s [shape=point, style=invis, label=\"\"];\n", id)
		for j, r := range st.Regions {
			fmt.Fprintf(&b, "    subgraph cluster_%s_%d {\n      label=%s;\n      style=\"dashed\";\n", id, j, dotQuote(r.Name))
			fmt.Fprintf(&b, "      %s_start_%d [shape=point, width=0.1, label=\"\"];\n", id, j)
			for _, sub := range r.States {
				sid := g.sub(st.Name, r.Name, sub)
				fmt.Fprintf(&b, "      %s [label=%s%s];\n", sid, dotQuote(sub), dotMark(marks[sid]))
			}
			fmt.Fprintf(&b, "      %s_start_%d -> %s;\n", id, j, g.sub(st.Name, r.Name, r.Initial))
			for _, e := range g.regionEdges(st.Name, r) {
				fmt.Fprintf(&b, "      %s -> %s [label=%s];\n", e.from, e.to, dotQuote(e.label))
			}
			b.WriteString("    }\n")
		}
		b.WriteString("  }\n")
	}
	if quarantine {
		fmt.Fprintf(&b, "  sq [label=%s%s];\n", dotQuote(schemas.QuarantinedState), dotMark(marks["sq"]))
	}
	clusters := map[string]bool{}
	for _, st := range wf.States {
		if len(st.Regions) > 0 {
			clusters[g.top[st.Name]] = true
		}
	}
	for _, e := range edges {
		from := e.from
		if from == "" {
			from = "start"
		}
		var attrs []string
		attrs = append(attrs, "label="+dotQuote(e.label))
		if clusters[e.from] {
			attrs = append(attrs, "ltail=cluster_"+e.from)
		}
		if clusters[e.to] {
			attrs = append(attrs, "lhead=cluster_"+e.to)
		}
		fmt.Fprintf(&b, "  %s -> %s [%s];\n", from, e.to, strings.Join(attrs, ", "))
	}
	b.WriteString("}\n")
	return b.String()
}

func peripheries(terminal bool) string {
	if terminal {
		return ", peripheries=2"
	}
	return ""
}

func filled(class string) string {
	if class == "" {
		return ""
	}
	return ",filled"
}

// dotMark is the attribute list suffix of a highlighted node.
func dotMark(class string) string {
	switch class {
	case ClassCurrent:
		return fmt.Sprintf(", style=\"rounded,filled\", fillcolor=%q, color=%q, penwidth=2, comment=%q", fillCurrent, strokeCurrent, ClassCurrent)
	case ClassNext:
		return fmt.Sprintf(", style=\"rounded,filled\", fillcolor=%q, color=%q, penwidth=3, comment=%q", fillNext, strokeNext, ClassNext)
	}
	return ""
}

// clusterMark is the attribute lines of a highlighted cluster.
func clusterMark(class, pad string) string {
	switch class {
	case ClassCurrent:
		return fmt.Sprintf("%sfillcolor=%q;\n%scolor=%q;\n%spenwidth=2;\n%scomment=%q;\n", pad, fillCurrent, pad, strokeCurrent, pad, pad, ClassCurrent)
	case ClassNext:
		return fmt.Sprintf("%sfillcolor=%q;\n%scolor=%q;\n%spenwidth=3;\n%scomment=%q;\n", pad, fillNext, pad, strokeNext, pad, pad, ClassNext)
	}
	return ""
}

// dotQuote is s as a DOT double-quoted string: quotes and backslashes
// escaped, line breaks and other control characters as spaces.
func dotQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
