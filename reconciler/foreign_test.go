package reconciler

import (
	"errors"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
)

// TestForeignCommitKeepsVerifiedState: with a commit writ did not write on
// main, Replay (from the first commit and from the checkpoint) and Load
// give the last verified entry's state and head, with a *ForeignError that
// is ErrForeign and ErrTampered and names the commit; Reconcile applies
// nothing, even a ready proposal, and leaves main where it is.
func TestForeignCommitKeepsVerifiedState(t *testing.T) {
	e, _ := newRepo(t)
	propose(t, e, "deploy-agent", "create", nil)
	before := reconcile(t, e, 1)
	human := object.Signature{Name: "Mallory Human", Email: "mallory@example.com", When: time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)}
	foreign, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{before.Head},
		Files: map[string][]byte{"HOTFIX.md": []byte("x\n")}, Message: "hotfix\n", Author: human, Committer: human})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.CompareAndSwap(gitstore.MainRef, before.Head, foreign); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []ReplayOptions{{}, {FromCheckpoint: true}} {
		res, err := e.Replay(opts)
		var fe *ForeignError
		var te *TamperError
		if !errors.As(err, &fe) || !errors.Is(err, ErrForeign) || !errors.Is(err, ErrTampered) || !errors.As(err, &te) || te.Commit != foreign {
			t.Fatalf("replay %+v: %v, want a ForeignError naming %s", opts, err, foreign)
		}
		if res == nil || res.Head != before.Head || res.State.Hash() != before.State.Hash() {
			t.Fatalf("replay %+v: result %+v, want the state at %s", opts, res, before.Head)
		}
		if fe.Verified != before.Head || len(fe.Commits) != 1 || fe.Commits[0].Commit != foreign || fe.Commits[0].Author != "Mallory Human <mallory@example.com>" {
			t.Fatalf("foreign error %+v", fe)
		}
	}
	l, err := e.Load()
	if err != nil || l.Foreign == nil || l.Head != before.Head || l.State.Hash() != before.State.Hash() {
		t.Fatalf("load: %v (%+v)", err, l)
	}
	propose(t, e, "deploy-agent", "verify", nil)
	rep, err := e.Reconcile()
	if !errors.Is(err, ErrForeign) || len(rep.Applied) != 0 || len(rep.Held) != 1 || rep.Foreign == nil {
		t.Fatalf("reconcile: %v, %d applied, %d held", err, len(rep.Applied), len(rep.Held))
	}
	if h, _ := e.Store.Ref(gitstore.MainRef); h != foreign {
		t.Fatalf("main moved to %s", h)
	}
}
