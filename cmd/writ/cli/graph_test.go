package cli

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// svgMarks parses an SVG with encoding/xml and returns the class of
// every state node by the state it names.
func svgMarks(t *testing.T, svg string) map[string]string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	out := map[string]string{}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("graph --format svg is not XML: %v\n%s", err, svg)
		}
		if el, ok := tok.(xml.StartElement); ok && el.Name.Local == "g" {
			var class, state string
			for _, a := range el.Attr {
				switch a.Name.Local {
				case "class":
					class = a.Value
				case "data-state":
					state = a.Value
				}
			}
			if strings.HasPrefix(class, "state") {
				out[state] = class
			}
		}
	}
}

// TestGraph: writ graph draws a workflow in the three formats, with the
// instance's current state and the next state highlighted from
// --instance and --next, or from a pending proposal.
func TestGraph(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	walkToApproved(t, repo, "web-1")
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "ship",
		"--name", "ship", "--input", "change_ticket=CHG-1")
	w := func(want int, args ...string) string {
		t.Helper()
		return writWant(t, want, append([]string{"--repo", repo, "graph", "release"}, args...)...).out
	}

	plain := w(ExitOK)
	if !strings.HasPrefix(plain, "stateDiagram-v2\n") || strings.Contains(plain, "classDef") {
		t.Errorf("graph (mermaid by default, nothing highlighted):\n%s", plain)
	}
	for _, args := range [][]string{{"--instance", "web-1", "--next", "ship"}, {"--proposal", "web-1/ship"}} {
		m := w(ExitOK, append(args, "--format", "mermaid")...)
		wantAll(t, "mermaid "+strings.Join(args, " "), m, "class s2 current", "class s3 next")

		dot := w(ExitOK, append(args, "--format", "dot")...)
		wantAll(t, "dot "+strings.Join(args, " "), dot, `digraph "release" {`,
			`s2 [label="approved", style="rounded,filled", fillcolor="#fff4c2", color="#9a6700", penwidth=2, comment="current"];`,
			`comment="next"];`, `s2 -> s3 [label="ship"];`)

		marks := svgMarks(t, w(ExitOK, append(args, "--format", "svg")...))
		if marks["approved"] != "state current" || marks["released"] != "state next" || marks["draft"] != "state" || len(marks) != 10 {
			t.Errorf("svg %v: state classes %v", args, marks)
		}
	}
	// --instance alone marks only the current state.
	if marks := svgMarks(t, w(ExitOK, "--instance", "web-1", "--format", "svg")); marks["approved"] != "state current" || marks["released"] != "state" {
		t.Errorf("svg --instance: %v", marks)
	}
	for _, bad := range [][]string{
		{"--format", "png"}, {"--next", "ship"}, {"--instance", "web-1", "--next", "verify"},
		{"--instance", "nope"}, {"--proposal", "web-1/ship", "--instance", "web-1"},
	} {
		w(ExitFailure, bad...)
	}
	writWant(t, ExitFailure, "--repo", repo, "graph", "nope")
}
