package gitstore

import (
	"fmt"
	"os/exec"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// BenchmarkTreeCheckLineage checks, oldest first as replay does, the trees
// of a goal lineage of 3,000 actions over 64 shards packed as git gc
// leaves it (older trees deltas of newer ones), through a fresh Store each
// iteration: reading every lineage and shard tree ("read") against
// computing them from the parent's and the tip's blobs ("hinted").
func BenchmarkTreeCheckLineage(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("needs git to pack the repository")
	}
	const n, shards = 3000, 64
	s := newStore(b)
	head := mustCommit(b, s, 0, nil, map[string]string{"writ.yaml": "x"})
	type entry struct {
		parentTree, tree plumbing.Hash
		path             string
	}
	var entries []entry
	parent, err := s.Commit(head)
	if err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		path := fmt.Sprintf("proposals/lineage/%02x/action-%05d.yaml", i%shards, i)
		head = mustCommit(b, s, i, []plumbing.Hash{head}, map[string]string{path: fmt.Sprintf("step %d\n", i)})
		c, err := s.Commit(head)
		if err != nil {
			b.Fatal(err)
		}
		entries = append(entries, entry{parent.TreeHash, c.TreeHash, path})
		parent = c
	}
	if out, err := exec.Command("git", "-C", s.Dir(), "update-ref", "refs/heads/main", head.String()).CombinedOutput(); err != nil {
		b.Fatalf("%v: %s", err, out)
	}
	if out, err := exec.Command("git", "-C", s.Dir(), "repack", "-a", "-d", "-f", "-q").CombinedOutput(); err != nil {
		b.Fatalf("%v: %s", err, out)
	}
	tip := entries[len(entries)-1].tree
	for _, hinted := range []bool{false, true} {
		name := map[bool]string{false: "read", true: "hinted"}[hinted]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				st, err := Open(s.Dir())
				if err != nil {
					b.Fatal(err)
				}
				tc := st.FastReader().NewTreeCheck()
				if hinted {
					tc.HintFrom(tip)
				}
				for _, e := range entries {
					f := tc.Read(e.tree, e.path)
					if !tc.AddsOnly(&f, e.parentTree, e.tree) || f.Hinted() != hinted {
						b.Fatalf("%s: not shown (hinted %v)", e.path, f.Hinted())
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/entry")
		})
	}
}
