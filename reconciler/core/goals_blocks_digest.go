package core

import (
	"crypto/sha256"
	"encoding"
	"hash"
)

// A bucket's digest (a leaf of the lineage's block tree) is the SHA-256
// of its events, section by section: the number of claims, then each
// claim's id, blocked task, prerequisite and declarer; the number of
// removals, each removal's block and reason; the number of confirmations,
// each one's block and identity; the same for refutations; every string
// length-prefixed (fields).
//
// Every block event changes one bucket, which must then be hashed whole.
// Most events (confirmations, refutations, removals) leave the claims as
// they were, and confirmations and refutations the removals too: a
// bucket an event made keeps the hash's state after its claims and after
// its removals (bucketSums), and the next event's digest resumes from the
// last section it left unchanged instead of encoding and hashing the
// bucket's claims (most of its bytes) again.

// bucketSums is a bucket's digest and the hash's states after its claims
// and after its removals (sha256's MarshalBinary). Never changed once a
// bucket holds it.
type bucketSums struct {
	digest                   [32]byte
	afterAdded, afterRemoved []byte
}

func encodeClaim(f fields, c BlockClaim) fields {
	return f.str(c.ID).str(c.Blocked).str(c.Prerequisite).str(c.Declarer)
}

func encodeRemoval(f fields, r BlockRemoval) fields { return f.str(r.Block).str(string(r.Reason)) }

func encodeVote(f fields, v BlockVote) fields { return f.str(v.Block).str(v.Identity) }

// bucketDigest hashes bucket i of the set (all zero for an empty one).
func (s BlockSet) bucketDigest(i int) [32]byte {
	b := s.buckets.at(i)
	switch {
	case b == nil:
		return [32]byte{}
	case b.sums != nil:
		return b.sums.digest
	}
	return b.sumsAfter(nil).digest
}

// sumsAfter hashes b, a bucket made from prev by one event (nil: hash it
// whole), resuming from prev's state after the last section the event
// left unchanged.
func (b *blockBucket) sumsAfter(prev *blockBucket) *bucketSums {
	h := sha256.New()
	f := make(fields, 0, 4096)
	flush := func() {
		h.Write(f)
		f = f[:0]
	}
	write := func(e fields) {
		if f = e; len(f) > 3072 {
			flush()
		}
	}
	out := &bucketSums{}
	sameAdded := prev != nil && prev.sums != nil && sameItems(prev.added, b.added)
	if sameAdded && sameItems(prev.removed, b.removed) && resume(h, prev.sums.afterRemoved) {
		out.afterAdded, out.afterRemoved = prev.sums.afterAdded, prev.sums.afterRemoved
	} else {
		if sameAdded && resume(h, prev.sums.afterAdded) {
			out.afterAdded = prev.sums.afterAdded
		} else {
			h.Reset()
			f = f.num(int64(len(b.added)))
			for _, c := range b.added {
				write(encodeClaim(f, c))
			}
			flush()
			out.afterAdded = state(h)
		}
		f = f.num(int64(len(b.removed)))
		for _, r := range b.removed {
			write(encodeRemoval(f, r))
		}
		flush()
		out.afterRemoved = state(h)
	}
	f = f.num(int64(len(b.confirmed)))
	for _, v := range b.confirmed {
		write(encodeVote(f, v))
	}
	f = f.num(int64(len(b.refuted)))
	for _, v := range b.refuted {
		write(encodeVote(f, v))
	}
	flush()
	h.Sum(out.digest[:0])
	return out
}

// sameItems reports whether a and b are one slice (the event left the
// section as it was: insertSorted copies what it changes).
func sameItems[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// state returns h's state (sha256 marshals it).
func state(h hash.Hash) []byte {
	b, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil // never for sha256; resume then refuses it
	}
	return b
}

// resume sets h to a state state returned, and reports whether it could.
func resume(h hash.Hash, st []byte) bool {
	return st != nil && h.(encoding.BinaryUnmarshaler).UnmarshalBinary(st) == nil
}
