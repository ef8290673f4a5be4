package gitstore

import (
	"context"
	"errors"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gittest"
	"github.com/writ-dev/writ/gitstore/remotetest"
)

// TestPushRefs: a branch and the ref that keeps its decisions move
// together, by compare-and-swap, against a server that demands
// credentials; a ref that moved on the server stops the whole push;
// deletes are compare-and-delete; a repeated push finds its work done; a
// push never forces.
func TestPushRefs(t *testing.T) {
	ctx := context.Background()
	g := gittest.New(t)
	srv := remotetest.New(t)
	a := clone(t, g, srv)
	c1 := mustCommit(t, a, 1, nil, map[string]string{"f": "1"})
	if err := a.PushCAS(ctx, "origin", MainRef, plumbing.ZeroHash, c1); err != nil {
		t.Fatal(err)
	}
	const token = "ghs_pushRefs0123456789abcdefTOKEN"
	srv.RequireToken(token)
	a.SetCredentials(Credentials{Token: token})
	const branch, kept = "refs/heads/proposals/x/y", "refs/writ/decisions/x/y"
	p1 := mustCommit(t, a, 2, []plumbing.Hash{c1}, map[string]string{"proposals/x/y.yaml": "1"})
	d1 := mustCommit(t, a, 3, []plumbing.Hash{p1}, nil)

	// Both created in one push, with the objects they need.
	if err := a.PushRefs(ctx, "origin", []RefUpdate{{Name: branch, New: d1}, {Name: kept, New: d1}}); err != nil {
		t.Fatalf("create: %v", err)
	}
	if remoteRef(t, g, srv, branch) != d1.String() || remoteRef(t, g, srv, kept) != d1.String() {
		t.Fatal("create: the refs are not on the server")
	}
	if _, _, err := g.Exec(srv.Dir, "git", "fsck", "--strict", "--no-dangling"); err != nil {
		t.Fatalf("the server misses objects after the push: %v", err)
	}
	// Repeated: done already.
	if err := a.PushRefs(ctx, "origin", []RefUpdate{{Name: branch, New: d1}, {Name: kept, New: d1}}); err != nil {
		t.Fatalf("repeat: %v", err)
	}

	// Someone else moves the branch: a push expecting d1 for both moves
	// neither.
	d2 := mustCommit(t, a, 4, []plumbing.Hash{d1}, nil)
	other := mustCommit(t, a, 5, []plumbing.Hash{d1}, map[string]string{"proposals/x/y.yaml": "2"})
	if err := a.PushCAS(ctx, "origin", branch, d1, other); err != nil {
		t.Fatal(err)
	}
	err := a.PushRefs(ctx, "origin", []RefUpdate{{Name: branch, Old: d1, New: d2}, {Name: kept, Old: d1, New: d2}})
	if !errors.Is(err, ErrRefMoved) {
		t.Fatalf("moved branch: %v, want ErrRefMoved", err)
	}
	if remoteRef(t, g, srv, kept) != d1.String() {
		t.Fatal("a push with a moved ref moved another ref")
	}

	// Never forces.
	if err := a.PushRefs(ctx, "origin", []RefUpdate{{Name: kept, Old: d1, New: other}}); err != nil {
		t.Fatalf("fast-forward: %v", err)
	}
	if err := a.PushRefs(ctx, "origin", []RefUpdate{{Name: kept, Old: other, New: p1}}); !errors.Is(err, ErrNonFastForward) {
		t.Fatalf("rewind: %v, want ErrNonFastForward", err)
	}

	// Compare-and-delete: a delete that expects a stale value deletes
	// nothing; with the values the server holds, both go in one push.
	err = a.PushRefs(ctx, "origin", []RefUpdate{{Name: branch, Old: other}, {Name: kept, Old: d1}})
	if !errors.Is(err, ErrRefMoved) {
		t.Fatalf("stale delete: %v, want ErrRefMoved", err)
	}
	if remoteRef(t, g, srv, branch) != other.String() {
		t.Fatal("a delete with a stale value deleted the other ref")
	}
	if err := a.PushRefs(ctx, "origin", []RefUpdate{{Name: branch, Old: other}, {Name: kept, Old: other}}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if remoteRef(t, g, srv, branch) != "" || remoteRef(t, g, srv, kept) != "" {
		t.Fatal("delete: the refs are still on the server")
	}
	// Deleted already: done.
	if err := a.PushRefs(ctx, "origin", []RefUpdate{{Name: branch, Old: other}}); err != nil {
		t.Fatalf("repeat delete: %v", err)
	}
}
