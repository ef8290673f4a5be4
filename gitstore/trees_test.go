package gitstore

import (
	"fmt"
	"slices"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// TestOddTrees reads and builds on trees git no longer writes: a
// directory with a zero-padded mode ("040000", old git) and entries out of
// order. Reads see them as go-git decodes them, and a commit on top writes
// the tree in git's canonical form.
func TestOddTrees(t *testing.T) {
	s := newStore(t)
	blob, err := s.storeLocked(plumbing.BlobObject, []byte("x\n"))
	if err != nil {
		t.Fatal(err)
	}
	entry := func(mode, name string, h plumbing.Hash) string { return mode + " " + name + "\x00" + string(h[:]) }
	sub, err := s.storeLocked(plumbing.TreeObject, []byte(entry("100644", "f", blob)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		raw  string
	}{
		{"zero-padded dir", entry("100644", "a-b", blob) + entry("040000", "a", sub) + entry("100644", "z", blob)},
		{"unsorted", entry("100644", "z", blob) + entry("40000", "a", sub) + entry("100644", "a-b", blob)},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := s.storeLocked(plumbing.TreeObject, []byte(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			c, err := s.WriteCommit(CommitRequest{BaseTree: root, Message: "odd\n", Author: sigAt(i), Committer: sigAt(i)})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"a-b", "a/f", "z"}
			if got, err := s.ListFiles(c, ""); err != nil || !slices.Equal(got, want) {
				t.Errorf("ListFiles = %q, %v; want %q", got, err, want)
			}
			if b, err := s.ReadFile(c, "a/f"); err != nil || string(b) != "x\n" {
				t.Errorf("ReadFile(a/f) = %q, %v", b, err)
			}
			c2 := mustCommit(t, s, 10+i, []plumbing.Hash{c}, map[string]string{"n": "n\n"})
			if got, err := s.ChangedFiles(c, c2); err != nil || !slices.Equal(got, []string{"n"}) {
				t.Errorf("ChangedFiles = %q, %v; want [n]", got, err)
			}
			commit, err := s.Commit(c2)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := s.readObjectLocked(plumbing.TreeObject, commit.TreeHash)
			if err != nil {
				t.Fatal(err)
			}
			canon := entry("100644", "a-b", blob) + entry("40000", "a", sub) + entry("100644", "n", plumbing.ComputeHash(plumbing.BlobObject, []byte("n\n"))) + entry("100644", "z", blob)
			if string(raw) != canon {
				t.Errorf("tree on top of %s:\n got %q\nwant %q", tt.name, raw, canon)
			}
		})
	}
}

func TestTreeCacheBound(t *testing.T) {
	big := make([]byte, 0, treeCacheBytes/8)
	for len(big)+40 <= cap(big) {
		big = fmt.Appendf(big, "100644 f%07d\x00%020d", len(big), 0)
	}
	tree, err := gitobj.ParseTree(big)
	if err != nil {
		t.Fatal(err)
	}
	var c treeCache
	var hs []plumbing.Hash
	for i := range 20 {
		h := plumbing.ComputeHash(plumbing.BlobObject, []byte{byte(i)})
		hs = append(hs, h)
		c.put(h, tree)
		if c.size > treeCacheBytes {
			t.Fatalf("after %d trees the cache holds %d bytes", i+1, c.size)
		}
	}
	if _, ok := c.get(hs[0]); ok {
		t.Error("the oldest tree was kept")
	}
	if got, ok := c.get(hs[len(hs)-1]); !ok || got != tree {
		t.Error("the newest tree was dropped")
	}
}
