package gitstore

import (
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// BenchmarkWalkFirstParent walks a 2,000-entry WAL (merge commits, as main
// has) through a freshly opened Store each iteration, so the object cache
// starts cold as in a `writ replay`.
func BenchmarkWalkFirstParent(b *testing.B) {
	const n = 2000
	s := newStore(b)
	var prev plumbing.Hash
	for i := 0; i < n; i++ {
		var parents []plumbing.Hash
		if i > 0 {
			side := mustCommit(b, s, 2*i, []plumbing.Hash{prev}, map[string]string{"proposals/p.yaml": "x"})
			parents = []plumbing.Hash{prev, side}
		}
		prev = mustCommit(b, s, 2*i+1, parents, map[string]string{"entries/last": "y"})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st, err := Open(s.Dir())
		if err != nil {
			b.Fatal(err)
		}
		count := 0
		err = st.WalkFirstParent(prev, plumbing.ZeroHash, func(*object.Commit) error {
			count++
			return nil
		})
		if err != nil || count != n {
			b.Fatalf("walked %d commits, %v", count, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/commit")
}
