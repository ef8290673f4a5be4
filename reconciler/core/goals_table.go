package core

import (
	"crypto/sha256"
	"slices"
	"strconv"
	"strings"
)

// A lineage keeps its tasks and its block facts in tables: 256 buckets
// (by blockBucketOf of the key) copied on write, each with a cached hash,
// folded as 16 groups of 16 into one root. Changing one record copies its
// bucket and the hash tree (a few kilobytes), never the whole table, and
// rehashes one bucket, one group and the root: the cost of a goal entry
// does not grow with the size of its lineage.

// hashTree is the Merkle tree over a table's 256 bucket hashes (all zero
// for an empty bucket). A tree is never changed once shared: set returns
// a new one.
type hashTree struct {
	leaves slots[[32]byte]
	groups [16][32]byte
	root   [32]byte
}

// set returns a copy of t (nil: the empty tree) with leaf i replaced.
func (t *hashTree) set(i int, h [32]byte) *hashTree {
	var n hashTree
	if t != nil {
		n = *t
	}
	n.leaves = n.leaves.set(i, h)
	g := i >> 4
	n.groups[g] = sum16(n.leaves.group(g))
	n.root = sum16(&n.groups)
	return &n
}

// rootOf returns t's root, all zero for the empty tree.
func (t *hashTree) rootOf() [32]byte {
	if t == nil {
		return [32]byte{}
	}
	return t.root
}

// sum16 is the SHA-256 of 16 hashes one after another.
func sum16(hs *[16][32]byte) [32]byte {
	var b [16 * 32]byte
	for i, h := range hs {
		copy(b[i*32:], h[:])
	}
	return sha256.Sum256(b[:])
}

// record is what a table holds: a keyed value with a digest of its
// content (the hash of an unambiguous encoding).
type record interface {
	key() string
	digest() [32]byte
}

// table is an immutable map of records by key, sorted within buckets.
type table[T record] struct {
	buckets slots[[]T]
	tree    *hashTree
}

func (t table[T]) bucket(i int) []T { return t.buckets.at(i) }

func (t table[T]) search(items []T, key string) (int, bool) {
	return slices.BinarySearchFunc(items, key, func(x T, k string) int { return strings.Compare(x.key(), k) })
}

// get returns the record with key, if any.
func (t table[T]) get(key string) (T, bool) {
	items := t.bucket(blockBucketOf(key))
	if i, ok := t.search(items, key); ok {
		return items[i], true
	}
	var zero T
	return zero, false
}

// put returns the table with x stored under x.key(), replacing any record
// with that key; t is not changed.
func (t table[T]) put(x T) table[T] {
	i := blockBucketOf(x.key())
	prev := t.bucket(i)
	j, found := t.search(prev, x.key())
	var items []T
	if found {
		items = slices.Clone(prev)
	} else {
		items = make([]T, len(prev)+1)
		copy(items, prev[:j])
		copy(items[j+1:], prev[j:])
	}
	items[j] = x
	return table[T]{buckets: t.buckets.set(i, items), tree: t.tree.set(i, bucketSum(items))}
}

