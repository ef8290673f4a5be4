package chart

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// SVG renders wf as a standalone SVG image laid out in Go, with the same
// nodes, ids, edges and highlight as Mermaid and DOT; it needs no external
// tool and loads nothing. States are rounded rectangles in rows, breadth
// first from the creating transitions (a state no transition reaches goes
// on a last row); a parallel state is a box holding one dashed box per
// region, laid out the same way from the region's initial sub-state.
// Transitions are arrows labelled with their names: down to a later row
// as a straight line, back up or along a row as a curve on the right.
// Terminal states have a double border. Each node is a <g> with class
// "state" (plus ClassCurrent or ClassNext when highlighted), its id and a
// data-state attribute naming it; highlighted nodes are filled with the
// highlight colours. Every name is XML-escaped (characters XML cannot
// hold become U+FFFD). It is pure and deterministic.
func SVG(wf *schemas.Workflow, h Highlight) string {
	g := newGraph(wf)
	quarantine := g.withQuarantine(h)
	s := &svgChart{g: g, marks: g.marks(h), boxes: map[string]box{}, names: map[string]string{}}
	s.layout(quarantine)
	return s.render()
}

// svgChart is one SVG being laid out and drawn.
type svgChart struct {
	g       *graph
	marks   map[string]string
	boxes   map[string]box    // absolute box of every node id
	names   map[string]string // node id -> state name
	width   int
	height  int
	edges   []edge
	starts  []string // top-level targets of creating transitions
	regions []regionBox
	hasTop  bool // a start dot above the first row
}

// regionBox is a laid-out region of a parallel state.
type regionBox struct {
	state, id string // the parallel state's id, the region's box id
	name      string
	b         box
	initial   string // id of the initial sub-state
}

// layout places every node.
func (s *svgChart) layout(quarantine bool) {
	wf := s.g.wf
	type inner struct {
		rows  [][]string
		size  map[string][2]int
		w, h  int
		r     schemas.Region
		index int
	}
	size := map[string][2]int{}
	var ids []string
	inners := map[string][]inner{}
	for _, st := range wf.States {
		id := s.g.top[st.Name]
		ids = append(ids, id)
		s.names[id] = st.Name
		if len(st.Regions) == 0 {
			size[id] = [2]int{max(nodeMinW, labelWidth(st.Name)+2*padding), nodeHeight}
			continue
		}
		cw, ch := 0, 0
		for j, r := range st.Regions {
			in := inner{size: map[string][2]int{}, r: r, index: j}
			var subs []string
			for _, sub := range r.States {
				sid := s.g.sub(st.Name, r.Name, sub)
				subs = append(subs, sid)
				s.names[sid] = sub
				in.size[sid] = [2]int{max(nodeMinW, labelWidth(sub)+2*padding), nodeHeight}
			}
			edges := s.g.regionEdges(st.Name, r)
			s.edges = append(s.edges, edges...)
			in.rows = layers(subs, []string{s.g.sub(st.Name, r.Name, r.Initial)}, edges)
			rel, w, h := place(in.rows, in.size, 0, 0)
			in.w = max(w, labelWidth(r.Name)) + 2*padding
			in.w += loopRoom(edges, rel)
			in.h = headerH + 16 + h + padding
			if j > 0 {
				cw += gapX / 2
			}
			cw += in.w
			ch = max(ch, in.h)
			inners[id] = append(inners[id], in)
		}
		size[id] = [2]int{max(cw, labelWidth(st.Name)) + 2*padding, headerH + ch + padding}
	}
	if quarantine {
		ids = append(ids, "sq")
		s.names["sq"] = schemas.QuarantinedState
		size["sq"] = [2]int{max(nodeMinW, labelWidth(schemas.QuarantinedState)+2*padding), nodeHeight}
	}
	var top []edge
	for _, e := range s.g.topEdges() {
		if e.from == "" {
			s.starts = append(s.starts, e.to)
			s.hasTop = true
		}
		top = append(top, e)
	}
	s.edges = append(top, s.edges...)
	var reach []edge
	for _, e := range top {
		if e.from != "" {
			reach = append(reach, e)
		}
	}
	y0 := margin + 8 // room for the title
	if s.hasTop {
		y0 += 28
	}
	boxes, w, h := place(layers(ids, s.starts, reach), size, margin, y0)
	for id, b := range boxes {
		s.boxes[id] = b
	}
	titleW := labelWidth(wf.Name+": "+wf.Description) + 2*margin
	s.width, s.height = max(w+2*margin+loopRoom(reach, boxes), titleW), y0+h+margin
	// Place each region inside its parallel state.
	for _, st := range wf.States {
		id := s.g.top[st.Name]
		b := s.boxes[id]
		x := b.x + padding
		for _, in := range inners[id] {
			rb := box{x, b.y + headerH, in.w, b.h - headerH - padding}
			subs, _, _ := place(in.rows, in.size, x+padding, rb.y+headerH+16) // loop room, if any, on the right
			for sid, sb := range subs {
				s.boxes[sid] = sb
			}
			s.regions = append(s.regions, regionBox{state: id, id: fmt.Sprintf("%s_r%d", id, in.index), name: in.r.Name, b: rb,
				initial: s.g.sub(st.Name, in.r.Name, in.r.Initial)})
			x += in.w + gapX/2
		}
	}
}

