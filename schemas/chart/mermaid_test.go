package chart_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/schemas"
	"github.com/writ-dev/writ/schemas/chart"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Fatalf("%s differs (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func release(t *testing.T) *schemas.Workflow {
	t.Helper()
	b, problems := schemas.LoadBundle(fixtures.Release())
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	wf, ok := b.Workflow("release")
	if !ok {
		t.Fatal("no release workflow")
	}
	return wf
}

// TestMermaidGolden pins the chart of the release workflow (parallel
// regions, a join, terminal states) with the highlights a plan comment
// uses: a top-level move, a region move, a rejection (no move), a new
// instance, and quarantine.
func TestMermaidGolden(t *testing.T) {
	wf := release(t)
	tests := []struct {
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
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chart.Mermaid(wf, tt.h)
			if again := chart.Mermaid(wf, tt.h); again != got {
				t.Fatal("two renderings differ")
			}
			golden(t, "release_"+tt.name+".golden.mmd", got)
		})
	}
}

// TestMermaidHighlights checks the highlight's meaning apart from the
// golden bytes: the current node gets class current, the next class next,
// a region move marks the sub-states, and nothing else is marked.
func TestMermaidHighlights(t *testing.T) {
	wf := release(t)
	got := chart.Mermaid(wf, chart.Highlight{Current: "verifying", Next: "verifying",
		CurrentRegions: map[string]string{"tests": "running"}, NextRegions: map[string]string{"tests": "passed"}})
	for _, want := range []string{
		"state \"verifying\" as s1 {", "state \"running\" as s1_0_0", "state \"passed\" as s1_0_1",
		"class s1_0_0 current", "class s1_0_1 next", "class s1 next", "s1_0_0 --> s1_0_1: tests-pass", "s1 --> s2: approve-release",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("chart lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "\n    class "); n != 3 {
		t.Errorf("%d class assignments, want 3:\n%s", n, got)
	}
	if strings.Contains(chart.Mermaid(wf, chart.Highlight{}), "classDef") {
		t.Error("no highlight, yet classDef is written")
	}
}

// TestMermaidLabelsAreInert: names cannot break out of a label.
func TestMermaidLabelsAreInert(t *testing.T) {
	wf := &schemas.Workflow{Name: "w", States: []schemas.State{{Name: "a\"b:c;d"}, {Name: "e{f}"}},
		Transitions: []schemas.Transition{{Name: "go\nnow", From: []string{"a\"b:c;d"}, To: "e{f}"}}}
	got := chart.Mermaid(wf, chart.Highlight{})
	for _, bad := range []string{"\"b", "c;d", "{f}", "go\nnow"} {
		if strings.Contains(got, bad) {
			t.Errorf("chart holds %q:\n%s", bad, got)
		}
	}
}
