package core

import (
	"errors"
	"math/rand"
	"testing"
)

// FuzzParseHLC: parsing never panics, and whatever parses round-trips to
// the same text (one spelling per timestamp).
func FuzzParseHLC(f *testing.F) {
	for _, s := range []string{"0.0", "1795408711325.0", "1.4294967295", "01.0", "-1.0", "9223372036854775807.1", "", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHLC(s)
		if err != nil {
			return
		}
		if h.String() != s {
			t.Fatalf("ParseHLC(%q) = %v, which prints as %q", s, h, h.String())
		}
		if n := NextHLC(h, 0); n.Compare(h) <= 0 {
			t.Fatalf("NextHLC(%v) = %v is not after it", h, n)
		}
	})
}

// FuzzApplyOnRestoredState: a random stream is cut, the state at the cut
// snapshotted and restored from its head with the buckets mask selects;
// applying the rest never panics, and each entry either applies as on the
// full state or returns a MissingBucketError and the state unchanged.
func FuzzApplyOnRestoredState(f *testing.F) {
	for _, seed := range []int64{1, 2, 3, 42} {
		f.Add(seed, uint64(0), uint8(40))
		f.Add(seed, uint64(0x5555555555555555), uint8(80))
	}
	f.Fuzz(func(t *testing.T, seed int64, mask uint64, cut uint8) {
		stream := randomStream(rand.New(rand.NewSource(seed)), 160)
		at := int(cut) % len(stream)
		s := NewState()
		for _, e := range stream[:at] {
			s, _ = full(s, e)
		}
		snap, err := s.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		part, err := RestoreHead(snap[SnapshotHead])
		if err != nil {
			t.Fatal(err)
		}
		some := SnapshotFiles{}
		for _, b := range part.Unrestored() {
			if mask&(1<<(b%64)) != 0 {
				some[BucketPath(b)] = snap[BucketPath(b)]
				if lin, ok := snap[LineagePath(b)]; ok {
					some[LineagePath(b)] = lin
				}
			}
		}
		if part, err = part.WithBuckets(some); err != nil {
			t.Fatal(err)
		}
		for i, e := range stream[at:] {
			want, wantOut := full(s, e)
			next, out, err := Apply(part, e)
			var missing *MissingBucketError
			switch {
			case errors.As(err, &missing):
				if next.Hash() != part.Hash() || len(part.Needs(e)) != 1 || part.Needs(e)[0] != missing.Bucket {
					t.Fatalf("entry %d: %v, but Needs says %v", i, err, part.Needs(e))
				}
				// Not restored, so unchanged since the cut: the snapshot's
				// file is the bucket. Restore it and apply again.
				if part, err = part.WithBuckets(bucketFiles(snap, part.Needs(e))); err != nil {
					t.Fatal(err)
				}
				if next, out, err = Apply(part, e); err != nil {
					t.Fatalf("entry %d after restoring its bucket: %v", i, err)
				}
			case err != nil:
				t.Fatalf("entry %d: %v", i, err)
			}
			if next.Hash() != want.Hash() || out.Status != wantOut.Status {
				t.Fatalf("entry %d: %s %s, want %s %s", i, out.Status, next.Hash(), wantOut.Status, want.Hash())
			}
			s, part = want, next
		}
	})
}
