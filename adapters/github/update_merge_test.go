package github_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/github/githubtest"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// updateBranch does what GitHub's "Update branch" button does, with the
// git client: it merges the server's main into pull request n's head and
// pushes the merge as the new head. It returns the merge commit.
func updateBranch(t *testing.T, w *world, n int) string { return mergeMain(t, w, n, "") }

// mergeMain is updateBranch; with edit set, the merge also changes the
// proposal file (an "evil merge": its own change, unsigned by the
// proposer).
func mergeMain(t *testing.T, w *world, n int, edit string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "update")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(cmd.Environ(), "GIT_AUTHOR_NAME=GitHub", "GIT_AUTHOR_EMAIL=noreply@github.com",
			"GIT_COMMITTER_NAME=GitHub", "GIT_COMMITTER_EMAIL=noreply@github.com", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("git", "clone", "-q", w.git.URL, dir).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	ref := "refs/pull/" + strconv.Itoa(n) + "/head"
	run("fetch", "-q", "origin", ref)
	run("checkout", "-q", "-b", "update", "FETCH_HEAD")
	if edit == "" {
		run("merge", "-q", "--no-ff", "--no-edit", "-m", "Merge branch 'main' into the proposal", "origin/main")
	} else {
		run("merge", "-q", "--no-ff", "--no-commit", "origin/main")
		if err := os.WriteFile(filepath.Join(dir, w.path), []byte(edit), 0o644); err != nil {
			t.Fatal(err)
		}
		run("add", w.path)
		run("commit", "-q", "--no-edit", "-m", "Merge branch 'main' into the proposal")
	}
	run("push", "-q", "origin", "HEAD:"+ref)
	merge := run("rev-parse", "HEAD")
	if parents := strings.Fields(run("rev-list", "--parents", "-n", "1", merge)); len(parents) != 3 {
		t.Fatalf("update merge %v: want two parents", parents)
	}
	return merge
}

// TestRunIgnoresUpdateMerges: after the ship proposal was reviewed, main
// moved (another instance was created) and the pull request's branch was
// updated with "Update branch", a merge of main into it. The merge is
// ignored when judging, as policy-bot's ignore_update_merges: the
// proposal's content is unchanged, so the approvals made before the
// merge still count; the proposal is applied, and replay verifies.
func TestRunIgnoresUpdateMerges(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	w.review("alice-gh", "APPROVED", w.head, 1)
	w.review("bob-gh", "APPROVED", w.head, 2)

	mainMoves(t, w)
	merge := updateBranch(t, w, w.pr)
	w.gh.Push(w.pr, w.head, merge)

	res := w.run(t, w.prEvent())
	p := res.Pulls[0]
	if p.Gate.Verdict != intake.VerdictReady || !p.Applied {
		t.Fatalf("%s (applied %v): %s", p.Gate.Verdict, p.Applied, p.Gate.Reason)
	}
	if p.Gate.Entry.Subject.Commit != w.head {
		t.Fatalf("subject %s, want the proposal commit %s (not the update merge %s)", p.Gate.Entry.Subject.Commit, w.head, merge)
	}
	counted := 0
	for _, v := range p.Gate.Outcome.Policy.CountedApprovals() {
		if v.Identity == "alice" || v.Identity == "bob" {
			counted++
		}
	}
	if counted != 2 {
		t.Fatalf("counted approvals %+v, want alice's and bob's, made before the update merge", p.Gate.Outcome.Policy.CountedApprovals())
	}
	moved := w.main
	main := w.remoteMain(t)
	if _, ok := gitIn(t, w.git.Dir, "merge-base", "--is-ancestor", merge, main.String()); !ok {
		t.Fatalf("the pull request's head %s is not part of main %s", merge, main)
	}
	// Main holds exactly what it held plus the proposal file.
	if out, _ := gitIn(t, w.git.Dir, "diff", "--name-only", moved.String(), main.String()); out != w.path {
		t.Fatalf("the entry changes %q, want only %s", out, w.path)
	}
	w.verify(t)
}

// mainMoves creates web-2 on the seed and pushes main; w.main follows.
func mainMoves(t *testing.T, w *world) {
	t.Helper()
	if _, err := w.seed.Propose(reconciler.ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
		Instance: "web-2", Workflow: "release", Transition: "create"}}); err != nil {
		t.Fatal(err)
	}
	rep, err := w.seed.Reconcile()
	if err != nil || len(rep.Applied) != 1 {
		t.Fatalf("create web-2: %v (%d applied)", err, len(rep.Applied))
	}
	moved, err := w.seed.Store.Ref(gitstore.MainRef)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.seed.Store.PushCAS(context.Background(), "origin", gitstore.MainRef, w.main, moved); err != nil {
		t.Fatal(err)
	}
	w.main = moved
}

// TestRunJudgesAMergeWithItsOwnChange: a merge of main that also edits the
// proposal is not an update merge: its change is nobody's signed proposal,
// so the pull request is refused and nothing is applied.
func TestRunJudgesAMergeWithItsOwnChange(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	w.review("alice-gh", "APPROVED", w.head, 1)
	w.review("bob-gh", "APPROVED", w.head, 2)
	mainMoves(t, w)
	merge := mergeMain(t, w, w.pr, "instance: web-1\nworkflow: release\ntransition: ship\ninputs: {change_ticket: CHG-1, environment: production}\n")
	w.gh.Push(w.pr, w.head, merge)
	p := w.run(t, w.prEvent()).Pulls[0]
	if p.Applied || p.Gate.Verdict != intake.VerdictRefused {
		t.Fatalf("%s (applied %v): %s; want refused", p.Gate.Verdict, p.Applied, p.Gate.Reason)
	}
	w.unchanged(t)
}
