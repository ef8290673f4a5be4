package core

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/writ-dev/writ/schemas"
)

// blockIdentityDomain separates block ids from task ids and every other
// hash writ records.
const blockIdentityDomain = "writ/block/v1"

// BlockID returns the id of the claim "task blocked waits for task
// prerequisite": "sha256:<hex>" of the canonical JSON of
// {"blocked":blocked,"domain":"writ/block/v1","prerequisite":prerequisite}.
// The declarer is not part of it, so two identities declaring the same
// block make one block with two declarers. Pure; never fails (both are
// strings).
func BlockID(blocked, prerequisite string) string {
	if plainJSON(blocked) && plainJSON(prerequisite) {
		// The canonical JSON written directly: the same bytes, without
		// a marshal and decode per block (restoring a lineage computes
		// one per block).
		b := make([]byte, 0, 64+len(blocked)+len(prerequisite))
		b = append(b, `{"blocked":"`...)
		b = append(b, blocked...)
		b = append(b, `","domain":"`+blockIdentityDomain+`","prerequisite":"`...)
		b = append(b, prerequisite...)
		b = append(b, `"}`...)
		return schemas.HashBytes(b)
	}
	b, err := schemas.CanonicalJSON(map[string]string{"blocked": blocked, "domain": blockIdentityDomain, "prerequisite": prerequisite})
	if err != nil { // strings always encode; keep the function total anyway
		return ""
	}
	return schemas.HashBytes(b)
}

// plainJSON reports whether s is printable ASCII without '"' or '\\':
// JSON writes it as it is, between quotes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// BlockClaim is one declaration: Declarer says Blocked waits for
// Prerequisite. ID is BlockID(Blocked, Prerequisite).
type BlockClaim struct {
	ID           string `json:"id"`
	Blocked      string `json:"blocked"`
	Prerequisite string `json:"prerequisite"`
	Declarer     string `json:"declarer"`
}

// BlockVote is one confirmation or refutation of block Block by Identity.
type BlockVote struct {
	Block    string `json:"block"`
	Identity string `json:"identity"`
}

// RemovalReason says why a block left the active set.
type RemovalReason string

// The reasons a block is removed.
const (
	// Resolved: the prerequisite was done and the block lifted.
	Resolved RemovalReason = "resolved"
	// Dismissed: the claim was refuted (the blocked task was completed).
	Dismissed RemovalReason = "dismissed"
)

// BlockRemoval records that block Block was removed, and why.
type BlockRemoval struct {
	Block  string        `json:"block"`
	Reason RemovalReason `json:"reason"`
}

// BlockSet is the block state of a lineage as a two-phase set: Added
// holds the declared claims, Removed the resolved or dismissed block ids,
// and a block is active when it was added and never removed. Beside the
// two phases it keeps the confirmations and refutations, each a grow-only
// set of (block, identity), so the quorum is counted from sets and not
// from the order events arrived in.
//
// Every set is sorted and without duplicates, and every method returns a
// new value sharing nothing mutable with the receiver (only parts no
// method ever writes), so a BlockSet can be kept, compared and merged
// freely. Events about a block not declared yet (a confirmation, a
// removal) are kept: another branch may carry the declaration, and the
// merge of all branches must not depend on which arrived first. The zero
// value is the empty set. No method panics, whatever its input.
//
// The events are held in blockBuckets buckets by block id, copied on
// write, so recording an event copies one bucket and the bucket table,
// not the whole set (30,000 events in a fraction of a second).
type BlockSet struct {
	buckets slots[*blockBucket] // a nil bucket: empty; never written once shared
}

// blockBuckets is how many buckets a BlockSet spreads its blocks over.
const blockBuckets = 256

// blockBucket holds the events of the blocks whose id falls in it.
type blockBucket struct {
	added     []BlockClaim   // sorted by (ID, Declarer)
	removed   []BlockRemoval // sorted by (Block, Reason)
	confirmed []BlockVote    // sorted by (Block, Identity)
	refuted   []BlockVote    // sorted by (Block, Identity)
	// sums is its digest, kept by a bucket an event made (see
	// bucketSums); nil for one restored or merged.
	sums *bucketSums
}

// blockBucketOf is the bucket of block id: FNV-1a of the id, so any
// string (not only a well-formed id) has one.
func blockBucketOf(id string) int {
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		h ^= uint32(id[i])
		h *= 16777619
	}
	return int(h % blockBuckets)
}

// bucket returns the bucket of block id (the empty bucket when none).
func (s BlockSet) bucket(id string) blockBucket {
	b := s.buckets.at(blockBucketOf(id))
	if b == nil {
		return blockBucket{}
	}
	return *b
}

// with returns the set with the bucket of block id replaced by edit's
// result, or s itself when edit changed nothing. Only the table and that
// bucket are new.
func (s BlockSet) with(id string, edit func(b blockBucket) (blockBucket, bool)) BlockSet {
	prev := s.bucket(id)
	nb, changed := edit(prev)
	if !changed {
		return s
	}
	nb.sums = nb.sumsAfter(&prev)
	return BlockSet{buckets: s.buckets.set(blockBucketOf(id), &nb)}
}

