package gitobj_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/internal/gitobj"
	"github.com/writ-dev/writ/gitstore/internal/gittest"
)

// mergeHistory writes n entries on main, each a merge of a side commit
// (as WAL entries are), on top of head (zero: a new history), and returns
// every commit written with its first parent (zero for the root).
func mergeHistory(t *testing.T, s *gitstore.Store, head plumbing.Hash, from, n int) (plumbing.Hash, map[plumbing.Hash]plumbing.Hash) {
	t.Helper()
	parents := map[plumbing.Hash]plumbing.Hash{}
	start := head
	for i := from; i < from+n; i++ {
		var base []plumbing.Hash
		if !head.IsZero() {
			base = []plumbing.Hash{head}
		}
		side, err := s.WriteCommit(gitstore.CommitRequest{Parents: base, Message: fmt.Sprintf("side %d\n", i),
			Files: map[string][]byte{fmt.Sprintf("proposals/i%d/p.yaml", i%5): []byte(fmt.Sprint(i))}, Author: sig(i), Committer: sig(i)})
		if err != nil {
			t.Fatal(err)
		}
		parents[side] = head
		if head.IsZero() {
			head = side
			continue
		}
		merge, err := s.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{head, side}, Message: fmt.Sprintf("entry %d\n", i),
			Files: map[string][]byte{fmt.Sprintf("proposals/i%d/p.yaml", i%5): []byte(fmt.Sprint(i))}, Author: sig(i), Committer: sig(i)})
		if err != nil {
			t.Fatal(err)
		}
		parents[merge] = head
		head = merge
	}
	if err := s.CompareAndSwap(gitstore.MainRef, start, head); err != nil {
		t.Fatal(err)
	}
	return head, parents
}

// checkHints checks FirstParentHint for every commit: the recorded first
// parent for those in inGraph, no answer for the others.
func checkHints(t *testing.T, dir string, parents map[plumbing.Hash]plumbing.Hash, inGraph map[plumbing.Hash]bool) {
	t.Helper()
	raw, err := gitobj.Open(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for c, want := range parents {
		got, ok := raw.FirstParentHint(c)
		if ok != inGraph[c] || (ok && got != want) {
			t.Fatalf("commit %s: hint %s %v, want %s %v", c, got, ok, want, inGraph[c])
		}
	}
}

func TestFirstParentHint(t *testing.T) {
	g := gittest.New(t)
	dir := t.TempDir()
	s, err := gitstore.Init(dir)
	if err != nil {
		t.Fatal(err)
	}
	gitDir := s.GitDir()
	head, parents := mergeHistory(t, s, plumbing.ZeroHash, 0, 40)
	none := map[plumbing.Hash]bool{}
	checkHints(t, gitDir, parents, none) // no commit-graph yet

	all := func() map[plumbing.Hash]bool {
		m := map[plumbing.Hash]bool{}
		for c := range parents {
			m[c] = true
		}
		return m
	}
	g.Run(gitDir, "commit-graph", "write", "--reachable", "--changed-paths")
	checkHints(t, gitDir, parents, all())

	// Commits written since are not in it; the rest still are.
	inGraph := all()
	head, more := mergeHistory(t, s, head, 40, 10)
	for c, p := range more {
		parents[c] = p
	}
	checkHints(t, gitDir, parents, inGraph)

	// A split graph: two layers, the second holding the newer commits.
	os.Remove(filepath.Join(gitDir, "objects", "info", "commit-graph"))
	g.Run(gitDir, "commit-graph", "write", "--reachable", "--split=no-merge")
	_, more = mergeHistory(t, s, head, 50, 10)
	g.Run(gitDir, "commit-graph", "write", "--reachable", "--split=no-merge")
	for c, p := range more {
		parents[c] = p
	}
	chain, err := os.ReadFile(filepath.Join(gitDir, "objects", "info", "commit-graphs", "commit-graph-chain"))
	if err != nil || len(chain) < 82 {
		t.Fatalf("want a chain of two layers: %v %q", err, chain)
	}
	checkHints(t, gitDir, parents, all())

	// A layer that does not check (one byte changed) is not used at all.
	layers, _ := filepath.Glob(filepath.Join(gitDir, "objects", "info", "commit-graphs", "graph-*.graph"))
	for _, l := range layers {
		b, err := os.ReadFile(l)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 1
		if err := os.Chmod(l, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(l, b, 0o644); err != nil {
			t.Fatal(err)
		}
		checkHints(t, gitDir, parents, none)
		b[len(b)/2] ^= 1
		if err := os.WriteFile(l, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	checkHints(t, gitDir, parents, all())
}
