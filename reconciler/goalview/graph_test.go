package goalview_test

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/goalview"
)

// TestGraph draws the sample lineage in each format: one node per task
// labelled with its type and short id and styled by status, one edge per
// block labelled with its status (the degraded one with its shortfall),
// the barrier's members joined to it; the same bytes twice.
func TestGraph(t *testing.T) {
	v := sample(t)
	views := []core.LineageView{v}
	deploy := short(v.Terminal)
	tests := []struct {
		format string
		want   []string
	}{
		{"mermaid", []string{"flowchart TD\n", `n0("deploy ` + deploy + `<br/>blocked")`, `<br/>blocked, 2/3 members done")`,
			`-->|"confirmed (degraded, 1 short)"|`, `-.->|"dismissed"|`, `-->|"resolved"|`, `-->|"member"|`,
			"class n0 blocked", "classDef complete fill:#dafbe1", "classDef dismissed"}},
		{"dot", []string{`n0 [label="deploy ` + deploy + `\nblocked", style="rounded,filled"`, `comment="complete"`, `comment="actionable"`,
			`label="confirmed (degraded, 1 short)"`, `label="dismissed", style="dashed"`, `label="member"`}},
		{"svg", []string{`data-id="` + v.Terminal + `"`, `class="node blocked"`, `class="node dismissed"`, `class="edge block-resolved"`,
			`class="edge member"`, ">confirmed (degraded, 1 short)</text>"}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			got, err := goalview.Graph(views, "rel-1", tt.format)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := goalview.Graph([]core.LineageView{sample(t)}, "release", tt.format)
			if again != got {
				t.Error("two renderings (by lineage id and by goal name) differ")
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in\n%s", w, got)
				}
			}
			// 7 tasks, 3 blocks + 3 members.
			nodes, edges := 0, 0
			switch tt.format {
			case "mermaid":
				nodes, edges = strings.Count(got, `("`), strings.Count(got, "-->")+strings.Count(got, "-.->")
			case "dot":
				nodes, edges = strings.Count(got, "[label=")-strings.Count(got, "->"), strings.Count(got, "->")
			case "svg":
				nodes, edges = svgCounts(t, got)
			}
			if nodes != 7 || edges != 6 {
				t.Errorf("%d nodes and %d edges, want 7 and 6:\n%s", nodes, edges, got)
			}
		})
	}
}

// svgCounts parses svg as XML (failing on any error) and counts its task
// nodes and block edges.
func svgCounts(t *testing.T, svg string) (nodes, edges int) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	root := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v\n%s", err, svg)
		}
		if el, ok := tok.(xml.StartElement); ok {
			var class string
			for _, a := range el.Attr {
				if a.Name.Local == "class" {
					class = a.Value
				}
			}
			switch {
			case el.Name.Local == "svg":
				root = el.Name.Space == "http://www.w3.org/2000/svg"
			case el.Name.Local == "g" && strings.HasPrefix(class, "node "):
				nodes++
			case el.Name.Local == "path" && strings.HasPrefix(class, "edge "):
				edges++
			}
		}
	}
	if !root {
		t.Fatal("no <svg> root in the SVG namespace")
	}
	return nodes, edges
}

// TestGraphErrors: an unknown format, an unknown lineage and a goal with
// several lineages are errors that say what to give.
func TestGraphErrors(t *testing.T) {
	a, b := sample(t), sample(t)
	b.ID = "rel-2"
	views := []core.LineageView{a, b}
	tests := []struct {
		name, id, format, want string
	}{
		{"format", "rel-1", "png", "want mermaid, dot or svg"},
		{"unknown", "nope", "dot", "no lineage \"nope\" and no goal of that name with a lineage (lineages: rel-1, rel-2)"},
		{"several", "release", "dot", "goal release has 2 lineages (rel-1, rel-2): name one by its id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := goalview.Graph(views, tt.id, tt.format)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := goalview.Graph(nil, "x", "dot"); err == nil || !strings.Contains(err.Error(), "there are no lineages") {
		t.Errorf("no lineages: %v", err)
	}
}
