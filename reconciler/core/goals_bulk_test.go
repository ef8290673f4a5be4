package core

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"testing"
)

// TestTableOfEqualsPuts: building a table at once (restore) gives the
// same root as putting its records one by one (apply), at every size.
func TestTableOfEqualsPuts(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, n := range []int{0, 1, 2, 15, 300, 5000} {
		var one table[consumedKey]
		var all []consumedKey
		for i := 0; i < n; i++ {
			k := consumedKey{id: fmt.Sprintf("who-%d/key-%d", rng.Intn(50), rng.Int()), how: "applied"}.sealed()
			one = one.put(k)
			all = append(all, k)
		}
		bulk := tableOf(all)
		if bulk.tree.rootOf() != one.tree.rootOf() || bulk.size() != one.size() {
			t.Fatalf("%d records: bulk root %x (%d), one by one %x (%d)", n, bulk.tree.rootOf(), bulk.size(), one.tree.rootOf(), one.size())
		}
	}
}

// TestBlockSetOfEqualsEvents: the set built at once from a set's JSON
// (restore) equals the set the events built one by one, bucket digests
// included.
func TestBlockSetOfEqualsEvents(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for round := 0; round < 50; round++ {
		s := foldOps(t, randomBlockOps(rng, rng.Intn(400)))
		raw, err := s.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var j blockSetJSON
		if err := json.Unmarshal(raw, &j); err != nil {
			t.Fatal(err)
		}
		got, err := blockSetOf(j)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(s) {
			t.Fatalf("round %d: bulk set differs", round)
		}
		for i := range blockBuckets {
			if got.bucketDigest(i) != s.bucketDigest(i) {
				t.Fatalf("round %d: bucket %d digest differs", round, i)
			}
		}
	}
}
