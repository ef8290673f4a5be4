package reconciler

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// TestLocalBranchUpdateMergeIsIgnored: a local proposal branch into which
// main was merged after proposing (git merge, as GitHub's "Update branch")
// is judged as the proposal alone: approvals made on the merged branch
// bind to the proposal's content and count, the proposal is applied, and
// replay verifies.
func TestLocalBranchUpdateMergeIsIgnored(t *testing.T) {
	e, _ := newRepo(t)
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	alice := approveAs(t, e, "alice", name)
	if _, err := e.Propose(ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{Instance: "web-2", Workflow: "release", Transition: "create"}}); err != nil {
		t.Fatal(err)
	}
	reconcile(t, e, 1) // web-2 created; ship waits for a second approval

	dir := e.Store.Dir()
	wt := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Env = append(cmd.Environ(), "GIT_AUTHOR_NAME=GitHub", "GIT_AUTHOR_EMAIL=noreply@github.com",
			"GIT_COMMITTER_NAME=GitHub", "GIT_COMMITTER_EMAIL=noreply@github.com", "GIT_CONFIG_NOSYSTEM=1", "HOME="+wt)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("-C", dir, "worktree", "add", "-q", wt+"/w", ship.Branch)
	git("-C", wt+"/w", "merge", "-q", "--no-ff", "--no-edit", "-m", "Merge branch 'main' into "+ship.Branch, "main")
	merge := git("-C", wt+"/w", "rev-parse", "HEAD")

	approveAs(t, e, "bob", name)
	rep := reconcile(t, e, 1)
	g := rep.Applied[0].Gate
	if g.Entry.Subject.Commit != ship.Commit.String() {
		t.Fatalf("subject %s, want the proposal commit %s", g.Entry.Subject.Commit, ship.Commit)
	}
	refs := map[string]bool{}
	for _, d := range g.Entry.Decisions {
		refs[d.Ref] = true
	}
	if !refs[alice.String()] || len(g.Entry.Decisions) != 2 {
		t.Fatalf("decisions %+v: want alice's (before the merge %s) and bob's (after)", g.Entry.Decisions, merge)
	}
	if in, _ := instanceOf(t, rep.State, "web-1"); in.State != "released" {
		t.Fatalf("web-1 is %s", in.State)
	}
	mustReplay(t, e, ReplayOptions{IgnoreCheckpoint: true})
}
