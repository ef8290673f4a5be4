package goalview_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/goalview"
	"github.com/writ-dev/writ/schemas"
)

// goals is the release goal, stalling after two hours, and a goal
// without stall_after.
var goals = []schemas.Goal{{Name: "release", StallAfter: "2h"}, {Name: "quiet"}}

// withBlocks is the sample with extra blocks on the terminal task.
func withBlocks(t *testing.T, extra ...core.BlockView) core.LineageView {
	v := sample(t)
	for i := range extra {
		if extra[i].Blocked == "" {
			extra[i].Blocked = v.Terminal
		}
	}
	v.Blocks = append(v.Blocks, extra...)
	sortBlocks(v.Blocks)
	return v
}

// block is an open or closed block on the terminal task waiting for a new
// task of type typ, declared by who.
func block(t *testing.T, typ string, status core.BlockStatus, who ...string) core.BlockView {
	return core.BlockView{ID: hash("block " + typ), Prerequisite: taskID(t, typ, nil), Status: status, DeclaredBy: who}
}

// TestScan: each kind of finding where it applies, and none where it does
// not (progress within the threshold, overlapping declarers, a done
// lineage whose blocks are all closed).
func TestScan(t *testing.T) {
	v := sample(t)
	e2e := v.Tasks[len(v.Tasks)-1].ID
	for _, task := range v.Tasks {
		if task.Status == core.TaskActionable {
			e2e = task.ID
		}
	}
	done := func(v core.LineageView) core.LineageView {
		v.Done = true
		v.Tasks = append([]core.TaskView{}, v.Tasks...)
		v.Tasks[0].Status = core.TaskComplete
		// The barrier's block, confirmed in the sample, is resolved.
		v.Blocks = append([]core.BlockView{}, v.Blocks...)
		for i := range v.Blocks {
			if v.Blocks[i].ID == hash("block tests") {
				v.Blocks[i].Status = core.BlockResolved
			}
		}
		return v
	}
	renamed := func(v core.LineageView, goal string) core.LineageView { v.Goal = goal; return v }
	claimedX := block(t, "x", core.BlockClaimed, "alice")
	confirmedY := block(t, "y", core.BlockConfirmed, "bob", "carol")
	tests := []struct {
		name  string
		view  core.LineageView
		now   core.HLC
		want  []goalview.Kind
		task  string   // of the first finding
		block []string // of the first finding
	}{
		{"stall after 2h1m", v, hlc(90 + 121), []goalview.Kind{goalview.KindStall}, e2e, []string{}},
		{"progress within the threshold", v, hlc(90 + 119), nil, "", nil},
		{"exactly the threshold", v, hlc(90 + 120), nil, "", nil},
		{"a goal without stall_after", renamed(v, "quiet"), hlc(10_000), nil, "", nil},
		{"a goal not in the rules", renamed(v, "gone"), hlc(10_000), nil, "", nil},
		{"a done lineage does not stall", done(v), hlc(10_000), nil, "", nil},
		{"conflict: disjoint declarers, different prerequisites", withBlocks(t, claimedX, confirmedY), hlc(91),
			// bob and carol's block conflicts with both of alice's (x and
			// the barrier); alice's two do not conflict with each other.
			[]goalview.Kind{goalview.KindConflict}, v.Terminal, sorted(claimedX.ID, confirmedY.ID, hash("block tests"))},
		{"no conflict: overlapping declarers", withBlocks(t, claimedX, block(t, "y", core.BlockConfirmed, "bob", "alice")), hlc(91), nil, "", nil},
		{"no conflict: the other block is dismissed", withBlocks(t, claimedX, block(t, "y", core.BlockDismissed, "bob")), hlc(91), nil, "", nil},
		{"no conflict: the other block is resolved", withBlocks(t, claimedX, block(t, "y", core.BlockResolved, "bob")), hlc(91), nil, "", nil},
		{"no conflict: on different tasks", withBlocks(t, claimedX, func() core.BlockView {
			b := block(t, "y", core.BlockConfirmed, "bob")
			b.Blocked = e2e
			return b
		}()), hlc(91), nil, "", nil},
		{"ambiguity: done with a claimed block", done(withBlocks(t, claimedX)), hlc(91), []goalview.Kind{goalview.KindAmbiguity}, v.Terminal, []string{claimedX.ID}},
		{"done with every block resolved or dismissed", done(v), hlc(91), nil, "", nil},
		{"stall and conflict at once", withBlocks(t, claimedX, confirmedY), hlc(90 + 500),
			[]goalview.Kind{goalview.KindStall, goalview.KindConflict}, e2e, []string{claimedX.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := goalview.Scan([]core.LineageView{tt.view}, goals, tt.now)
			var kinds []goalview.Kind
			for _, f := range got {
				kinds = append(kinds, f.Kind)
			}
			if !reflect.DeepEqual(kinds, tt.want) {
				t.Fatalf("kinds %v, want %v: %+v", kinds, tt.want, got)
			}
			if len(got) == 0 {
				return
			}
			f := got[0]
			if f.Lineage != "rel-1" || f.Task != tt.task || !reflect.DeepEqual(f.Blocks, tt.block) {
				t.Errorf("finding %+v, want task %s blocks %v", f, tt.task, tt.block)
			}
			if !reflect.DeepEqual(goalview.Scan([]core.LineageView{tt.view}, goals, tt.now), got) {
				t.Error("two scans differ")
			}
			for _, f := range got {
				checkSuggest(t, tt.view, f)
			}
		})
	}
}

