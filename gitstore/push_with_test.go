package gitstore

import (
	"context"
	"errors"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gittest"
	"github.com/writ-dev/writ/gitstore/remotetest"
)

// TestPushCASWith: main and an evidence ref that main does not reach go in
// one atomic push with the objects both need; a stray evidence ref on the
// remote refuses the push before anything moves; a lost race moves
// neither.
func TestPushCASWith(t *testing.T) {
	ctx := context.Background()
	g := gittest.New(t)
	srv := remotetest.New(t)
	a := clone(t, g, srv)
	c1 := mustCommit(t, a, 1, nil, map[string]string{"f": "1"})
	if err := a.PushCAS(ctx, "origin", MainRef, plumbing.ZeroHash, c1); err != nil {
		t.Fatal(err)
	}
	// A side branch main never reaches, and main moving on without it.
	side := mustCommit(t, a, 2, []plumbing.Hash{c1}, map[string]string{"proposals/x/y.yaml": "side"})
	c2 := mustCommit(t, a, 3, []plumbing.Hash{c1}, map[string]string{"proposals/x/y.yaml": "side", "g": "2"})
	const ev = "refs/writ/rejected/x/y"

	if err := a.PushCASWith(ctx, "origin", MainRef, c1, c2, map[string]plumbing.Hash{ev: side}); err != nil {
		t.Fatalf("push: %v", err)
	}
	if got := remoteRef(t, g, srv, MainRef); got != c2.String() {
		t.Fatalf("remote main %s, want %s", got, c2)
	}
	if got := remoteRef(t, g, srv, ev); got != side.String() {
		t.Fatalf("remote %s = %q, want %s", ev, got, side)
	}
	if _, _, err := g.Exec(srv.Dir, "git", "fsck", "--strict", "--no-dangling"); err != nil {
		t.Fatalf("the server misses objects after the push: %v", err)
	}
	// Already there: success, nothing to do.
	if err := a.PushCASWith(ctx, "origin", MainRef, c1, c2, map[string]plumbing.Hash{ev: side}); err != nil {
		t.Fatalf("repeat: %v", err)
	}

	// The answer is lost, but the push landed: success.
	c2b := mustCommit(t, a, 6, []plumbing.Hash{c2}, map[string]string{"lost": "answer"})
	const evLost = "refs/writ/rejected/x/lost"
	srv.DropAnswers(1)
	if err := a.PushCASWith(ctx, "origin", MainRef, c2, c2b, map[string]plumbing.Hash{evLost: side}); err != nil {
		t.Fatalf("a push whose answer was lost: %v", err)
	}
	if remoteRef(t, g, srv, MainRef) != c2b.String() || remoteRef(t, g, srv, evLost) != side.String() {
		t.Fatal("the push whose answer was lost did not land whole")
	}
	c2 = c2b

	// A stray value of the evidence ref: refused, main stays.
	c3 := mustCommit(t, a, 4, []plumbing.Hash{c2}, map[string]string{"h": "3"})
	err := a.PushCASWith(ctx, "origin", MainRef, c2, c3, map[string]plumbing.Hash{ev: c1})
	if err == nil || errors.Is(err, ErrRefMoved) {
		t.Fatalf("stray evidence ref: %v, want a refusal", err)
	}
	if got := remoteRef(t, g, srv, MainRef); got != c2.String() {
		t.Fatalf("remote main moved to %s on a refused push", got)
	}

	// A lost race: main moved meanwhile; the new evidence ref is not created.
	const ev2 = "refs/writ/rejected/x/z"
	if err := a.PushCAS(ctx, "origin", MainRef, c2, c3); err != nil {
		t.Fatal(err)
	}
	c4 := mustCommit(t, a, 5, []plumbing.Hash{c2}, map[string]string{"i": "4"})
	if err := a.PushCASWith(ctx, "origin", MainRef, c2, c4, map[string]plumbing.Hash{ev2: side}); !errors.Is(err, ErrRefMoved) {
		t.Fatalf("lost race: %v, want ErrRefMoved", err)
	}
	if got := remoteRef(t, g, srv, ev2); got != "" {
		t.Fatalf("%s created by a push that lost its race", ev2)
	}
}
