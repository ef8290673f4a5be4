package chart_test

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas/chart"
)

// diagram is a small DAG: a root blocked by two prerequisites, one of
// which also waits on the other, plus a node no edge reaches.
func diagram(hostile string) chart.Diagram {
	return chart.Diagram{
		Title: "lineage l1: goal ship",
		Nodes: []chart.Node{
			{ID: "root", Label: "deploy", Detail: "blocked", Class: "blocked"},
			{ID: "a", Label: hostile, Detail: "complete", Class: "complete"},
			{ID: "b", Label: "test", Detail: "proposed", Class: "proposed"},
			{ID: "lone", Label: "lone"},
		},
		Edges: []chart.Edge{
			{From: "root", To: "a", Label: "confirmed", Class: "confirmed"},
			{From: "root", To: "b", Label: "claimed", Class: "claimed"},
			{From: "b", To: "a", Label: "resolved"},
			{From: "a", To: "missing", Label: "dropped"},
		},
		Styles: []chart.Style{
			{Class: "blocked", Fill: "#fff4c2", Stroke: "#9a6700", Width: 2},
			{Class: "complete", Fill: "#dafbe1", Stroke: "#1a7f37"},
			{Class: "proposed", Fill: "#f6f8fa", Stroke: "#8c959f", Dashed: true},
			{Class: "confirmed", Stroke: "#24292f", Width: 2},
			{Class: "claimed", Stroke: "#8c959f", Dashed: true},
		},
	}
}

// TestDiagramRenderers: each format draws every node once, every edge
// between known nodes with its label and style, and nothing else; two
// renderings give the same bytes; names cannot break out of a label.
func TestDiagramRenderers(t *testing.T) {
	const hostile = "a\"b<c>&d\x1b[31m\\|]"
	d := diagram(hostile)
	tests := []struct {
		name   string
		render func(chart.Diagram) string
		want   []string
		bad    []string
	}{
		{"mermaid", chart.DiagramMermaid, []string{
			"flowchart TD\n", `n0("deploy<br/>blocked")`, `n0 -->|"confirmed"| n1`, `n0 -.->|"claimed"| n2`,
			`n2 -->|"resolved"| n1`, "classDef proposed fill:#f6f8fa,stroke:#8c959f,stroke-width:1px,stroke-dasharray:4 3",
			"class n0 blocked", "class n1 complete", "linkStyle 0 stroke:#24292f,stroke-width:2px", "linkStyle 1 stroke:#8c959f",
			`n3("lone")`,
		}, []string{"dropped", "class n3", "linkStyle 2", "\x1b", `a"b`, "<c>", "classDef confirmed"}},
		{"dot", chart.DiagramDOT, []string{
			`n0 [label="deploy\nblocked", style="rounded,filled", fillcolor="#fff4c2", color="#9a6700", penwidth=2, comment="blocked"];`,
			`n2 [label="test\nproposed", style="rounded,filled,dashed"`,
			`n0 -> n1 [label="confirmed", color="#24292f", penwidth=2, comment="confirmed"];`,
			`n0 -> n2 [label="claimed", style="dashed"`, `n2 -> n1 [label="resolved"];`, `n3 [label="lone"];`,
			`label="a\"b<c>&d [31m\\|]\ncomplete"`,
		}, []string{"dropped", "\x1b"}},
		{"svg", chart.DiagramSVG, []string{`class="node blocked" id="n0" data-id="root"`, `class="edge claimed"`, `stroke-dasharray="4 3"`, ">confirmed</text>"},
			[]string{"dropped", "\x1b", "<c>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.render(d)
			if tt.render(diagram(hostile)) != got {
				t.Fatal("two renderings differ")
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in\n%s", w, got)
				}
			}
			for _, w := range tt.bad {
				if strings.Contains(got, w) {
					t.Errorf("holds %q:\n%s", w, got)
				}
			}
		})
	}
}

// TestDiagramSVGWellFormed: the SVG parses as XML, holds one node group
// per node with the caller's id round-tripped, one edge per drawable edge,
// and no two boxes overlap.
func TestDiagramSVGWellFormed(t *testing.T) {
	hostile := "e</text><script>"
	svg := chart.DiagramSVG(diagram(hostile))
	dec := xml.NewDecoder(strings.NewReader(svg))
	type rect struct{ x, y, w, h int }
	var ids []string
	var boxes []rect
	edges, inNode := 0, false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range el.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch {
			case el.Name.Local == "g" && strings.HasPrefix(attr["class"], "node"):
				ids = append(ids, attr["data-id"])
				inNode = true
			case el.Name.Local == "rect" && inNode:
				boxes = append(boxes, rect{atoi(attr["x"]), atoi(attr["y"]), atoi(attr["width"]), atoi(attr["height"])})
				inNode = false
			case el.Name.Local == "path" && strings.HasPrefix(attr["class"], "edge"):
				edges++
			}
		}
	}
	if strings.Contains(svg, "<script") || !strings.Contains(svg, ">e&lt;/text&gt;&lt;script&gt;</text>") {
		t.Errorf("the label is not escaped:\n%s", svg)
	}
	if strings.Join(ids, ",") != "root,a,b,lone" {
		t.Errorf("node ids %q", ids)
	}
	if edges != 3 {
		t.Errorf("%d edges, want 3 (the one to an unknown node is dropped)", edges)
	}
	for i, a := range boxes {
		if a.w <= 0 || a.h <= 0 {
			t.Errorf("box %d empty: %+v", i, a)
		}
		for _, b := range boxes[i+1:] {
			if a.x < b.x+b.w && b.x < a.x+a.w && a.y < b.y+b.h && b.y < a.y+a.h {
				t.Errorf("boxes overlap: %+v %+v", a, b)
			}
		}
	}
}