func cmpClaim(a, b BlockClaim) int {
	return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Declarer, b.Declarer))
}

func cmpRemoval(a, b BlockRemoval) int {
	return cmp.Or(cmp.Compare(a.Block, b.Block), cmp.Compare(a.Reason, b.Reason))
}

func cmpVote(a, b BlockVote) int {
	return cmp.Or(cmp.Compare(a.Block, b.Block), cmp.Compare(a.Identity, b.Identity))
}

// insertSorted returns a new slice with x added to sorted s, and true; or
// s itself and false when x is already there (s is never written).
func insertSorted[T any](s []T, x T, c func(T, T) int) ([]T, bool) {
	i, found := slices.BinarySearchFunc(s, x, c)
	if found {
		return s, false
	}
	out := make([]T, 0, len(s)+1)
	out = append(out, s[:i]...)
	out = append(out, x)
	return append(out, s[i:]...), true
}

// unionSorted returns the sorted union of two sorted, duplicate-free
// slices in a new slice.
func unionSorted[T any](a, b []T, c func(T, T) int) []T {
	out := make([]T, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch d := c(a[i], b[j]); {
		case d < 0:
			out = append(out, a[i])
			i++
		case d > 0:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// Declare returns the set with the claim "blocked waits for prerequisite,
// says declarer" added, and the block's id. Declaring a block again (by
// anyone) is idempotent for its state; declaring a removed block keeps it
// removed (a stale branch cannot revive it). An empty task id or declarer
// is refused with ErrBlockEvent and the set returned unchanged.
func (s BlockSet) Declare(blocked, prerequisite, declarer string) (BlockSet, string, error) {
	if blocked == "" || prerequisite == "" || declarer == "" {
		return s, "", fmt.Errorf("%w: declare needs the blocked task, the prerequisite task and the declarer (got %q, %q, %q)", ErrBlockEvent, blocked, prerequisite, declarer)
	}
	id := BlockID(blocked, prerequisite)
	c := BlockClaim{ID: id, Blocked: blocked, Prerequisite: prerequisite, Declarer: declarer}
	return s.with(id, func(b blockBucket) (blockBucket, bool) {
		var ok bool
		b.added, ok = insertSorted(b.added, c, cmpClaim)
		return b, ok
	}), id, nil
}

// Remove returns the set with block id removed for reason (Resolved or
// Dismissed); removal is permanent. Any other reason, or an empty id, is
// refused with ErrBlockEvent and the set returned unchanged.
func (s BlockSet) Remove(id string, reason RemovalReason) (BlockSet, error) {
	if id == "" || (reason != Resolved && reason != Dismissed) {
		return s, fmt.Errorf("%w: remove needs a block id and a reason %q or %q (got %q, %q)", ErrBlockEvent, Resolved, Dismissed, id, reason)
	}
	return s.with(id, func(b blockBucket) (blockBucket, bool) {
		var ok bool
		b.removed, ok = insertSorted(b.removed, BlockRemoval{Block: id, Reason: reason}, cmpRemoval)
		return b, ok
	}), nil
}

// Confirm returns the set with identity's confirmation of block id. It
// records even a confirmation that will not count (the declarer's own,
// one on a removed block) so that the result does not depend on event
// order; Confirmations counts only those that do. CheckConfirm is the
// guard to refuse one at apply time.
func (s BlockSet) Confirm(id, identity string) (BlockSet, error) {
	if id == "" || identity == "" {
		return s, fmt.Errorf("%w: confirm needs a block id and an identity (got %q, %q)", ErrBlockEvent, id, identity)
	}
	return s.with(id, func(b blockBucket) (blockBucket, bool) {
		var ok bool
		b.confirmed, ok = insertSorted(b.confirmed, BlockVote{Block: id, Identity: identity}, cmpVote)
		return b, ok
	}), nil
}

// Refute returns the set with identity's refutation of block id (the
// identity says it completed the blocked task).
func (s BlockSet) Refute(id, identity string) (BlockSet, error) {
	if id == "" || identity == "" {
		return s, fmt.Errorf("%w: refute needs a block id and an identity (got %q, %q)", ErrBlockEvent, id, identity)
	}
	return s.with(id, func(b blockBucket) (blockBucket, bool) {
		var ok bool
		b.refuted, ok = insertSorted(b.refuted, BlockVote{Block: id, Identity: identity}, cmpVote)
		return b, ok
	}), nil
}

// Merge returns the union of s and o, phase by phase: the join of the
// 2P-set. It is commutative, associative and idempotent, so branches
// merged in any order and any grouping give one state and one Hash.
// Buckets only one side holds are shared, not copied.
func (s BlockSet) Merge(o BlockSet) BlockSet {
	switch {
	case o.buckets.isZero() || o.buckets.same(s.buckets):
		return s
	case s.buckets.isZero():
		return o
	}
	var table [blockBuckets]*blockBucket
	for i, a := range s.buckets.all {
		b := o.buckets.at(i)
		switch {
		case b == nil || a == b:
			table[i] = a
		case a == nil:
			table[i] = b
		default:
			table[i] = &blockBucket{
				added:     unionSorted(a.added, b.added, cmpClaim),
				removed:   unionSorted(a.removed, b.removed, cmpRemoval),
				confirmed: unionSorted(a.confirmed, b.confirmed, cmpVote),
				refuted:   unionSorted(a.refuted, b.refuted, cmpVote),
			}
		}
	}
	return BlockSet{buckets: slotsOf(&table)}
}

// blockSetOf builds the set holding every event of j at once, equal to
// declaring, confirming, refuting and removing them one by one (each
// bucket sorted and made duplicate-free once). An event with an empty
// field is refused with ErrBlockEvent, as the one-by-one methods do.
// Restoring a snapshot uses it: a claim's id is taken as the snapshot
// holds it, not recomputed (BlockID) for every block, since the bucket
// hash restore checks covers it, and Declare computed it. The set may
// keep j's arrays: j must not be changed afterwards.
func blockSetOf(j blockSetJSON) (BlockSet, error) {
	if len(j.Added)+len(j.Removed)+len(j.Confirmed)+len(j.Refuted) == 0 {
		return BlockSet{}, nil
	}
	for _, c := range j.Added {
		if c.ID == "" || c.Blocked == "" || c.Prerequisite == "" || c.Declarer == "" {
			return BlockSet{}, fmt.Errorf("%w: a claim lacks its id, blocked task, prerequisite or declarer", ErrBlockEvent)
		}
	}
	for _, r := range j.Removed {
		if r.Block == "" || (r.Reason != Resolved && r.Reason != Dismissed) {
			return BlockSet{}, fmt.Errorf("%w: a removal lacks its block or a reason %q or %q", ErrBlockEvent, Resolved, Dismissed)
		}
	}
	for _, votes := range [][]BlockVote{j.Confirmed, j.Refuted} {
		for _, v := range votes {
			if v.Block == "" || v.Identity == "" {
				return BlockSet{}, fmt.Errorf("%w: a vote lacks its block or identity", ErrBlockEvent)
			}
		}
	}
	var table [blockBuckets]*blockBucket
	buckets := make([]blockBucket, blockBuckets)
	added := partition(j.Added, func(c BlockClaim) string { return c.ID }, cmpClaim)
	removed := partition(j.Removed, func(r BlockRemoval) string { return r.Block }, cmpRemoval)
	confirmed := partition(j.Confirmed, func(v BlockVote) string { return v.Block }, cmpVote)
	refuted := partition(j.Refuted, func(v BlockVote) string { return v.Block }, cmpVote)
	for i := range table {
		b := blockBucket{added: added[i], removed: removed[i], confirmed: confirmed[i], refuted: refuted[i]}
		if b.added != nil || b.removed != nil || b.confirmed != nil || b.refuted != nil {
			buckets[i] = b
			table[i] = &buckets[i]
		}
	}
	return BlockSet{buckets: slotsOf(&table)}, nil
}

// partition spreads events over the buckets of their block ids (key),
// each bucket sorted by c and free of duplicates. Events already in the
// set's order (by bucket, sorted by c within one), as a lineage file
// holds them, are sliced in place; others are copied into one array.
// Every bucket is capped, so a later append copies.
func partition[T any](events []T, key func(T) string, c func(T, T) int) [blockBuckets][]T {
	var out [blockBuckets][]T
	if len(events) == 0 {
		return out
	}
	at := make([]uint8, len(events))
	ordered := true
	for k, e := range events {
		at[k] = uint8(blockBucketOf(key(e)))
		if k > 0 && (at[k] < at[k-1] || at[k] == at[k-1] && c(events[k-1], e) >= 0) {
			ordered = false
		}
	}
	if ordered {
		for lo := 0; lo < len(events); {
			hi := lo + 1
			for hi < len(events) && at[hi] == at[lo] {
				hi++
			}
			out[at[lo]] = events[lo:hi:hi]
			lo = hi
		}
		return out
	}
	var counts [blockBuckets]int
	for _, b := range at {
		counts[b]++
	}
	all := make([]T, len(events))
	off := 0
	for i, n := range counts {
		if n > 0 {
			out[i] = all[off : off : off+n]
		}
		off += n
	}
	for k, e := range events {
		out[at[k]] = append(out[at[k]], e)
	}
	for i, b := range out {
		if len(b) == 0 {
			continue
		}
		slices.SortFunc(b, c)
		b = slices.CompactFunc(b, func(x, y T) bool { return c(x, y) == 0 })
		out[i] = b[:len(b):len(b)]
	}
	return out
}
