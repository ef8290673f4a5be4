package core

import (
	"encoding/json"
	"slices"
	"testing"
)

// fuzzNames are the task ids and identities fuzzed events use; "" is
// among them so malformed events are tried too.
var fuzzNames = []string{"", "t0", "t1", "t2", "ann", "bob", "sha256:x", "\u00e9\x00<>"}

// blockSetsFromBytes reads three event streams from data, four bytes an
// event (kind, blocked, prerequisite, identity); byte 0xff switches to
// the next stream. Malformed events are applied too: they must be
// refused without changing the set.
func blockSetsFromBytes(t *testing.T, data []byte) [3]BlockSet {
	var sets [3]BlockSet
	cur := 0
	for len(data) > 0 {
		if data[0] == 0xff {
			cur = (cur + 1) % len(sets)
			data = data[1:]
			continue
		}
		var ev [4]byte
		n := copy(ev[:], data)
		data = data[n:]
		o := blockOp{
			kind:    []string{"declare", "confirm", "refute", "resolve", "dismiss", "bogus"}[int(ev[0])%6],
			blocked: fuzzNames[int(ev[1])%len(fuzzNames)],
			prereq:  fuzzNames[int(ev[2])%len(fuzzNames)],
			who:     fuzzNames[int(ev[3])%len(fuzzNames)],
		}
		before := sets[cur].Hash()
		next, err := o.apply(sets[cur])
		if err != nil {
			if next.Hash() != before {
				t.Fatalf("%+v was refused (%v) but changed the set", o, err)
			}
			continue
		}
		sets[cur] = next
	}
	return sets
}

// FuzzBlockSetMerge: whatever the events, building, merging, encoding
// and reading block sets never panics, and the merge laws hold.
func FuzzBlockSetMerge(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 2, 4, 1, 1, 2, 5, 0xff, 1, 1, 2, 6, 3, 1, 2, 0, 0xff, 0, 1, 2, 5})
	f.Add([]byte{0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0})
	f.Add([]byte{3, 1, 1, 0, 0, 1, 1, 4, 0xff, 0, 1, 1, 5, 1, 1, 1, 6, 1, 1, 1, 7, 0xff, 2, 1, 1, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		s := blockSetsFromBytes(t, data)
		checkMergeLaws(t, s[0], s[1], s[2])
		all := s[0].Merge(s[1]).Merge(s[2])
		b, err := json.Marshal(all)
		if err != nil || !json.Valid(b) {
			t.Fatalf("encoding: %v", err)
		}
		for _, a := range fuzzNames {
			for _, p := range fuzzNames {
				id := BlockID(a, p)
				for _, q := range []BlockQuorum{{}, {Confirm: 1}, {Confirm: 3, Refute: 2}, {Confirm: -1, Refute: -1}} {
					st := all.Status(id, q)
					if all.Removed(id) && (st != BlockResolved && st != BlockDismissed) {
						t.Fatalf("removed block %s has status %s", id, st)
					}
				}
				for _, who := range fuzzNames {
					_ = all.CheckConfirm(id, who)
				}
				_ = all.Claims(id)
				_ = all.Confirmations(id)
				_ = all.Refutations(id)
			}
		}
		for _, id := range all.Active() {
			if all.Removed(id) {
				t.Fatalf("active block %s is removed", id)
			}
		}
		if open := all.Open(BlockQuorum{}); !slices.IsSorted(open) {
			t.Fatalf("Open is not sorted: %v", open)
		}
	})
}
