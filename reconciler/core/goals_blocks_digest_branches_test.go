package core

import (
	"fmt"
	"math/rand"
	"testing"
)

// TestBucketDigestsOverBranchesMergesAndRestores: kept digests equal the events
// hashed whole on sets built by events on branches taken from any earlier
// set, merged, restored from their lists and continued.
func TestBucketDigestsOverBranchesMergesAndRestores(t *testing.T) {
	check := func(s BlockSet, what string) {
		t.Helper()
		for i := range 256 {
			var want [32]byte
			if b := s.buckets.at(i); b != nil {
				want = eventsDigest(b)
			}
			if s.bucketDigest(i) != want {
				t.Fatalf("%s: bucket %d kept digest differs", what, i)
			}
		}
	}
	for seed := range int64(30) {
		rng := rand.New(rand.NewSource(seed))
		var ids []string
		sets := []BlockSet{{}}
		for k := range 600 {
			s := sets[rng.Intn(len(sets))]
			var err error
			switch op := rng.Intn(7); {
			case op <= 3 || len(ids) == 0:
				s, err = randomBlockEvent(rng, op, s, &ids, 40)
			case op == 4:
				s = s.Merge(sets[rng.Intn(len(sets))])
			case op == 5:
				s, err = blockSetOf(s.lists())
			default:
				s = sets[rng.Intn(len(sets))].Merge(s)
			}
			if err != nil {
				continue
			}
			check(s, fmt.Sprintf("seed %d step %d", seed, k))
			sets = append(sets, s)
		}
		for k, s := range sets {
			check(s, fmt.Sprintf("seed %d set %d at the end", seed, k))
		}
	}
}
