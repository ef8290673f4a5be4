package core

import (
	"crypto/sha256"
	"fmt"
	"math/rand"
	"testing"
)

// TestBucketDigestResumes: the digest a bucket an event made keeps, which
// resumes the hash after the sections the event left unchanged, is the
// digest of hashing its events whole, after every kind of event in any
// order; a restored set hashes the same; and a set an event was recorded
// on keeps its own digests.
func TestBucketDigestResumes(t *testing.T) {
	whole := func(s BlockSet) (out [256][32]byte) {
		for i := range 256 {
			if b := s.buckets.at(i); b != nil {
				out[i] = eventsDigest(b)
			}
		}
		return out
	}
	kept := func(s BlockSet) (out [256][32]byte) {
		for i := range 256 {
			out[i] = s.bucketDigest(i)
		}
		return out
	}
	for seed := range int64(20) {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			var s BlockSet
			var ids []string
			type step struct {
				set     BlockSet
				digests [256][32]byte
			}
			var history []step
			resumed := 0
			for range 400 {
				var err error
				if s, err = randomBlockEvent(rng, rng.Intn(4), s, &ids, 60); err != nil {
					continue // a refused event (a self-confirmation) changes nothing
				}
				if got, want := kept(s), whole(s); got != want {
					t.Fatalf("after event %d: a bucket's kept digest is not its events hashed whole", len(history))
				}
				for i := range 256 {
					if b := s.buckets.at(i); b != nil && b.sums != nil && len(b.added) > 0 && len(b.confirmed)+len(b.refuted)+len(b.removed) > 0 {
						resumed++
					}
				}
				history = append(history, step{s, kept(s)})
			}
			if resumed == 0 {
				t.Fatal("no bucket had claims and later events: the test shows nothing")
			}
			restored, err := blockSetOf(s.lists())
			if err != nil {
				t.Fatal(err)
			}
			if kept(restored) != kept(s) {
				t.Fatal("the restored set hashes differently from the one its events built")
			}
			for k, h := range history {
				if kept(h.set) != h.digests {
					t.Fatalf("the set after event %d changed its digests later", k)
				}
			}
		})
	}
}

// eventsDigest is a bucket's digest as the code before bucketSums wrote
// it: every section encoded and hashed from the start.
func eventsDigest(b *blockBucket) [32]byte {
	var f fields
	f = f.num(int64(len(b.added)))
	for _, c := range b.added {
		f = f.str(c.ID).str(c.Blocked).str(c.Prerequisite).str(c.Declarer)
	}
	f = f.num(int64(len(b.removed)))
	for _, r := range b.removed {
		f = f.str(r.Block).str(string(r.Reason))
	}
	f = f.num(int64(len(b.confirmed)))
	for _, v := range b.confirmed {
		f = f.str(v.Block).str(v.Identity)
	}
	f = f.num(int64(len(b.refuted)))
	for _, v := range b.refuted {
		f = f.str(v.Block).str(v.Identity)
	}
	return sha256.Sum256(f)
}

// randomBlockEvent records on s event op (0: a declaration, and whenever
// ids is empty; 1: a confirmation; 2: a refutation; 3: a removal) with
// random tasks (of tasks), blocks (of ids, which a declaration extends)
// and identities.
func randomBlockEvent(rng *rand.Rand, op int, s BlockSet, ids *[]string, tasks int) (BlockSet, error) {
	who := []string{"ann", "bob", "cat", "dan"}
	var err error
	switch {
	case op == 0 || len(*ids) == 0:
		var id string
		n := rng.Intn(tasks)
		s, id, err = s.Declare(fmt.Sprintf("t%d", n), fmt.Sprintf("t%dp%d", n, rng.Intn(3)), who[rng.Intn(len(who))])
		*ids = append(*ids, id)
	case op == 1:
		s, err = s.Confirm((*ids)[rng.Intn(len(*ids))], who[rng.Intn(len(who))])
	case op == 2:
		s, err = s.Refute((*ids)[rng.Intn(len(*ids))], who[rng.Intn(len(who))])
	default:
		s, err = s.Remove((*ids)[rng.Intn(len(*ids))], []RemovalReason{Resolved, Dismissed}[rng.Intn(2)])
	}
	return s, err
}
