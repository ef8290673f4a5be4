package goalview_test

import (
	"testing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// taskID is the id the reducer gives a task of lineage rel-1.
func taskID(t testing.TB, typ string, payload map[string]any) string {
	t.Helper()
	id, err := core.TaskID(typ, payload, "rel-1")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// hash is a stand-in block or lineage hash.
func hash(s string) string { return schemas.HashBytes([]byte(s)) }

// hlc is a clock reading at minute m.
func hlc(m int64) core.HLC { return core.HLC{Wall: m * 60_000} }

// sample is lineage rel-1 of goal release, built by hand as the reducer
// would: the terminal deploy waits for a build (complete; one vote did
// not count), a barrier of three test suites (confirmed degraded, two of
// three members done) and a fix whose claim bob refuted.
func sample(t testing.TB) core.LineageView {
	deploy := taskID(t, "deploy", map[string]any{"env": "prod"})
	build := taskID(t, "build", map[string]any{"target": "linux"})
	tests := taskID(t, "barrier", map[string]any{"suite": "full"})
	unit := taskID(t, "test", map[string]any{"suite": "unit"})
	integ := taskID(t, "test", map[string]any{"suite": "integration"})
	e2e := taskID(t, "test", map[string]any{"suite": "e2e", "note": "a long payload that the tree has to cut somewhere sensible"})
	fix := taskID(t, "fix", map[string]any{"bug": 12})
	members := []string{unit, integ, e2e}
	sortStrings(members)
	v := core.LineageView{
		ID: "rel-1", Goal: "release", StartedBy: "alice", Started: hlc(0), Terminal: deploy,
		LastProgress: hlc(90), Completed: 3, Hash: hash("lineage rel-1"),
		Tasks: []core.TaskView{
			{ID: deploy, Type: "deploy", Payload: map[string]any{"env": "prod"}, Depth: 0, Status: core.TaskBlocked, DeclaredBy: []string{"alice"}},
			{ID: build, Type: "build", Payload: map[string]any{"target": "linux"}, Depth: 1, Status: core.TaskComplete, Parents: []string{deploy},
				DeclaredBy: []string{"alice"}, Completed: &core.Completion{By: "dave", At: hlc(60)}},
			{ID: tests, Type: "barrier", Payload: map[string]any{"suite": "full"}, Depth: 1, Status: core.TaskBlocked, Parents: []string{deploy},
				DeclaredBy: []string{"alice"}, Members: members, MembersDone: 2},
			{ID: fix, Type: "fix", Payload: map[string]any{"bug": 12}, Depth: 1, Status: core.TaskDismissed, Parents: []string{deploy}, DeclaredBy: []string{"mallory"}},
			{ID: unit, Type: "test", Payload: map[string]any{"suite": "unit"}, Depth: 2, Status: core.TaskComplete, Parents: []string{tests},
				DeclaredBy: []string{"alice"}, Completed: &core.Completion{By: "ci", At: hlc(80)}},
			{ID: integ, Type: "test", Payload: map[string]any{"suite": "integration"}, Depth: 2, Status: core.TaskComplete, Parents: []string{tests},
				DeclaredBy: []string{"alice"}, Completed: &core.Completion{By: "ci", At: hlc(90)}},
			{ID: e2e, Type: "test", Payload: map[string]any{"suite": "e2e", "note": "a long payload that the tree has to cut somewhere sensible"}, Depth: 2,
				Status: core.TaskActionable, Parents: []string{tests}, DeclaredBy: []string{"alice"}},
		},
		Blocks: []core.BlockView{
			{ID: hash("block build"), Blocked: deploy, Prerequisite: build, Status: core.BlockResolved, DeclaredAt: hlc(5),
				DeclaredBy: []string{"alice"}, ConfirmedBy: []string{"bob", "carol"}, RefutedBy: []string{}, ResolvedBy: "dave",
				Ignored: []core.IgnoredVote{{Identity: "erin", Action: "confirm-block", Reason: "trust level 3 is below the goal's minimum 5"}}},
			{ID: hash("block tests"), Blocked: deploy, Prerequisite: tests, Status: core.BlockConfirmed, DeclaredAt: hlc(10),
				DeclaredBy: []string{"alice"}, ConfirmedBy: []string{"bob"}, RefutedBy: []string{}, Shortfall: 1},
			{ID: hash("block fix"), Blocked: deploy, Prerequisite: fix, Status: core.BlockDismissed, DeclaredAt: hlc(20),
				DeclaredBy: []string{"mallory"}, ConfirmedBy: []string{}, RefutedBy: []string{"bob"}},
		},
	}
	sortBlocks(v.Blocks)
	return v
}
