package chart

import (
	"fmt"
	"strings"
)

// Diagram is a directed graph to draw that is not a workflow (a goal
// lineage's tasks and blocks, for one): nodes with a label, a detail line
// and a style class, edges with a label and a class. The renderers draw
// it with the statechart's layout, routing and escaping, top to bottom
// from the first node. Every order is the slices' order; Styles is looked
// up, never ranged over.
type Diagram struct {
	Title string
	Nodes []Node
	Edges []Edge
	// Styles gives the look of each class a node or an edge names; a
	// class without a style is drawn plain.
	Styles []Style
}

// Node is a box of a Diagram. ID is the caller's key (edges name it); the
// renderers draw it under a safe id of their own (n<index>).
type Node struct {
	ID, Label, Detail, Class string
}

// Edge is an arrow of a Diagram between two node IDs; an edge naming an
// unknown node is not drawn.
type Edge struct {
	From, To, Label, Class string
}

// Style is how a class is drawn: fill and stroke colours (#rrggbb), a
// dashed border or line, and a stroke width (0: 1).
type Style struct {
	Class        string
	Fill, Stroke string
	Dashed       bool
	Width        int
}

// style returns the style of class c and whether one is given.
func (d *Diagram) style(c string) (Style, bool) {
	for _, s := range d.Styles {
		if s.Class == c && c != "" {
			if s.Width <= 0 {
				s.Width = 1
			}
			return s, true
		}
	}
	return Style{Fill: "#f6f8fa", Stroke: "#57606a", Width: 1}, false
}

// ids maps each node ID to its drawn id, n<index>; a repeated ID keeps
// its first node.
func (d *Diagram) ids() map[string]string {
	out := map[string]string{}
	for i, n := range d.Nodes {
		if _, dup := out[n.ID]; !dup {
			out[n.ID] = fmt.Sprintf("n%d", i)
		}
	}
	return out
}

// edges returns the drawable edges with drawn ids.
func (d *Diagram) edges(ids map[string]string) []Edge {
	var out []Edge
	for _, e := range d.Edges {
		from, ok1 := ids[e.From]
		to, ok2 := ids[e.To]
		if ok1 && ok2 {
			out = append(out, Edge{From: from, To: to, Label: e.Label, Class: e.Class})
		}
	}
	return out
}

// DiagramMermaid renders d as a Mermaid flowchart (top down): each node a
// rounded box "label<br/>detail", each edge an arrow with its label
// (dashed for a dashed class), a classDef per style and a linkStyle per
// styled edge. Labels are made safe (see label). It is pure and
// deterministic.
func DiagramMermaid(d Diagram) string {
	ids := d.ids()
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	if d.Title != "" {
		fmt.Fprintf(&b, "    %%%% %s\n", label(d.Title))
	}
	for i, n := range d.Nodes {
		if ids[n.ID] != fmt.Sprintf("n%d", i) {
			continue
		}
		text := mermaidText(n.Label)
		if n.Detail != "" {
			text += "<br/>" + mermaidText(n.Detail)
		}
		fmt.Fprintf(&b, "    n%d(\"%s\")\n", i, text)
	}
	edges := d.edges(ids)
	for _, e := range edges {
		arrow := "-->"
		if s, _ := d.style(e.Class); s.Dashed {
			arrow = "-.->"
		}
		if e.Label == "" {
			fmt.Fprintf(&b, "    %s %s %s\n", e.From, arrow, e.To)
			continue
		}
		fmt.Fprintf(&b, "    %s %s|\"%s\"| %s\n", e.From, arrow, mermaidText(e.Label), e.To)
	}
	for _, s := range d.Styles {
		st, _ := d.style(s.Class)
		if st.Fill == "" {
			continue // an edge's style: linkStyle draws it
		}
		dash := ""
		if st.Dashed {
			dash = ",stroke-dasharray:4 3"
		}
		fmt.Fprintf(&b, "    classDef %s fill:%s,stroke:%s,stroke-width:%dpx%s\n", mermaidClass(s.Class), st.Fill, st.Stroke, st.Width, dash)
	}
	for i, n := range d.Nodes {
		if _, ok := d.style(n.Class); ok && ids[n.ID] == fmt.Sprintf("n%d", i) {
			fmt.Fprintf(&b, "    class n%d %s\n", i, mermaidClass(n.Class))
		}
	}
	for i, e := range edges {
		if st, ok := d.style(e.Class); ok {
			fmt.Fprintf(&b, "    linkStyle %d stroke:%s,stroke-width:%dpx\n", i, st.Stroke, st.Width)
		}
	}
	return b.String()
}

// mermaidText is label's safe text with no control characters and no
// angle brackets or backticks, which Mermaid would read as markup.
func mermaidText(s string) string {
	return label(strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f:
			return ' '
		case r == '<':
			return '‹'
		case r == '>':
			return '›'
		case r == '`':
			return '\''
		}
		return r
	}, s))
}

// mermaidClass is a class name Mermaid accepts: letters, digits, - and _.
func mermaidClass(c string) string {
	var b strings.Builder
	for _, r := range c {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// DiagramDOT renders d as a Graphviz digraph (top to bottom): rounded
// boxes labelled "label\ndetail", filled and stroked by their class,
// edges labelled and styled by theirs; each node and edge carries its
// class as a comment. Every label is a quoted, escaped DOT string. It is
// pure and deterministic.
func DiagramDOT(d Diagram) string {
	ids := d.ids()
	var b strings.Builder
	b.WriteString("digraph \"diagram\" {\n  rankdir=TB;\n  node [shape=box, style=\"rounded\", fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
	if d.Title != "" {
		fmt.Fprintf(&b, "  label=%s;\n  labelloc=t;\n", dotQuote(d.Title))
	}
	for i, n := range d.Nodes {
		if ids[n.ID] != fmt.Sprintf("n%d", i) {
			continue
		}
		text := dotQuote(n.Label)
		if n.Detail != "" {
			text = text[:len(text)-1] + `\n` + dotQuote(n.Detail)[1:]
		}
		st, ok := d.style(n.Class)
		attrs := "label=" + text
		if ok {
			style := "rounded,filled"
			if st.Dashed {
				style += ",dashed"
			}
			attrs += fmt.Sprintf(", style=%q, fillcolor=%q, color=%q, penwidth=%d, comment=%s", style, st.Fill, st.Stroke, st.Width, dotQuote(n.Class))
		}
		fmt.Fprintf(&b, "  n%d [%s];\n", i, attrs)
	}
	for _, e := range d.edges(ids) {
		attrs := "label=" + dotQuote(e.Label)
		if st, ok := d.style(e.Class); ok {
			if st.Dashed {
				attrs += ", style=\"dashed\""
			}
			attrs += fmt.Sprintf(", color=%q, penwidth=%d, comment=%s", st.Stroke, st.Width, dotQuote(e.Class))
		}
		fmt.Fprintf(&b, "  %s -> %s [%s];\n", e.From, e.To, attrs)
	}
	b.WriteString("}\n")
	return b.String()
}
