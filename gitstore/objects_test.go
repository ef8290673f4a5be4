package gitstore

import (
	"errors"
	"fmt"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gittest"
)

// A Store reads objects through gitobj whether they are loose or packed,
// including packs written after it was opened, and answers a missing
// object or one of the wrong type as go-git does.
func TestObjectsLooseAndPacked(t *testing.T) {
	g := gittest.New(t)
	s := newStore(t)
	if s.raw == nil {
		t.Fatal("no raw object reader")
	}
	hs := chain(t, s, 20)
	head := hs[len(hs)-1]
	mustCAS(t, s, MainRef, plumbing.ZeroHash, head)
	c, err := s.Commit(head)
	if err != nil {
		t.Fatal(err)
	}
	tree := c.TreeHash

	check := func(t *testing.T, s *Store) {
		t.Helper()
		for i, h := range hs {
			b, err := s.ReadFile(h, "entries/last")
			if err != nil || string(b) != fmt.Sprint(i) {
				t.Fatalf("ReadFile at %d = %q, %v", i, b, err)
			}
		}
		log, err := s.FirstParentLog(head, plumbing.ZeroHash)
		if err != nil || !equalHashes(hashes(log), hs) {
			t.Fatalf("FirstParentLog = %v, %v", hashes(log), err)
		}
		if _, err := s.Commit(tree); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Commit of a tree: %v, want ErrNotFound", err)
		}
		missing := plumbing.NewHash("0123456789012345678901234567890123456789")
		if _, err := s.Commit(missing); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Commit of a missing object: %v, want ErrNotFound", err)
		}
		storer := s.repo.Storer
		if err := storer.HasEncodedObject(missing); err != plumbing.ErrObjectNotFound {
			t.Fatalf("HasEncodedObject(missing) = %v", err)
		}
		if _, err := storer.EncodedObject(plumbing.AnyObject, missing); err != plumbing.ErrObjectNotFound {
			t.Fatalf("EncodedObject(missing) = %v", err)
		}
		if _, err := storer.EncodedObject(plumbing.BlobObject, head); err != plumbing.ErrObjectNotFound {
			t.Fatalf("EncodedObject of a commit as a blob = %v", err)
		}
		o, err := storer.EncodedObject(plumbing.CommitObject, head)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := storer.EncodedObjectSize(head); err != nil || n != o.Size() {
			t.Fatalf("EncodedObjectSize = %d, %v; want %d", n, err, o.Size())
		}
	}
	t.Run("loose", func(t *testing.T) { check(t, s) })
	// git moves every object into a new pack and deletes the loose copies:
	// the open Store must find them there.
	g.Run(s.GitDir(), "repack", "-adq")
	if out := g.Run(s.GitDir(), "count-objects", "-v"); !containsLine(out, "count: 0") {
		t.Fatalf("objects left loose:\n%s", out)
	}
	t.Run("packed after open", func(t *testing.T) { check(t, s) })
	reopened, err := Open(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("packed", func(t *testing.T) { check(t, reopened) })
	// The Store's own writes (loose) are visible next to the pack.
	next := mustCommit(t, reopened, 20, []plumbing.Hash{head}, map[string]string{"entries/last": "20"})
	if b, err := reopened.ReadFile(next, "entries/last"); err != nil || string(b) != "20" {
		t.Fatalf("ReadFile of a new commit = %q, %v", b, err)
	}
}

func containsLine(out, line string) bool {
	for _, l := range gitLines(out) {
		if l == line {
			return true
		}
	}
	return false
}
