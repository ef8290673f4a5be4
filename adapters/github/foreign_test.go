package github_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/adapters/github/githubtest"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler"
)

// TestRunRefusesForeignCommit: a commit pushed on main by a human (no
// signature, no trailers) makes the run apply nothing, even an approved
// pull request, and fail with reconciler.ErrForeign; a failing check run
// on that commit names it and its author, and the pull request's check is
// neutral (held), saying why.
//
// Then the recovery arrives as pull request #2, forked from the last
// verified entry: with two maintainers' reviews (the governance policy) a
// run applies it as one fast-forward entry on top of the foreign commit;
// the next run applies the approved pull request; a fresh clone replays
// and shows the quarantined commit.
func TestRunRefusesForeignCommit(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	w.review("alice-gh", "APPROVED", w.head, 1)
	w.review("bob-gh", "APPROVED", w.head, 2)
	human := object.Signature{Name: "Mallory Human", Email: "mallory@example.com", When: time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)}
	foreign, err := w.seed.Store.WriteCommit(gitstore.CommitRequest{
		Parents: []plumbing.Hash{w.main}, Files: map[string][]byte{"HOTFIX.md": []byte("by hand\n")},
		Message: "hotfix by hand\n", Author: human, Committer: human,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.seed.Store.PushCAS(context.Background(), "origin", gitstore.MainRef, w.main, foreign); err != nil {
		t.Fatal(err)
	}
	rep, err := w.runner(w.prEvent()).Run(context.Background())
	if !errors.Is(err, reconciler.ErrForeign) || !strings.Contains(err.Error(), "Mallory Human <mallory@example.com>") {
		t.Fatalf("run: %v, want an error wrapping ErrForeign naming the author", err)
	}
	if len(rep.Applied) != 0 {
		t.Fatalf("applied %d entries on top of a foreign commit", len(rep.Applied))
	}
	if got := w.remoteMain(t); got != foreign {
		t.Fatalf("remote main moved to %s", got)
	}
	runs := w.gh.CheckRuns(foreign.String())
	if len(runs) != 1 || runs[0].Name != checkName || runs[0].Conclusion != "failure" {
		t.Fatalf("check runs on the foreign commit: %+v, want one failing %s", runs, checkName)
	}
	run := runs[0]
	for _, want := range []string{foreign.String()[:7], "Mallory Human", "mallory", "hotfix by hand", "writ propose --recover"} {
		if !strings.Contains(run.Title+run.Summary+run.Text, want) {
			t.Errorf("the check on the foreign commit does not say %q:\n%s\n%s\n%s", want, run.Title, run.Summary, run.Text)
		}
	}
	pr := w.check(t)
	if pr.Conclusion != "neutral" || !strings.Contains(pr.Title+pr.Summary, "writ did not write") {
		t.Fatalf("the pull request's check: %+v, want neutral saying main holds foreign commits", pr)
	}

	// The recovery, proposed from a clone of the server and opened as a
	// pull request.
	ctx := context.Background()
	c := w.newClone(t)
	if st, err := c.FetchState(ctx, "origin"); err != nil || st.Foreign == nil || st.Main != foreign {
		t.Fatalf("fetch: %v (%+v), want the foreign commit at main", err, st)
	}
	l, err := c.Load()
	if err != nil || l.Foreign == nil || l.Head != w.main {
		t.Fatalf("load of the clone: %v (foreign %v, head %s), want the last verified entry %s", err, l.Foreign, l.Head, w.main)
	}
	rec, err := c.ProposeRecover(l, reconciler.ProposeRecoverRequest{As: "alice", Justification: "undo the hotfix pushed by hand"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Store.PushCAS(ctx, "origin", "refs/pull/2/head", plumbing.ZeroHash, rec.Commit); err != nil {
		t.Fatal(err)
	}
	w.gh.AddPull(githubtest.Pull{Number: 2, Author: "alice-gh", HeadSHA: rec.Commit.String(), HeadRef: rec.Branch,
		BaseSHA: w.main.String(), BaseRef: "main", Files: []string{rec.Path}})
	w.gh.AddReview(2, githubtest.Review{Login: "bob-gh", State: "APPROVED", CommitID: rec.Commit.String(), SubmittedAt: start.Add(5 * time.Minute)})
	rep, err = w.runner(applyRun(2)).Run(ctx)
	if !errors.Is(err, reconciler.ErrForeign) || len(rep.Applied) != 0 {
		t.Fatalf("a recovery with one review: %v, %d applied; want it waiting and the run refused", err, len(rep.Applied))
	}
	w.gh.AddReview(2, githubtest.Review{Login: "carol-gh", State: "APPROVED", CommitID: rec.Commit.String(), SubmittedAt: start.Add(6 * time.Minute)})
	rep, err = w.runner(applyRun(2)).Run(ctx)
	if err != nil || len(rep.Applied) != 1 {
		t.Fatalf("the approved recovery: %v, %d applied", err, len(rep.Applied))
	}
	recovery := rep.Applied[0].Commit
	if got := w.remoteMain(t); got != recovery {
		t.Fatalf("remote main %s, want the recovery %s", got, recovery)
	}
	rep, err = w.runner(w.prEvent()).Run(ctx)
	if err != nil || len(rep.Applied) != 1 {
		t.Fatalf("the approved pull request after the recovery: %v, %d applied", err, len(rep.Applied))
	}
	res := w.verify(t)
	var found bool
	for _, e := range res.Entries {
		if e.Commit == recovery {
			found = len(e.Quarantined) == 1 && e.Quarantined[0].Commit == foreign && e.Quarantined[0].Author == "Mallory Human <mallory@example.com>"
		}
	}
	if !found {
		t.Fatalf("the replayed log has no recover entry %s quarantining %s", recovery, foreign)
	}
}
