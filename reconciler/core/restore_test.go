package core

import (
	"errors"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// TestRestoreHeadRestoresOnlyWhatItIsGiven: a state restored from a head
// proves its hash without any bucket, names the buckets an entry needs,
// and with only those restored applies as the original does; the next
// snapshot then writes only that bucket.
func TestRestoreHeadRestoresOnlyWhatItIsGiven(t *testing.T) {
	b := &builder{t: t}
	s := shippable(t, b)
	s = mustApply(t, s, b.transition(s, "agent", "r2", "create"), StatusApplied)
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	head, err := RestoreHead(snap[SnapshotHead])
	if err != nil {
		t.Fatal(err)
	}
	if head.Hash() != s.Hash() || head.Len() != s.Len() {
		t.Fatalf("hash %s len %d, want %s %d", head.Hash(), head.Len(), s.Hash(), s.Len())
	}
	r2 := bucketOf("r2")
	if got := head.Unrestored(); !slices.Equal(got, []byte{bucketOf("r1"), r2}) && !slices.Equal(got, []byte{r2, bucketOf("r1")}) {
		t.Fatalf("Unrestored = %v, want the buckets of r1 and r2", got)
	}
	e := b.transition(s, "agent", "r2", "verify")
	if got := head.Needs(e); !slices.Equal(got, []byte{r2}) {
		t.Fatalf("Needs = %v, want [%d]", got, r2)
	}
	if got := head.Needs(b.genesis()); got != nil {
		t.Fatalf("a genesis entry needs %v", got)
	}
	// Only r2's bucket is given; the other file is ignored.
	part, err := head.WithBuckets(SnapshotFiles{BucketPath(r2): snap[BucketPath(r2)], SnapshotHead: snap[SnapshotHead]})
	if err != nil {
		t.Fatal(err)
	}
	if got := part.Needs(e); got != nil {
		t.Fatalf("after WithBuckets Needs = %v", got)
	}
	if got, want := hashIn(part, "r2"), hashIn(s, "r2"); got != want {
		t.Fatalf("r2 %s, want %s", got, want)
	}
	if len(head.Missing("r2")) != 1 {
		t.Fatal("WithBuckets changed the state it was called on")
	}
	want, _ := full(s, e)
	got, out, err := Apply(part, e)
	if err != nil || out.Status != StatusApplied || got.Hash() != want.Hash() {
		t.Fatalf("apply on the restored state: %s %s %v, hash %s want %s", out.Status, out.Reason, err, got.Hash(), want.Hash())
	}
	if need := got.SnapshotNeeds(snap[SnapshotHead]); need != nil {
		t.Fatalf("SnapshotNeeds against its own snapshot = %v", need)
	}
	files, deleted, err := got.SnapshotSince(snap[SnapshotHead])
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[BucketPath(r2)] == nil || files[SnapshotHead] == nil || len(deleted) != 0 {
		t.Fatalf("SnapshotSince wrote %d files (deleted %v), want the head and r2's bucket", len(files), deleted)
	}
	// Against no previous snapshot every bucket is written, so r1's must
	// be restored first.
	if need := got.SnapshotNeeds(nil); !slices.Equal(need, []byte{bucketOf("r1")}) {
		t.Fatalf("SnapshotNeeds(nil) = %v, want r1's bucket", need)
	}
	var missing *MissingBucketError
	if _, _, err := got.SnapshotSince(nil); !errors.As(err, &missing) || missing.Bucket != bucketOf("r1") {
		t.Fatalf("SnapshotSince(nil) without r1's bucket = %v", err)
	}
	merged := SnapshotFiles{}
	for p, d := range snap {
		merged[p] = d
	}
	for p, d := range files {
		merged[p] = d
	}
	again, err := Restore(merged)
	if err != nil || again.Hash() != want.Hash() || len(instancesOf(again)) != want.Len() {
		t.Fatalf("restore of the merged snapshot: %v", err)
	}
	if _, err := Restore(SnapshotFiles{SnapshotHead: snap[SnapshotHead]}); err == nil || !strings.Contains(err.Error(), "no file buckets/") {
		t.Fatalf("Restore without bucket files = %v", err)
	}
}

// TestMissingBucketIsAnError: every call that needs a bucket that was not
// restored returns an error naming the instance and the bucket file,
// instead of panicking or answering as if the instance did not exist.
func TestMissingBucketIsAnError(t *testing.T) {
	b := &builder{t: t}
	s := shippable(t, b)
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	head, err := RestoreHead(snap[SnapshotHead])
	if err != nil {
		t.Fatal(err)
	}
	path := BucketPath(bucketOf("r1"))
	named := func(t *testing.T, what string, err error, instance string) {
		t.Helper()
		var missing *MissingBucketError
		if !errors.As(err, &missing) || missing.Bucket != bucketOf("r1") || missing.Instance != instance {
			t.Fatalf("%s = %v, want a MissingBucketError for r1's bucket", what, err)
		}
		if !strings.Contains(err.Error(), path) || (instance != "" && !strings.Contains(err.Error(), `"r1"`)) {
			t.Fatalf("%s: %q does not name %s and the instance", what, err, path)
		}
	}
	e := b.transition(s, "agent", "r1", "ship", approve("alice"), approve("bob"))
	next, out, err := Apply(head, e)
	named(t, "Apply", err, "r1")
	if next.Hash() != head.Hash() || out.Status != "" || len(out.Guards) != 0 {
		t.Fatalf("a failed Apply changed the state or judged the entry: %s %+v", next.Hash(), out)
	}
	reject := e
	reject.Kind = KindReject
	_, _, err = Apply(head, reject)
	named(t, "Apply of a reject entry", err, "r1")
	_, _, err = head.Instance("r1")
	named(t, "Instance", err, "r1")
	_, err = head.InstanceHash("r1")
	named(t, "InstanceHash", err, "r1")
	_, err = head.Instances()
	named(t, "Instances", err, "")
	_, err = head.Snapshot()
	named(t, "Snapshot", err, "")
	withR1, err := head.WithBuckets(snap)
	if err != nil {
		t.Fatal(err)
	}
	after, shipped := full(withR1, e)
	err = CheckInvariants(head, e, shipped, after)
	named(t, "CheckInvariants", err, "r1")
	// Entries that need no bucket still apply.
	if _, out, err := Apply(head, rulesEntry(head, b, "alice", approve("bob"), approve("carol"))); err != nil || out.Status != StatusApplied {
		t.Fatalf("rules entry on a head-only state: %s %s %v", out.Status, out.Reason, err)
	}
}

// TestApplyOnPartlyRestoredStatesNeverPanics applies random streams to
// states restored from a snapshot with a random part of their buckets.
// Apply never panics: it either returns a MissingBucketError and the state
// unchanged, or the same result as on the fully restored state.
func TestApplyOnPartlyRestoredStatesNeverPanics(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	errs := 0
	for round := 0; round < 10; round++ {
		stream := randomStream(rng, 300)
		cut := 100 + rng.Intn(100)
		s := NewState()
		for _, e := range stream[:cut] {
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
			if rng.Intn(2) == 0 {
				some[BucketPath(b)] = snap[BucketPath(b)]
				if lin, ok := snap[LineagePath(b)]; ok {
					some[LineagePath(b)] = lin
				}
			}
		}
		if part, err = part.WithBuckets(some); err != nil {
			t.Fatal(err)
		}
		for i, e := range stream[cut:] {
			want, wantOut := full(s, e)
			next, out, err := Apply(part, e)
			if err != nil {
				var missing *MissingBucketError
				if !errors.As(err, &missing) || next.Hash() != part.Hash() {
					t.Fatalf("round %d entry %d: %v", round, i, err)
				}
				errs++
				if part, err = part.WithBuckets(bucketFiles(snap, part.Needs(e))); err != nil {
					t.Fatal(err)
				}
				if next, out, err = Apply(part, e); err != nil {
					t.Fatalf("round %d entry %d after restoring %v: %v", round, i, part.Needs(e), err)
				}
			}
			if next.Hash() != want.Hash() || out.Status != wantOut.Status || out.Reason != wantOut.Reason {
				t.Fatalf("round %d entry %d: %s %s, want %s %s", round, i, out.Status, next.Hash(), wantOut.Status, want.Hash())
			}
			s, part = want, next
		}
	}
	if errs == 0 {
		t.Fatal("no entry needed a bucket that was not restored: the test proves nothing")
	}
}