func sorted(s ...string) []string { sortStrings(s); return s }

// checkSuggest: the suggestion is a valid proposal file, a declare-block
// on the finding's lineage, goal, hash and task (for an ambiguity: a
// refute-block of its first open block), justified by the finding's
// detail.
func checkSuggest(t *testing.T, v core.LineageView, f goalview.Finding) {
	t.Helper()
	p, problems := schemas.LoadProposal(schemas.GoalProposalFile(v.ID, "scan"), []byte(f.Suggest))
	if len(problems) > 0 {
		t.Fatalf("the suggestion is not a valid proposal: %v\n%s", problems, f.Suggest)
	}
	if f.Kind == goalview.KindAmbiguity {
		// An ended lineage takes no declarations: the open block is refuted.
		if p.Instance != v.ID || p.Workflow != v.Goal || p.Transition != schemas.GoalRefuteBlock || p.BaseState != v.Hash ||
			p.Inputs[schemas.GoalInputBlock] != f.Blocks[0] || len(p.Evidence) == 0 || p.Justification != "writ scan: "+f.Detail {
			t.Errorf("ambiguity suggestion does not match the finding %+v:\n%s", f, f.Suggest)
		}
		return
	}
	pre, _ := p.Inputs[schemas.GoalInputPrerequisite].(map[string]any)
	if p.Instance != v.ID || p.Workflow != v.Goal || p.Transition != schemas.GoalDeclareBlock || p.BaseState != v.Hash ||
		p.Inputs[schemas.GoalInputTask] != f.Task || pre["type"] == nil || !strings.HasPrefix(p.IdemKey, "scan-"+string(f.Kind)+"-") ||
		p.Justification != "writ scan: "+f.Detail {
		t.Errorf("suggestion does not match the finding %+v:\n%s", f, f.Suggest)
	}
}

// TestScanDetails pins what each finding says and suggests.
func TestScanDetails(t *testing.T) {
	v := withBlocks(t, block(t, "x", core.BlockClaimed, "alice"), block(t, "y", core.BlockConfirmed, "bob"))
	got := goalview.Scan([]core.LineageView{v}, goals, hlc(90+60*26+1))
	if len(got) != 2 {
		t.Fatalf("%+v", got)
	}
	stall, conflict := got[0], got[1]
	if want := "no task completed and no block changed for 1d2h1m (the goal's stall_after is 2h), since 1970-01-01T01:30:00Z (clock 5400000.0); the deepest actionable task is " +
		short(v.Tasks[len(v.Tasks)-1].ID); stall.Detail != want+"; 1 claimed block still waits for a quorum" {
		t.Errorf("stall detail %q", stall.Detail)
	}
	if !strings.Contains(stall.Suggest, "type: unstall") || !strings.Contains(stall.Suggest, "since: \"5400000.0\"") {
		t.Errorf("stall suggestion:\n%s", stall.Suggest)
	}
	if !strings.Contains(conflict.Detail, "incompatible next steps") || !strings.Contains(conflict.Detail, "declared by alice") ||
		!strings.Contains(conflict.Detail, "declared by bob") || !strings.Contains(conflict.Suggest, "type: choose-next-step") {
		t.Errorf("conflict:\n%s\n%s", conflict.Detail, conflict.Suggest)
	}
	// Later scans of the same log suggest the same task (same idem_key).
	later := goalview.Scan([]core.LineageView{v}, goals, hlc(90+60*48))
	if later[0].Suggest == stall.Suggest || idem(later[0].Suggest) != idem(stall.Suggest) {
		t.Errorf("a later scan suggests another task:\n%s\n%s", stall.Suggest, later[0].Suggest)
	}
}

func idem(yaml string) string {
	for _, l := range strings.Split(yaml, "\n") {
		if k, ok := strings.CutPrefix(l, "idem_key: "); ok {
			return k
		}
	}
	return ""
}

// TestScanOrder: findings of several lineages come sorted by lineage.
func TestScanOrder(t *testing.T) {
	a, b := sample(t), sample(t)
	a.ID, b.ID = "b-lineage", "a-lineage"
	got := goalview.Scan([]core.LineageView{a, b}, goals, hlc(10_000))
	if len(got) != 2 || got[0].Lineage != "a-lineage" || got[1].Lineage != "b-lineage" {
		t.Errorf("%+v", got)
	}
	if got := goalview.Scan(nil, goals, hlc(0)); got == nil || len(got) != 0 {
		t.Errorf("no lineages: %#v, want an empty list", got)
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tt := range []struct {
		ms   int64
		want string
	}{{0, "0s"}, {999, "0s"}, {61_000, "1m1s"}, {3_600_000 * 26, "1d2h"}, {3_600_000 * 24 * 8, "1w1d"}} {
		if got := goalview.FormatDuration(timeMS(tt.ms)); got != tt.want {
			t.Errorf("%dms: %q, want %q", tt.ms, got, tt.want)
		}
	}
}
