package gitstore

import (
	"fmt"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// TestComputedTreesReuseReplacedOnes: checking a goal lineage oldest first
// from the tip's hints, the trees AddsOnly computes for an entry are made
// in the memory of those the entry before replaced, so a long lineage
// costs a few trees' memory, not one set per entry; and every entry is
// still shown to add its one file (a tree made in reused memory that held
// anything but its own bytes would give another root).
func TestComputedTreesReuseReplacedOnes(t *testing.T) {
	const n, shards = 300, 8
	s := newStore(t)
	head := mustCommit(t, s, 0, nil, map[string]string{"writ.yaml": "x"})
	parent, err := s.Commit(head)
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		parentTree, tree plumbing.Hash
		path             string
	}
	var entries []entry
	for i := 1; i <= n; i++ {
		path := fmt.Sprintf("proposals/lineage/%02x/action-%05d.yaml", i%shards, i)
		head = mustCommit(t, s, i, []plumbing.Hash{head}, map[string]string{path: fmt.Sprintf("step %d\n", i)})
		c, err := s.Commit(head)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, entry{parent.TreeHash, c.TreeHash, path})
		parent = c
	}
	tc := s.FastReader().NewTreeCheck()
	tc.HintFrom(entries[len(entries)-1].tree)
	roots := map[*gitobj.Tree]bool{}
	for _, e := range entries {
		f := tc.Read(e.tree, e.path)
		if !f.Hinted() || !tc.AddsOnly(&f, e.parentTree, e.tree) {
			t.Fatalf("%s: not shown from the hint (hinted %v)", e.path, f.Hinted())
		}
		roots[f.root] = true
	}
	if len(roots) > 2*spareTrees {
		t.Fatalf("%d entries computed %d distinct root trees: replaced trees were not reused", n, len(roots))
	}
}