// render writes the laid-out chart.
func (s *svgChart) render() string {
	wf := s.g.wf
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		s.width, s.height, s.width, s.height)
	title := wf.Name
	if wf.Description != "" {
		title += ": " + wf.Description
	}
	fmt.Fprintf(&b, "<title>%s</title>\n", xmlEscape(title))
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>` + "\n")
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", s.width, s.height)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", margin, margin, xmlEscape(title))
	// Nodes first, so arrows and their labels stay visible on top.
	for _, st := range wf.States {
		id := s.g.top[st.Name]
		if len(st.Regions) == 0 {
			s.node(&b, id, st.Terminal)
			continue
		}
		s.composite(&b, id)
	}
	if _, ok := s.names["sq"]; ok {
		s.node(&b, "sq", false)
	}
	s.arrows(&b)
	b.WriteString("</svg>\n")
	return b.String()
}

// colours returns the fill, stroke and stroke width of a node.
func (s *svgChart) colours(id, fill string) (string, string, int) {
	switch s.marks[id] {
	case ClassCurrent:
		return fillCurrent, strokeCurrent, 2
	case ClassNext:
		return fillNext, strokeNext, 3
	}
	return fill, "#57606a", 1
}

func (s *svgChart) class(id string, extra string) string {
	c := "state" + extra
	if m := s.marks[id]; m != "" {
		c += " " + m
	}
	return c
}

// node draws a simple state.
func (s *svgChart) node(b *strings.Builder, id string, terminal bool) {
	bx := s.boxes[id]
	fill, stroke, sw := s.colours(id, "#f6f8fa")
	fmt.Fprintf(b, `<g class="%s" id="%s" data-state="%s">`, s.class(id, ""), id, xmlEscape(s.names[id]))
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" rx="8" ry="8" fill="%s" stroke="%s" stroke-width="%d"/>`, bx.x, bx.y, bx.w, bx.h, fill, stroke, sw)
	if terminal {
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" rx="6" ry="6" fill="none" stroke="%s"/>`, bx.x+3, bx.y+3, bx.w-6, bx.h-6, stroke)
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">%s</text></g>`+"\n", bx.cx(), bx.y+bx.h/2+4, xmlEscape(s.names[id]))
}

