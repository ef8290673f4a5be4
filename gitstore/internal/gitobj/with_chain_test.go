package gitobj_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// TestTreeWithChainsAgreeWithParsing: a chain of With calls (each on the last
// result) agrees with ParseTree of its bytes, entry by entry, and with
// ChangedOne against the tree before.
func TestTreeWithChainsAgreeWithParsing(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	names := []string{"a", "a-", "a.b", "a0", "ab", "b", "b/", "c", "zz", "a b", "x\x01"}
	for round := range 300 {
		var tr *gitobj.Tree
		for step := range 40 {
			name := names[r.IntN(len(names)-2)] + fmt.Sprint(r.IntN(4))
			if r.IntN(5) == 0 {
				name = names[r.IntN(len(names))]
			}
			mode := []string{gitobj.ModeFile, gitobj.ModeDir, "100755", "120000"}[r.IntN(4)]
			var h plumbing.Hash
			h[0], h[19] = byte(r.IntN(3)), byte(step)
			nt, ok := tr.With(name, mode, h)
			if !ok {
				continue
			}
			parsed, err := gitobj.ParseTree(nt.Raw())
			if err != nil {
				t.Fatalf("round %d step %d: %v", round, step, err)
			}
			if parsed.Len() != nt.Len() {
				t.Fatalf("round %d step %d: len %d, parsed %d", round, step, nt.Len(), parsed.Len())
			}
			for i := range nt.Len() {
				if nt.Name(i) != parsed.Name(i) || nt.Mode(i) != parsed.Mode(i) || nt.Hash(i) != parsed.Hash(i) {
					t.Fatalf("round %d step %d entry %d differs", round, step, i)
				}
				for _, dir := range []bool{false, true} {
					a, af := nt.Lookup(parsed.Name(i), dir)
					b, bf := parsed.Lookup(parsed.Name(i), dir)
					if a != b || af != bf {
						t.Fatalf("round %d step %d: lookup %q differs", round, step, parsed.Name(i))
					}
				}
			}
			if got, ok := gitobj.ChangedOne(tr, parsed, name, mode); !ok || got != h {
				t.Fatalf("round %d step %d: ChangedOne refuses With(%q, %s)", round, step, name, mode)
			}
			tr = nt
		}
	}
}
