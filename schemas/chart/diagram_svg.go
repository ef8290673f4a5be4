package chart

import (
	"fmt"
	"strings"
)

// diagramNodeH is the height of a Diagram node with a detail line.
const diagramNodeH = 44

// DiagramSVG renders d as a standalone SVG image, laid out as SVG lays out
// a statechart (rows breadth first from the first node along the edges, a
// node no edge reaches on a last row; arrows down as straight lines, up
// or along a row as curves on the right). Each node is a <g> with class
// "node <class>", its drawn id and a data-id attribute holding the
// caller's ID; each edge a <path> with class "edge <class>". Nodes are
// filled and stroked by their class's style. Every text is XML-escaped.
// It needs no external tool; it is pure and deterministic.
func DiagramSVG(d Diagram) string {
	ids := d.ids()
	edges := d.edges(ids)
	var order []string
	size := map[string][2]int{}
	node := map[string]Node{}
	for i, n := range d.Nodes {
		id := fmt.Sprintf("n%d", i)
		if ids[n.ID] != id {
			continue
		}
		order = append(order, id)
		node[id] = n
		h := nodeHeight
		if n.Detail != "" {
			h = diagramNodeH
		}
		size[id] = [2]int{max(nodeMinW, labelWidth(n.Label)+2*padding, labelWidth(n.Detail)+2*padding), h}
	}
	var starts []string
	if len(order) > 0 {
		starts = order[:1]
	}
	lines := make([]edge, len(edges))
	for i, e := range edges {
		lines[i] = edge{e.From, e.To, e.Label}
	}
	y0 := margin + 16
	boxes, w, h := place(layers(order, starts, lines), size, margin, y0)
	width := max(w+2*margin+loopRoom(lines, boxes), labelWidth(d.Title)+2*margin)
	height := y0 + h + margin

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, "<title>%s</title>\n", xmlEscape(d.Title))
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>` + "\n")
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", margin, margin, xmlEscape(d.Title))
	for _, id := range order {
		n, bx := node[id], boxes[id]
		st, _ := d.style(n.Class)
		dash := ""
		if st.Dashed {
			dash = ` stroke-dasharray="4 3"`
		}
		fmt.Fprintf(&b, `<g class="%s" id="%s" data-id="%s">`, xmlEscape(strings.TrimSpace("node "+n.Class)), id, xmlEscape(n.ID))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="8" ry="8" fill="%s" stroke="%s" stroke-width="%d"%s/>`,
			bx.x, bx.y, bx.w, bx.h, st.Fill, st.Stroke, st.Width, dash)
		if n.Detail == "" {
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%s</text></g>`+"\n", bx.cx(), bx.y+bx.h/2+4, xmlEscape(n.Label))
			continue
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`, bx.cx(), bx.y+18, xmlEscape(n.Label))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="10" fill="#57606a">%s</text></g>`+"\n", bx.cx(), bx.y+34, xmlEscape(n.Detail))
	}
	var labels strings.Builder
	seen := map[[2]string]int{}
	for _, e := range edges {
		k := seen[[2]string{e.From, e.To}]
		seen[[2]string{e.From, e.To}] = k + 1
		path, lx, ly, anchor := route(boxes[e.From], boxes[e.To], k)
		st, _ := d.style(e.Class)
		dash := ""
		if st.Dashed {
			dash = ` stroke-dasharray="4 3"`
		}
		fmt.Fprintf(&b, `<path class="%s" d="%s" fill="none" stroke="%s" stroke-width="%d"%s marker-end="url(#arrow)"/>`+"\n",
			xmlEscape(strings.TrimSpace("edge "+e.Class)), path, st.Stroke, st.Width, dash)
		fmt.Fprintf(&labels, `<text class="edge-label" x="%d" y="%d" text-anchor="%s" font-size="10" fill="#24292f" stroke="#ffffff" stroke-width="3" paint-order="stroke">%s</text>`+"\n",
			lx, ly, anchor, xmlEscape(e.Label))
	}
	b.WriteString(labels.String())
	b.WriteString("</svg>\n")
	return b.String()
}
