package github_test

import (
	"context"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/adapters/github"
	"github.com/writ-dev/writ/adapters/github/githubtest"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// markedComments returns the pull request's comments that start with
// marker.
func (w *world) markedComments(marker string) []string {
	var out []string
	for _, c := range w.gh.Comments(w.pr) {
		if strings.HasPrefix(c.Body, marker) {
			out = append(out, c.Body)
		}
	}
	return out
}

// TestRunWithdrawClosesPullRequestNotMerged: the proposer pushes a signed
// withdrawal to the pull request; the run records a one-parent withdraw
// entry, keeps the commits under refs/writ/withdrawn/, and closes the pull
// request (never merged) with one comment naming who withdrew it and why;
// a second run adds no second comment.
func TestRunWithdrawClosesPullRequestNotMerged(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	name := strings.TrimSuffix(strings.TrimPrefix(w.path, schemas.ProposalsDir+"/"), schemas.ProposalSuffix)
	withdrawal, err := w.seed.Withdraw(reconciler.WithdrawRequest{As: "deploy-agent", Proposal: name, Justification: "CHG-1 was cancelled"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.seed.Store.PushCAS(context.Background(), "origin", "refs/pull/1/head", plumbing.NewHash(w.head), withdrawal); err != nil {
		t.Fatal(err)
	}
	w.gh.Push(w.pr, w.head, withdrawal.String())

	rep := w.run(t, w.prEvent())
	p := rep.Pulls[0]
	if p.Gate.Verdict != intake.VerdictWithdrawn || !p.Applied {
		t.Fatalf("%s (applied %v): %s", p.Gate.Verdict, p.Applied, p.Gate.Reason)
	}
	main := w.remoteMain(t)
	if _, ok := gitIn(t, w.git.Dir, "merge-base", "--is-ancestor", withdrawal.String(), main.String()); ok {
		t.Fatal("the withdrawn pull request's head is part of main: GitHub shows it merged")
	}
	ref := "refs/writ/withdrawn/" + name
	if got, ok := gitIn(t, w.git.Dir, "rev-parse", "--verify", ref); !ok || got != withdrawal.String() {
		t.Fatalf("%s on the server is %q, want %s", ref, got, withdrawal)
	}
	pull := w.gh.Pull(w.pr)
	if pull.State != "closed" || pull.Merged {
		t.Fatalf("pull request %q merged %v, want closed and not merged", pull.State, pull.Merged)
	}
	cs := w.markedComments(github.WithdrawMarker)
	if len(cs) != 1 || !strings.Contains(cs[0], "deploy-agent") || !strings.Contains(cs[0], "CHG-1 was cancelled") {
		t.Fatalf("withdrawal comments %q, want one naming deploy-agent and why", cs)
	}
	if _, err := w.runner(w.prEvent()).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if cs := w.markedComments(github.WithdrawMarker); len(cs) != 1 {
		t.Fatalf("%d withdrawal comments after a second run, want 1", len(cs))
	}
	res := w.verify(t)
	if last := res.Entries[len(res.Entries)-1]; last.Record.Entry.Kind != core.KindWithdraw || last.Attested {
		t.Fatalf("last entry %s attested %v, want the verified withdrawal", last.Record.Entry.Kind, last.Attested)
	}
	if len(w.gh.Violations()) > 0 {
		t.Fatalf("requests GitHub would refuse: %v", w.gh.Violations())
	}
}

// TestRunClosesStalePullRequest: main moved the instance on (cancel), so
// the pull request's proposal can never apply; the run closes it with one
// comment saying it is stale and how to propose it again, writes nothing
// to main, and a second run adds no second comment.
func TestRunClosesStalePullRequest(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	ctx := context.Background()
	if _, err := w.seed.Propose(reconciler.ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
		Instance: "web-1", Workflow: "release", Transition: "cancel"}}); err != nil {
		t.Fatal(err)
	}
	if rep, err := w.seed.Reconcile(); err != nil || len(rep.Applied) != 1 {
		t.Fatalf("cancel: %v", err)
	}
	moved, err := w.seed.Store.Ref(gitstore.MainRef)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.seed.Store.PushCAS(ctx, "origin", gitstore.MainRef, w.main, moved); err != nil {
		t.Fatal(err)
	}

	rep := w.run(t, w.prEvent())
	p := rep.Pulls[0]
	if p.Gate.Verdict != intake.VerdictRefused || p.Gate.Outcome.Status != core.StatusStale || p.Applied {
		t.Fatalf("%s %s (applied %v): %s", p.Gate.Verdict, p.Gate.Outcome.Status, p.Applied, p.Gate.Reason)
	}
	if main := w.remoteMain(t); main != moved {
		t.Fatalf("main moved to %s on a stale proposal", main)
	}
	pull := w.gh.Pull(w.pr)
	if pull.State != "closed" || pull.Merged {
		t.Fatalf("pull request %q merged %v, want closed and not merged", pull.State, pull.Merged)
	}
	cs := w.markedComments(github.StaleMarker)
	if len(cs) != 1 || !strings.Contains(cs[0], "stale") || !strings.Contains(cs[0], "writ propose") {
		t.Fatalf("stale comments %q, want one saying it is stale and how to refresh it", cs)
	}
	if _, err := w.runner(w.prEvent()).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if cs := w.markedComments(github.StaleMarker); len(cs) != 1 {
		t.Fatalf("%d stale comments after a second run, want 1", len(cs))
	}
}