// bucketSum is a bucket's leaf in the hash tree: the hash of its records'
// digests in key order.
func bucketSum[T record](items []T) [32]byte {
	h := sha256.New()
	for _, it := range items {
		d := it.digest()
		h.Write(d[:])
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// all returns every record, sorted by key.
func (t table[T]) all() []T {
	out := t.unsorted()
	slices.SortFunc(out, func(a, b T) int { return strings.Compare(a.key(), b.key()) })
	return out
}

// unsorted returns every record in a new slice, in bucket order: for a
// caller that sorts them its own way.
func (t table[T]) unsorted() []T {
	if t.buckets.isZero() {
		return nil
	}
	out := make([]T, 0, t.size())
	for _, b := range t.buckets.all {
		out = append(out, b...)
	}
	return out
}

// refs returns a pointer to every record, in bucket order, for a reader
// that must not change them: a slice of pointers rather than a copy of
// the records.
func (t table[T]) refs() []*T {
	out := make([]*T, 0, t.size())
	for _, b := range t.buckets.all {
		for i := range b {
			out = append(out, &b[i])
		}
	}
	return out
}

// size returns the number of records.
func (t table[T]) size() int {
	n := 0
	for _, b := range t.buckets.all {
		n += len(b)
	}
	return n
}

// fields encodes strings unambiguously (each length-prefixed) for a
// record's digest.
type fields []byte

func (f fields) str(s string) fields {
	f = strconv.AppendInt(f, int64(len(s)), 10)
	f = append(f, ':')
	return append(f, s...)
}

func (f fields) strs(ss []string) fields {
	f = strconv.AppendInt(f, int64(len(ss)), 10)
	f = append(f, '[')
	for _, s := range ss {
		f = f.str(s)
	}
	return f
}

func (f fields) num(n int64) fields {
	f = strconv.AppendInt(f, n, 10)
	return append(f, ';')
}

func (f fields) hlc(h HLC) fields { return f.num(h.Wall).num(int64(h.Logical)) }

func (f fields) sum() [32]byte { return sha256.Sum256(f) }

// tableOf builds a table holding items at once (of equal keys the first
// is kept), equal to putting them one by one: each bucket is sorted and
// hashed once and the tree built once, where putting the items one by one
// would copy the bucket array and the tree per item. Restoring a snapshot
// uses it. Items already in table order (unsorted's: by bucket, sorted
// by key within one), as a lineage file holds them, become the table's
// buckets in place: the table owns items then.
func tableOf[T record](items []T) table[T] {
	if len(items) == 0 {
		return table[T]{}
	}
	at := make([]uint8, len(items))
	for k, it := range items {
		at[k] = uint8(blockBucketOf(it.key()))
	}
	var bs [256][]T
	if inTableOrder(items, at) {
		for lo := 0; lo < len(items); {
			hi := lo + 1
			for hi < len(items) && at[hi] == at[lo] {
				hi++
			}
			bs[at[lo]] = items[lo:hi:hi]
			lo = hi
		}
	} else {
		// Each bucket gets its exact share of one array: no bucket grows.
		var counts [256]int
		for _, b := range at {
			counts[b]++
		}
		all := make([]T, len(items))
		off := 0
		for i, n := range counts {
			bs[i] = all[off : off : off+n]
			off += n
		}
		for k, it := range items {
			bs[at[k]] = append(bs[at[k]], it)
		}
		byKey := func(x, y T) int { return strings.Compare(x.key(), y.key()) }
		for i, b := range bs {
			if len(b) > 0 {
				if !slices.IsSortedFunc(b, byKey) {
					slices.SortStableFunc(b, byKey)
				}
				bs[i] = slices.CompactFunc(b, func(x, y T) bool { return x.key() == y.key() })
			}
		}
	}
	var leaves [256][32]byte
	for i, b := range bs {
		if len(b) > 0 {
			leaves[i] = bucketSum(b)
		}
	}
	return table[T]{buckets: slotsOf(&bs), tree: treeOf(&leaves)}
}

// inTableOrder reports whether items, whose buckets are at, are in table
// order: buckets ascending, keys strictly ascending within a bucket.
func inTableOrder[T record](items []T, at []uint8) bool {
	for k := 1; k < len(items); k++ {
		if at[k] < at[k-1] || at[k] == at[k-1] && items[k].key() <= items[k-1].key() {
			return false
		}
	}
	return true
}

// treeOf returns the tree with these leaves, equal to setting each
// non-zero leaf in turn on the empty tree (nil when every leaf is zero),
// with each group and the root hashed once.
func treeOf(leaves *[256][32]byte) *hashTree {
	tree := hashTree{leaves: slotsOf(leaves)}
	any := false
	for g := range tree.groups {
		// A group no put ever touched stays all zero, as set leaves it.
		group := tree.leaves.group(g)
		if slices.ContainsFunc(group[:], func(h [32]byte) bool { return h != [32]byte{} }) {
			tree.groups[g] = sum16(group)
			any = true
		}
	}
	if !any {
		return nil
	}
	tree.root = sum16(&tree.groups)
	return &tree
}