// composite draws a parallel state, its regions and their sub-states.
func (s *svgChart) composite(b *strings.Builder, id string) {
	bx := s.boxes[id]
	fill, stroke, sw := s.colours(id, "#ffffff")
	fmt.Fprintf(b, `<g class="%s" id="%s" data-state="%s">`+"\n", s.class(id, " composite"), id, xmlEscape(s.names[id]))
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" rx="10" ry="10" fill="%s" stroke="%s" stroke-width="%d"/>`+"\n", bx.x, bx.y, bx.w, bx.h, fill, stroke, sw)
	fmt.Fprintf(b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", bx.x+padding, bx.y+16, xmlEscape(s.names[id]))
	for _, r := range s.regions {
		if r.state != id {
			continue
		}
		fmt.Fprintf(b, `<g class="region" id="%s" data-region="%s">`, r.id, xmlEscape(r.name))
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" rx="6" ry="6" fill="none" stroke="#8c959f" stroke-dasharray="4 3"/>`, r.b.x, r.b.y, r.b.w, r.b.h)
		fmt.Fprintf(b, `<text x="%d" y="%d" font-style="italic">%s</text></g>`+"\n", r.b.x+8, r.b.y+15, xmlEscape(r.name))
		for _, st := range s.g.wf.States {
			if s.g.top[st.Name] != id {
				continue
			}
			for _, reg := range st.Regions {
				if reg.Name != r.name {
					continue
				}
				for _, sub := range reg.States {
					s.node(b, s.g.sub(st.Name, reg.Name, sub), false)
				}
			}
		}
	}
	b.WriteString("</g>\n")
}

// arrows draws the start dots and every transition with its label.
func (s *svgChart) arrows(b *strings.Builder) {
	var labels strings.Builder
	seen := map[[2]string]int{}
	for _, e := range s.edges {
		k := seen[[2]string{e.from, e.to}]
		seen[[2]string{e.from, e.to}] = k + 1
		to := s.boxes[e.to]
		var path, anchor string
		var lx, ly int
		if e.from == "" {
			x := to.cx() + k*12
			fmt.Fprintf(b, `<circle cx="%d" cy="%d" r="6" fill="#24292f"/>`+"\n", x, to.y-28)
			path = fmt.Sprintf("M%d,%d L%d,%d", x, to.y-22, x, to.y)
			lx, ly, anchor = x+6, to.y-10, "start"
		} else {
			path, lx, ly, anchor = route(s.boxes[e.from], to, k)
		}
		fmt.Fprintf(b, `<path class="transition" d="%s" fill="none" stroke="#57606a" stroke-width="1.2" marker-end="url(#arrow)"/>`+"\n", path)
		fmt.Fprintf(&labels, `<text class="transition-label" x="%d" y="%d" text-anchor="%s" font-size="10" fill="#24292f" stroke="#ffffff" stroke-width="3" paint-order="stroke">%s</text>`+"\n",
			lx, ly, anchor, xmlEscape(e.label))
	}
	for _, r := range s.regions {
		in := s.boxes[r.initial]
		fmt.Fprintf(b, `<circle cx="%d" cy="%d" r="4" fill="#24292f"/>`, in.cx(), in.y-12)
		fmt.Fprintf(b, `<path d="M%d,%d L%d,%d" stroke="#57606a" marker-end="url(#arrow)"/>`+"\n", in.cx(), in.y-8, in.cx(), in.y)
	}
	b.WriteString(labels.String())
}

// loopRoom is the room a layout needs on its right for the arrows that
// curve back up or along a row, and their labels: 0 when none does.
func loopRoom(edges []edge, at map[string]box) int {
	room := 0
	for _, e := range edges {
		from, to := at[e.from], at[e.to]
		if to.y < from.y+from.h {
			room = max(room, 48+labelFont*len([]rune(e.label))+8)
		}
	}
	return room
}

// route is the path of the k-th arrow from a to b, and where its label
// goes and how it is anchored: straight down to a later row, labelled
// two thirds of the way (arrows that fan out from one state keep their
// labels apart), else a curve on the right, labelled at its bulge.
func route(a, b box, k int) (string, int, int, string) {
	off := k * 12
	if b.y >= a.y+a.h {
		x1, y1, x2, y2 := a.cx()+off, a.y+a.h, b.cx()+off, b.y
		return fmt.Sprintf("M%d,%d L%d,%d", x1, y1, x2, y2), x1 + 2*(x2-x1)/3, y1 + 2*(y2-y1)/3 + 4, "middle"
	}
	x1, y1 := a.x+a.w, a.y+a.h/3
	x2, y2 := b.x+b.w, b.y+b.h/2
	if a == b {
		y2 = a.y + 2*a.h/3
	}
	cx := max(x1, x2) + 40 + 2*off
	return fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", x1, y1, cx, y1, cx, y2, x2, y2), (6*cx+x1+x2)/8 + 4, (y1+y2)/2 + 4, "start"
}

// xmlEscape escapes s for XML text and attribute values.
func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
