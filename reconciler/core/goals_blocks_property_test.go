package core

import (
	"math/rand"
	"slices"
	"testing"
)

var (
	propTasks = []string{"t0", "t1", "t2", "t3"}
	propWho   = []string{"ann", "bob", "cat", "dan"}
	propKinds = []string{"declare", "declare", "confirm", "confirm", "refute", "resolve", "dismiss"}
)

// randomBlockOps makes n events over a few tasks and identities, so that
// blocks are declared, confirmed, refuted and removed by several
// identities, some before they are declared.
func randomBlockOps(rng *rand.Rand, n int) []blockOp {
	ops := make([]blockOp, n)
	for i := range ops {
		ops[i] = blockOp{
			kind:    propKinds[rng.Intn(len(propKinds))],
			blocked: propTasks[rng.Intn(len(propTasks))],
			prereq:  propTasks[rng.Intn(len(propTasks))],
			who:     propWho[rng.Intn(len(propWho))],
		}
	}
	return ops
}

func foldOps(t *testing.T, ops []blockOp) BlockSet {
	t.Helper()
	return applyOps(t, ops...)
}

// TestBlockSetMergeLaws: merge is commutative, associative and
// idempotent, and the empty set is its identity, on random sets.
func TestBlockSetMergeLaws(t *testing.T) {
	for seed := int64(1); seed <= 300; seed++ {
		rng := rand.New(rand.NewSource(seed))
		x := foldOps(t, randomBlockOps(rng, rng.Intn(25)))
		y := foldOps(t, randomBlockOps(rng, rng.Intn(25)))
		z := foldOps(t, randomBlockOps(rng, rng.Intn(25)))
		checkMergeLaws(t, x, y, z)
	}
}

func checkMergeLaws(t *testing.T, x, y, z BlockSet) {
	t.Helper()
	same := func(law string, a, b BlockSet) {
		t.Helper()
		if !a.Equal(b) || a.Hash() != b.Hash() {
			t.Fatalf("%s does not hold:\n%s\n%s", law, mustJSON(a), mustJSON(b))
		}
	}
	same("commutativity", x.Merge(y), y.Merge(x))
	same("associativity", x.Merge(y).Merge(z), x.Merge(y.Merge(z)))
	same("idempotence", x.Merge(x), x)
	same("identity", x.Merge(BlockSet{}), x)
	same("absorption", x.Merge(y).Merge(y), x.Merge(y))
}

func mustJSON(s BlockSet) string {
	b, err := s.MarshalJSON()
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// TestBlockSetConverges: the same events, in any order, and split over
// any number of branches that are merged in any order and grouping, give
// one state and one hash.
func TestBlockSetConverges(t *testing.T) {
	for seed := int64(1); seed <= 100; seed++ {
		rng := rand.New(rand.NewSource(seed))
		ops := randomBlockOps(rng, 1+rng.Intn(40))
		want := foldOps(t, ops)
		for range 10 {
			// One log, in another order.
			perm := slices.Clone(ops)
			rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
			if got := foldOps(t, perm); !got.Equal(want) || got.Hash() != want.Hash() {
				t.Fatalf("seed %d: order changed the state:\n%s\n%s", seed, mustJSON(got), mustJSON(want))
			}
			// Branches: each event goes to one or more branches (a stale
			// branch repeats what another already has); the branches are
			// merged pairwise in a random order.
			branches := make([][]blockOp, 1+rng.Intn(5))
			for _, o := range perm {
				b := rng.Intn(len(branches))
				branches[b] = append(branches[b], o)
				if rng.Intn(4) == 0 {
					c := rng.Intn(len(branches))
					branches[c] = append(branches[c], o)
				}
			}
			sets := make([]BlockSet, len(branches))
			for i, b := range branches {
				sets[i] = foldOps(t, b)
			}
			for len(sets) > 1 {
				i, j := rng.Intn(len(sets)), rng.Intn(len(sets))
				if i == j {
					continue
				}
				sets[i] = sets[i].Merge(sets[j])
				sets = slices.Delete(sets, j, j+1)
			}
			if got := sets[0]; !got.Equal(want) || got.Hash() != want.Hash() {
				t.Fatalf("seed %d: merging %d branches changed the state:\n%s\n%s", seed, len(branches), mustJSON(got), mustJSON(want))
			}
		}
	}
}

// TestBlockSetRemovedNeverResurrects: once a block is removed, or its
// status is resolved or dismissed, no later event and no merge with any
// other set (a stale branch re-declaring and re-confirming it) makes it
// active, open or claimed again.
func TestBlockSetRemovedNeverResurrects(t *testing.T) {
	q := BlockQuorum{Confirm: 2, Refute: 1}
	var ids []string
	for _, a := range propTasks {
		for _, b := range propTasks {
			ids = append(ids, BlockID(a, b))
		}
	}
	for seed := int64(1); seed <= 200; seed++ {
		rng := rand.New(rand.NewSource(seed))
		ops := randomBlockOps(rng, 60)
		stale := foldOps(t, randomBlockOps(rng, 20))
		var s BlockSet
		final := map[string]BlockStatus{} // blocks gone, and how
		removed := map[string]bool{}
		for i, o := range ops {
			var err error
			if s, err = o.apply(s); err != nil {
				t.Fatal(err)
			}
			if rng.Intn(5) == 0 {
				s = s.Merge(stale)
			}
			for _, id := range ids {
				st := s.Status(id, q)
				if was, gone := final[id]; gone {
					if slices.Contains(s.Open(q), id) || (st != BlockResolved && st != BlockDismissed) ||
						(was == BlockResolved && st != BlockResolved) || (removed[id] && !s.Removed(id)) {
						t.Fatalf("seed %d, event %d (%+v): block %s was %s, is now %s (open %v)", seed, i, o, id, was, st, s.Open(q))
					}
				}
				if s.Removed(id) && slices.Contains(s.Active(), id) {
					t.Fatalf("seed %d: removed block %s is active", seed, id)
				}
				if st == BlockResolved || st == BlockDismissed {
					final[id] = st
				}
				removed[id] = removed[id] || s.Removed(id)
			}
		}
	}
}
