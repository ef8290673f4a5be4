package chart_test

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
	"github.com/writ-dev/writ/schemas/chart"
)

// highlights are the cases the goldens pin: no highlight, a top-level
// move, a region move, a new instance and quarantine.
var highlights = []struct {
	name string
	h    chart.Highlight
}{
	{"none", chart.Highlight{}},
	{"ship", chart.Highlight{Current: "approved", Next: "released"}},
	{"region", chart.Highlight{Current: "verifying", Next: "verifying",
		CurrentRegions: map[string]string{"tests": "running", "security": "cleared"},
		NextRegions:    map[string]string{"tests": "passed", "security": "cleared"}}},
	{"create", chart.Highlight{Next: "draft"}},
	{"quarantine", chart.Highlight{Current: "approved", Next: schemas.QuarantinedState}},
}

// TestDOTAndSVGGolden pins the DOT and SVG of the release workflow for
// each highlight; two renderings give the same bytes.
func TestDOTAndSVGGolden(t *testing.T) {
	wf := release(t)
	for _, tt := range highlights {
		t.Run(tt.name, func(t *testing.T) {
			dot, svg := chart.DOT(wf, tt.h), chart.SVG(wf, tt.h)
			if chart.DOT(wf, tt.h) != dot || chart.SVG(wf, tt.h) != svg {
				t.Fatal("two renderings differ")
			}
			golden(t, "release_"+tt.name+".golden.dot", dot)
			golden(t, "release_"+tt.name+".golden.svg", svg)
		})
	}
}

// svgNode is one <g class="state ..."> of the SVG.
type svgNode struct {
	id, state, class string
	x, y, w, h       int
	parent           string // the enclosing state's id, "" at top level
}

// parseSVG parses the SVG with encoding/xml, failing on any XML error,
// and returns its state nodes with the first rect of each.
func parseSVG(t *testing.T, svg string) []svgNode {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	var nodes []svgNode
	var stack []int // index in nodes of each open state <g>, -1 for other <g>
	sawRoot := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v\n%s", err, svg)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range el.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch el.Name.Local {
			case "svg":
				sawRoot = el.Name.Space == "http://www.w3.org/2000/svg"
			case "g":
				if !strings.HasPrefix(attr["class"], "state") {
					stack = append(stack, -1)
					continue
				}
				n := svgNode{id: attr["id"], state: attr["data-state"], class: attr["class"], x: -1}
				for i := len(stack) - 1; i >= 0; i-- {
					if stack[i] >= 0 {
						n.parent = nodes[stack[i]].id
						break
					}
				}
				nodes = append(nodes, n)
				stack = append(stack, len(nodes)-1)
			case "rect":
				if len(stack) > 0 && stack[len(stack)-1] >= 0 && nodes[stack[len(stack)-1]].x < 0 {
					n := &nodes[stack[len(stack)-1]]
					n.x, n.y, n.w, n.h = atoi(attr["x"]), atoi(attr["y"]), atoi(attr["width"]), atoi(attr["height"])
				}
			}
		case xml.EndElement:
			if el.Name.Local == "g" {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if !sawRoot {
		t.Fatal("no <svg> root in the SVG namespace")
	}
	return nodes
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// TestSVGParsesAndHighlights: the SVG is well-formed XML, has one state
// node per state and sub-state, marks exactly the highlighted states
// (current and next) and no others, and no two sibling boxes overlap.
func TestSVGParsesAndHighlights(t *testing.T) {
	wf := release(t)
	tests := []struct {
		name string
		h    chart.Highlight
		want map[string]string // data-state -> class suffix
	}{
		{"ship", chart.Highlight{Current: "approved", Next: "released"}, map[string]string{"approved": "current", "released": "next"}},
		{"region", chart.Highlight{Current: "verifying", Next: "verifying",
			CurrentRegions: map[string]string{"tests": "running"}, NextRegions: map[string]string{"tests": "passed"}},
			map[string]string{"verifying": "next", "running": "current", "passed": "next"}},
		{"quarantine", chart.Highlight{Current: "approved", Next: schemas.QuarantinedState},
			map[string]string{"approved": "current", schemas.QuarantinedState: "next"}},
		{"none", chart.Highlight{}, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes := parseSVG(t, chart.SVG(wf, tt.h))
			want := 10 // 5 states, 5 sub-states
			if tt.name == "quarantine" {
				want++
			}
			if len(nodes) != want {
				t.Fatalf("%d state nodes, want %d: %+v", len(nodes), want, nodes)
			}
			for _, n := range nodes {
				got := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(n.class, "state"), " composite"))
				if got != tt.want[n.state] {
					t.Errorf("state %s (%s) has highlight %q, want %q", n.state, n.id, got, tt.want[n.state])
				}
				if n.w <= 0 || n.h <= 0 {
					t.Errorf("state %s has no box: %+v", n.state, n)
				}
			}
			for i, a := range nodes {
				for _, b := range nodes[i+1:] {
					if a.parent == b.parent && a.x < b.x+b.w && b.x < a.x+a.w && a.y < b.y+b.h && b.y < a.y+a.h {
						t.Errorf("boxes of %s and %s overlap: %+v %+v", a.state, b.state, a, b)
					}
				}
			}
		})
	}
}

// TestDOTAndSVGNamesAreInert: names cannot break out of a DOT string or
// an XML text or attribute, and control characters never reach the SVG.
func TestDOTAndSVGNamesAreInert(t *testing.T) {
	hostile := "a\"b<c>&d\x1b[31m\\"
	wf := &schemas.Workflow{Name: "w\"}", States: []schemas.State{{Name: hostile}, {Name: "e</text><script>"}},
		Transitions: []schemas.Transition{{Name: "go\"\nnow</g>", From: []string{hostile}, To: "e</text><script>"}}}
	h := chart.Highlight{Current: hostile, Next: "e</text><script>"}
	dot := chart.DOT(wf, h)
	for _, bad := range []string{"a\"b", "\x1b", "go\"", "\n now"} {
		if strings.Contains(dot, bad) {
			t.Errorf("DOT holds %q:\n%s", bad, dot)
		}
	}
	if !strings.Contains(dot, `label="a\"b<c>&d [31m\\"`) {
		t.Errorf("DOT lacks the escaped label:\n%s", dot)
	}
	svg := chart.SVG(wf, h)
	if strings.Contains(svg, "<script") || strings.Contains(svg, "\x1b") {
		t.Errorf("SVG holds markup or an escape from a name:\n%s", svg)
	}
	nodes := parseSVG(t, svg)
	if len(nodes) != 2 || nodes[0].state != "a\"b<c>&d\uFFFD[31m\\" || nodes[1].state != "e</text><script>" {
		t.Errorf("names did not round-trip through XML: %+v", nodes)
	}
	if !strings.Contains(nodes[0].class, "current") || !strings.Contains(nodes[1].class, "next") {
		t.Errorf("highlight lost: %+v", nodes)
	}
}
