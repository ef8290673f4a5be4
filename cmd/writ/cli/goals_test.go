package cli

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/goalview"
)

// TestGoalViewCommands: writ goals, scan and graph --goal exist, parse
// their flags, and on a control repo without goals print "no lineages"
// (their JSON follows its schema) or say why they cannot draw one.
func TestGoalViewCommands(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	in := func(args ...string) []string { return append([]string{"--repo", repo}, args...) }
	tests := []struct {
		name string
		args []string
		want int
		out  string // in stdout (ok) or stderr (error)
	}{
		{"goals", in("goals"), ExitOK, "no lineages\n"},
		{"goals --lineage unknown", in("goals", "--lineage", "rel-1"), ExitFailure, "--lineage rel-1: no such lineage"},
		{"goals with an argument", in("goals", "rel-1"), ExitFailure, "unknown command"},
		{"scan", in("scan"), ExitOK, "no lineages\n"},
		{"scan --at", in("scan", "--at", "2026-12-06T12:00:00Z"), ExitOK, "no lineages\n"},
		{"scan --at not a time", in("scan", "--at", "yesterday"), ExitFailure, "want an RFC 3339 time"},
		{"graph --goal without lineages", in("graph", "--goal", "rel-1"), ExitFailure, "--goal rel-1: no lineage \"rel-1\": there are no lineages"},
		{"graph --goal with a workflow", in("graph", "--goal", "rel-1", "release"), ExitFailure, "give it without a WORKFLOW"},
		{"graph --goal with --instance", in("graph", "--goal", "rel-1", "--instance", "web-1"), ExitFailure, "give it without"},
		{"graph --goal bad format", in("graph", "--goal", "rel-1", "--format", "png"), ExitFailure, "want mermaid, dot or svg"},
		{"graph without a workflow", in("graph"), ExitFailure, "accepts 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := writWant(t, tt.want, tt.args...)
			got := r.out
			if tt.want != ExitOK {
				got = r.err
			}
			if !strings.Contains(got, tt.out) {
				t.Errorf("writ %s: want %q in %s", strings.Join(tt.args, " "), tt.out, r)
			}
		})
	}
	goals := validateOutput(t, "goals", writWant(t, ExitOK, in("goals", "--json")...).out).(map[string]any)
	if l, ok := goals["lineages"].([]any); !ok || len(l) != 0 {
		t.Errorf("goals --json: %v", goals)
	}
	scan := validateOutput(t, "scan", writWant(t, ExitOK, in("scan", "--json", "--at", "2026-12-06T12:00:00Z")...).out).(map[string]any)
	if f, ok := scan["findings"].([]any); !ok || len(f) != 0 || fmt.Sprint(scan["at"].(map[string]any)["wall"]) != "1796558400000" {
		t.Errorf("scan --json: %v", scan)
	}
}

// TestScanExit: scan exits 0 without findings and 2 (a human has to
// look) with any.
func TestScanExit(t *testing.T) {
	t.Parallel()
	if err := scanExit(nil); err != nil {
		t.Errorf("no findings: %v", err)
	}
	err := scanExit([]goalview.Finding{{Kind: goalview.KindStall}})
	var ee *exitError
	if !errors.As(err, &ee) || exitCode(err) != ExitWaiting || err.Error() != "" {
		t.Errorf("findings: %v (exit %d), want exit %d and no message", err, exitCode(err), ExitWaiting)
	}
}

// TestPrintFindings: scan's text names each finding's kind, lineage,
// task and blocks, its detail and the suggested proposal, indented, with
// untrusted text spelled out; without findings it says how many lineages
// it looked at.
func TestPrintFindings(t *testing.T) {
	t.Parallel()
	task := "sha256:" + strings.Repeat("ab", 32)
	blk := "sha256:" + strings.Repeat("cd", 32)
	views := []core.LineageView{{ID: "rel-1"}, {ID: "rel-2"}}
	tests := []struct {
		name     string
		views    []core.LineageView
		findings []goalview.Finding
		want     string
	}{
		{"no lineages", nil, nil, "no lineages\n"},
		{"nothing found", views, nil, "nothing found in 2 lineages\n"},
		{"findings", views, []goalview.Finding{
			{Lineage: "rel-1", Kind: goalview.KindStall, Task: task, Blocks: []string{}, Detail: "no task completed\x1b[2J", Suggest: "instance: rel-1\ntransition: declare-block\ninputs:\n    task: x\n"},
			{Lineage: "rel-2", Kind: goalview.KindConflict, Task: task, Blocks: []string{blk, blk}, Detail: "incompatible", Suggest: "instance: rel-2\n"},
		}, "STALL in lineage rel-1, task abababababab\n" +
			"  no task completed\\x1b[2J\n" +
			"  suggested declare-block (scan proposes nothing; propose it to make it count):\n" +
			"    instance: rel-1\n    transition: declare-block\n    inputs:\n        task: x\n" +
			"\n" +
			"CONFLICT in lineage rel-2, task abababababab\n" +
			"  blocks: cdcdcdcdcdcd, cdcdcdcdcdcd\n" +
			"  incompatible\n" +
			"  suggested proposal (scan proposes nothing; propose it to make it count):\n" +
			"    instance: rel-2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			(&app{out: &b}).printFindings(tt.views, tt.findings)
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}
