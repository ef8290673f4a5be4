package reconciler

import (
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// releaseWorkflow is the release example's workflow file, edited.
func releaseWorkflow(t *testing.T, edit func(string) string) map[string]string {
	t.Helper()
	b, err := fs.ReadFile(fixtures.Release(), "workflows/release.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"workflows/release.yaml": edit(string(b))}
}

// TestOnRejectMovesTheInstance: a workflow routes a rejection of ship to
// "verifying" (on_reject): the reject entry moves the instance there, its
// regions at their initial states; a replay on a fresh clone derives the
// same state.
func TestOnRejectMovesTheInstance(t *testing.T) {
	e := newRepoFrom(t, releaseWorkflow(t, func(s string) string {
		return strings.Replace(s, "    policy: release-approval\n", "    policy: release-approval\n    on_reject: verifying\n", 1)
	}))
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	if _, err := e.Approve(ApproveRequest{As: "alice", Proposal: name, Reject: true, Justification: "tests too thin"}); err != nil {
		t.Fatal(err)
	}
	rep := reconcile(t, e, 1)
	g := rep.Applied[0].Gate
	if g.Entry.Kind != core.KindReject || !strings.Contains(g.Outcome.Reason, "on_reject: approved → verifying") {
		t.Fatalf("entry %s: %s", g.Entry.Kind, g.Outcome.Reason)
	}
	if g.Plan == nil || g.Plan.After == nil || g.Plan.After.State != "verifying" {
		t.Fatalf("plan of the rejection: %+v", g.Plan)
	}
	inst, _ := instanceOf(t, rep.State, "web-1")
	if inst.State != "verifying" || inst.Regions["tests"] != "running" || inst.Regions["security"] != "scanning" {
		t.Fatalf("after the rejection web-1 is %s %v, want verifying with regions at their initial states", inst.State, inst.Regions)
	}
	// The workflow goes on from there: tests pass again.
	propose(t, e, "deploy-agent", "tests-pass", nil)
	reconcile(t, e, 1)

	clone := filepath.Join(t.TempDir(), "clone")
	if out, err := exec.Command("git", "clone", "-q", "--bare", e.Store.GitDir(), clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	cs, err := gitstore.Open(clone)
	if err != nil {
		t.Fatal(err)
	}
	fresh := &Engine{Store: cs, Keys: e.Keys, Now: e.Now}
	res := mustReplay(t, fresh, ReplayOptions{IgnoreCheckpoint: true})
	local := mustReplay(t, e, ReplayOptions{})
	if res.State.Hash() != local.State.Hash() {
		t.Fatalf("replay on a fresh clone: state %s, want %s", res.State.Hash(), local.State.Hash())
	}
	got, _ := instanceOf(t, res.State, "web-1")
	if got.State != "verifying" || got.Regions["tests"] != "passed" {
		t.Fatalf("replayed web-1: %s %v", got.State, got.Regions)
	}
}

// TestOnRejectWithoutItStays: without on_reject a rejection leaves the
// instance where it was (the behaviour before on_reject).
func TestOnRejectWithoutItStays(t *testing.T) {
	_, _, rep := rejectShip(t)
	inst, _ := instanceOf(t, rep.State, "web-1")
	if inst.State != "approved" {
		t.Fatalf("web-1 in %s after a rejection without on_reject, want approved", inst.State)
	}
}
