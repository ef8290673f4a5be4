package reconciler

import (
	"errors"
	"strings"
	"testing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/replay"
	"github.com/writ-dev/writ/schemas"
)

// branchHead returns a proposal branch's head, or false when it is gone.
func branchHead(t *testing.T, e *Engine, branch string) bool {
	t.Helper()
	_, err := e.Store.Ref("refs/heads/" + branch)
	if errors.Is(err, gitstore.ErrNoRef) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// TestPruneClosedBranches: a local reconcile deletes the branches of the
// proposals it applied, rejected or found stale or duplicate, each with
// its reason, and leaves a waiting one; the next reconcile lists nothing
// closed again.
func TestPruneClosedBranches(t *testing.T) {
	e, _ := newRepo(t)
	create := propose(t, e, "deploy-agent", "create", nil)
	rep := reconcile(t, e, 1)
	if len(rep.Pruned) != 1 || rep.Pruned[0].Branch != create.Branch || !strings.Contains(rep.Pruned[0].Reason, "applied by entry") {
		t.Fatalf("pruned %+v, want %s applied", rep.Pruned, create.Branch)
	}
	if branchHead(t, e, create.Branch) {
		t.Fatalf("applied branch %s still there", create.Branch)
	}
	// Two proposals on the same base: the one applied makes the other stale.
	named := func(tr, name string) *Proposed {
		p, err := e.Propose(ProposeRequest{As: "deploy-agent", Name: name, Proposal: schemas.Proposal{
			Instance: "web-1", Workflow: "release", Transition: tr}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	verify, cancel := named("verify", "a-verify"), named("cancel", "b-cancel")
	rep = reconcile(t, e, 1)
	reasons := map[string]string{}
	for _, p := range rep.Pruned {
		reasons[p.Branch] = p.Reason
	}
	if !strings.HasPrefix(reasons[cancel.Branch], "stale: ") || !strings.Contains(reasons[verify.Branch], "applied") {
		t.Fatalf("pruned %+v, want %s applied and %s stale", rep.Pruned, verify.Branch, cancel.Branch)
	}
	// The stale proposal's reason says exactly how to propose it again.
	if want := "writ propose --as deploy-agent --instance web-1 --workflow release --transition cancel --name b-cancel-2"; !strings.Contains(reasons[cancel.Branch], want) {
		t.Errorf("stale reason %q does not name the refresh command %q", reasons[cancel.Branch], want)
	}
	if branchHead(t, e, cancel.Branch) || branchHead(t, e, verify.Branch) {
		t.Fatal("closed branches still there")
	}

	// A rejected proposal's branch goes; its commits stay under the
	// rejected ref. A waiting one stays.
	for _, tr := range []string{"tests-pass", "security-clear", "approve-release"} {
		propose(t, e, "deploy-agent", tr, nil)
		reconcile(t, e, 1)
	}
	ship := propose(t, e, "deploy-agent", "ship", map[string]any{"change_ticket": "CHG-1", "environment": "staging"})
	rep = reconcile(t, e, 0)
	if len(rep.Pruned) != 0 || !branchHead(t, e, ship.Branch) {
		t.Fatalf("a waiting proposal was pruned: %+v", rep.Pruned)
	}
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	if _, err := e.Approve(ApproveRequest{As: "alice", Proposal: name, Reject: true, Justification: "not now"}); err != nil {
		t.Fatal(err)
	}
	head, _ := e.Store.Ref("refs/heads/" + ship.Branch)
	rep = reconcile(t, e, 1)
	if len(rep.Pruned) != 1 || !strings.HasPrefix(rep.Pruned[0].Reason, "rejected by entry") || rep.Pruned[0].Head != head {
		t.Fatalf("pruned %+v, want the rejected %s at %s", rep.Pruned, ship.Branch, head)
	}
	ref, _ := replay.RejectedRef(ship.Path)
	if kept, err := e.Store.Ref(ref); err != nil || kept != head {
		t.Fatalf("rejected commits not kept under %s: %v %v", ref, kept, err)
	}
	mustReplay(t, e, ReplayOptions{})
}

// TestPruneKeepsOptedOut: a branch an earlier entry closed is
// pruned by the next run; with KeepBranches nothing is deleted.
func TestPruneKeepsOptedOut(t *testing.T) {
	e, _ := newRepo(t)
	create := propose(t, e, "deploy-agent", "create", nil)
	rep, err := e.ReconcileWith(t.Context(), ReconcileOptions{KeepBranches: true})
	if err != nil || len(rep.Applied) != 1 || len(rep.Pruned) != 0 || !branchHead(t, e, create.Branch) {
		t.Fatalf("KeepBranches: applied %d pruned %+v err %v", len(rep.Applied), rep.Pruned, err)
	}
	rep = reconcile(t, e, 0)
	if len(rep.Merged) != 1 || len(rep.Pruned) != 1 || !strings.Contains(rep.Pruned[0].Reason, "earlier entry") {
		t.Fatalf("merged %d pruned %+v", len(rep.Merged), rep.Pruned)
	}
	if rep = reconcile(t, e, 0); len(rep.Merged) != 0 || len(rep.Pruned) != 0 {
		t.Fatalf("second run: merged %d pruned %+v, want nothing left", len(rep.Merged), rep.Pruned)
	}
}
