package core

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"strings"
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
		sorted := slices.SortedFunc(slices.Values(all), func(a, b consumedKey) int { return strings.Compare(a.id, b.id) })
		for order, items := range map[string][]consumedKey{"put": all, "by key": sorted, "table": one.unsorted(),
			"twice": append(slices.Clone(all), all...)} {
			bulk := tableOf(slices.Clone(items))
			if bulk.tree.rootOf() != one.tree.rootOf() || bulk.size() != one.size() || !slices.Equal(bulk.all(), one.all()) {
				t.Fatalf("%d records in %s order: bulk root %x (%d), one by one %x (%d)", n, order, bulk.tree.rootOf(), bulk.size(), one.tree.rootOf(), one.size())
			}
		}
	}
}

// TestTableOfTakesTableOrderInPlace: records in table order (a lineage
// file's) become the table's buckets without a copy; any other order is
// copied.
func TestTableOfTakesTableOrderInPlace(t *testing.T) {
	var one table[consumedKey]
	for i := range 1000 {
		one = one.put(consumedKey{id: fmt.Sprintf("who/key-%d", i), how: "applied"}.sealed())
	}
	items := one.unsorted()
	shares := func(tb table[consumedKey], items []consumedKey) bool {
		for _, b := range tb.buckets.all {
			for i := range b {
				if &b[i] == &items[0] {
					return true
				}
			}
		}
		return false
	}
	if !shares(tableOf(items), items) {
		t.Error("records in table order were copied")
	}
	byKey := one.all()
	if shares(tableOf(byKey), byKey) {
		t.Error("records sorted by key were taken in place")
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
		// Sorted as JSON holds them, and in the set's order as a lineage
		// file holds them.
		for _, j := range []blockSetJSON{j, s.inSetOrder()} {
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
}
