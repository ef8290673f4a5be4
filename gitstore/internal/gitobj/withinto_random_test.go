package gitobj_test

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// TestWithIntoAgreesWithWith: 20,000 random WithInto calls, with spares
// from unrelated, larger and smaller trees, give what With gives, byte for
// byte and entry for entry, and never change a tree still in use.
func TestWithIntoAgreesWithWith(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	type live struct {
		t   *gitobj.Tree
		raw []byte
	}
	var lives []live
	var pool []*gitobj.Tree
	lives = append(lives, live{nil, nil})
	for step := 0; step < 20000; step++ {
		src := lives[rng.Intn(len(lives))]
		var spare *gitobj.Tree
		if len(pool) > 0 && rng.Intn(4) != 0 {
			k := rng.Intn(len(pool))
			spare = pool[k]
			pool = append(pool[:k], pool[k+1:]...)
		}
		name := fmt.Sprintf("n%0*d", 1+rng.Intn(6), rng.Intn(300))
		mode := gitobj.ModeFile
		if rng.Intn(3) == 0 {
			mode = gitobj.ModeDir
		}
		h := plumbing.Hash{byte(rng.Intn(256)), byte(step)}
		want, ok1 := src.t.With(name, mode, h)
		got, ok2 := src.t.WithInto(spare, name, mode, h)
		if ok1 != ok2 {
			t.Fatalf("step %d: ok %v vs %v", step, ok1, ok2)
		}
		if ok1 {
			if !bytes.Equal(want.Raw(), got.Raw()) || want.Len() != got.Len() {
				t.Fatalf("step %d: differs", step)
			}
			for k := range got.Len() {
				if got.Name(k) != want.Name(k) || got.Hash(k) != want.Hash(k) || got.Mode(k) != want.Mode(k) {
					t.Fatalf("step %d entry %d", step, k)
				}
			}
			if p, err := gitobj.ParseTree(got.Raw()); err != nil || p.Len() != got.Len() {
				t.Fatalf("step %d parse: %v", step, err)
			}
			lives = append(lives, live{got, append([]byte(nil), got.Raw()...)})
		}
		for _, l := range lives {
			if l.t != nil && !bytes.Equal(l.t.Raw(), l.raw) {
				t.Fatalf("step %d: a live tree changed", step)
			}
		}
		if len(lives) > 6 {
			k := 1 + rng.Intn(len(lives)-1)
			pool = append(pool, lives[k].t)
			lives = append(lives[:k], lives[k+1:]...)
		}
	}
}
