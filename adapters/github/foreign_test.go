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
	c := runs[0]
	for _, want := range []string{foreign.String()[:7], "Mallory Human", "mallory", "hotfix by hand", "writ propose --recover"} {
		if !strings.Contains(c.Title+c.Summary+c.Text, want) {
			t.Errorf("the check on the foreign commit does not say %q:\n%s\n%s\n%s", want, c.Title, c.Summary, c.Text)
		}
	}
	pr := w.check(t)
	if pr.Conclusion != "neutral" || !strings.Contains(pr.Title+pr.Summary, "writ did not write") {
		t.Fatalf("the pull request's check: %+v, want neutral saying main holds foreign commits", pr)
	}
}
