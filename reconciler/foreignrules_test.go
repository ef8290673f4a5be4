package reconciler

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// TestForeignRulesEntryIsNotDiffedUnbounded: replay's workers run
// an entry's proposal checks (checkProposal, in verifySignatures) whether
// or not the entry's own signature verified, and for a rules entry those
// checks diff the entry against its first parent with
// intake.RulesChangeTrusted: no diff limits, on the word of a signature
// nobody checked yet. Anyone who can push to main copies a real rules
// entry's message and tree into an unsigned commit F2 whose first parent
// F1 (also unsigned) adds a tree DAG of 2,097,152 paths under a governed
// root (about 14 KB of objects). Replay must refuse both as foreign at
// about the cost of their objects; instead it lists every path of the DAG.
func TestForeignRulesEntryIsNotDiffedUnbounded(t *testing.T) {
	e, _ := newRepo(t)
	p := relax(t, e, "carol", "relax")
	name := strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix)
	approveAs(t, e, "alice", name)
	approveAs(t, e, "bob", name)
	entry := reconcile(t, e, 1).Head
	ec, err := e.Store.Commit(entry)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := wal.Decode(ec.Message)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := e.Store.ReadFile(entry, rec.ProposalPath)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Entry.Subject.Content == schemas.HashBytes(raw) {
		t.Fatal("the rules entry records the proposal file's hash: the test needs one that hashes the whole change")
	}
	start := time.Now()
	mustReplay(t, e, ReplayOptions{})
	control := time.Since(start)

	// F1: main plus a governed directory zz holding the tree DAG.
	f1 := gitIn(t, e, "", "-c", "user.name=x", "-c", "user.email=x@example.invalid", "commit-tree",
		withDAG(t, e, entry, 3).String(), "-p", entry.String(), "-m", "foreign")
	// F2: the rules entry's tree, second parent and message, over F1.
	f2 := gitIn(t, e, ec.Message, "-c", "user.name=x", "-c", "user.email=x@example.invalid", "commit-tree",
		ec.TreeHash.String(), "-p", f1, "-p", ec.ParentHashes[1].String(), "-F", "-")
	if err := e.Store.CompareAndSwap(gitstore.MainRef, entry, plumbing.NewHash(f2)); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	_, err = e.Replay(ReplayOptions{})
	took := time.Since(start)
	if !errors.Is(err, ErrForeign) {
		t.Fatalf("replay: %v, want the two foreign commits", err)
	}
	if took > control+time.Second {
		t.Fatalf("replaying two unsigned commits of about 14 KB of objects took %v (the same log without them %v): "+
			"the forged rules entry's change was listed whole, every path of its first parent's tree DAG", took, control)
	}
}
