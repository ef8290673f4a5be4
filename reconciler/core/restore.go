package core

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// Restoring a snapshot is explicit, in the manner of raft handing its
// state machine the snapshot in Restore: RestoreHead rebuilds a state from
// the head file alone, with every non-empty bucket recorded (its hash and
// size) but not restored; the caller reads the bucket files a call needs
// (Needs, Missing, SnapshotNeeds, Unrestored name them) and installs them
// with WithBuckets. The core never reads anything itself: a call that
// needs a bucket that was not restored returns a *MissingBucketError.

// MissingBucketError means a state restored from a snapshot head lacks a
// bucket that a call needs. Read the file BucketPath(Bucket) of the
// snapshot the state was restored from and pass it to State.WithBuckets,
// then call again.
type MissingBucketError struct {
	// Bucket is the bucket that was not restored.
	Bucket byte
	// Instance is the instance that was looked up in it, "" when the
	// call needed the whole bucket (Instances, SnapshotSince).
	Instance string
}

func (e *MissingBucketError) Error() string {
	if e.Instance != "" {
		return fmt.Sprintf("instance %q is in snapshot bucket %s, which was not restored: read it from the checkpoint and pass it to State.WithBuckets first",
			e.Instance, BucketPath(e.Bucket))
	}
	return fmt.Sprintf("snapshot bucket %s was not restored: read it from the checkpoint and pass it to State.WithBuckets first", BucketPath(e.Bucket))
}

// restoredHead is what a snapshot's head recorded about each bucket. It is
// fixed once RestoreHead built it and shared by every State derived from
// the restored one.
type restoredHead struct {
	version  int
	want     [256]string
	count    [256]int
	lineages [256]int
}

// bucketSet is a set of bucket numbers.
type bucketSet [4]uint64

func (bs *bucketSet) has(b byte) bool { return bs[b>>6]&(1<<(b&63)) != 0 }
func (bs *bucketSet) set(b byte)      { bs[b>>6] |= 1 << (b & 63) }
func (bs *bucketSet) clear(b byte)    { bs[b>>6] &^= 1 << (b & 63) }

// Restore rebuilds a state from all of its snapshot's files, restoring
// every bucket, and checks it against the hash the snapshot recorded.
func Restore(files SnapshotFiles) (State, error) {
	s, err := RestoreHead(files[SnapshotHead])
	if err != nil {
		return s, err
	}
	if s, err = s.WithBuckets(files); err != nil {
		return s, err
	}
	if missing := s.Unrestored(); len(missing) > 0 {
		return s, fmt.Errorf("restore snapshot: no file %s", BucketPath(missing[0]))
	}
	return s, nil
}

// RestoreHead rebuilds a state from a snapshot's head file and checks that
// the rules, clock, entry count and bucket hashes it records give the
// state hash it records. No bucket is restored: Hash, Len, Rules, Clock
// and Entries answer at once; a call that needs the instances of a bucket
// returns a *MissingBucketError until WithBuckets installed it.
func RestoreHead(head []byte) (State, error) {
	if head == nil {
		return State{}, fmt.Errorf("restore snapshot: %w: no %s", ErrSnapshotFormat, SnapshotHead)
	}
	var version struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(head, &version); err == nil && version.Version != snapshotVersion && version.Version != snapshotVersionV2 {
		return State{}, fmt.Errorf("restore snapshot: %w: version %d, want %d", ErrSnapshotFormat, version.Version, snapshotVersion)
	}
	var h snapshotHead
	dec := json.NewDecoder(bytes.NewReader(head))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return State{}, fmt.Errorf("restore snapshot: %s: %w", SnapshotHead, err)
	}
	if h.Version != snapshotVersion && h.Version != snapshotVersionV2 {
		return State{}, fmt.Errorf("restore snapshot: version %d, want %d", h.Version, snapshotVersion)
	}
	s := NewState()
	if h.Rules != nil {
		hash, err := HashRules(h.Rules)
		if err != nil {
			return State{}, fmt.Errorf("restore snapshot: %w", err)
		}
		s.rules, s.rulesHash, s.versions = h.Rules, hash, newVersionMemo()
	}
	s.clock, s.entries = h.Clock, h.Entries
	if err := checkWaits(h.Waits); err != nil {
		return State{}, fmt.Errorf("restore snapshot: %s: %w", SnapshotHead, err)
	}
	s.waits = newWaitTable(h.Waits)
	rh := &restoredHead{version: h.Version}
	for name, info := range h.Buckets {
		raw, err := hex.DecodeString(name)
		if err != nil || len(raw) != 1 || name != strings.ToLower(name) {
			return State{}, fmt.Errorf("restore snapshot: bucket %q is not two hex digits", name)
		}
		if info.Instances < 1 || !strings.HasPrefix(info.Hash, "sha256:") || info.Hash == emptyBucket ||
			info.Lineages < 0 || info.Lineages > info.Instances || (info.Lineages > 0 && h.Version == snapshotVersionV2) {
			return State{}, fmt.Errorf("restore snapshot: bucket %s: bad hash %q, size %d or lineages %d", name, info.Hash, info.Instances, info.Lineages)
		}
		b := raw[0]
		rh.want[b], rh.count[b], rh.lineages[b] = info.Hash, info.Instances, info.Lineages
		s.unloaded.set(b)
	}
	for g := range s.groups {
		grp := *emptyGroup
		for i := range grp.buckets {
			if b := byte(g<<4 | i); s.unloaded.has(b) {
				grp.buckets[i] = &bucket{hash: rh.want[b]}
			}
		}
		grp.hash = grp.sum()
		s.groups[g] = &grp
	}
	if got := s.Hash(); got != h.Hash {
		return State{}, fmt.Errorf("restore snapshot: rebuilt state hashes to %s, snapshot says %s", got, h.Hash)
	}
	if s.unloaded != (bucketSet{}) {
		s.head = rh
	}
	return s, nil
}

// Missing returns, sorted and once each, the buckets that hold the named
// instances and were not restored yet: the files (BucketPath) to read
// before asking s about those instances.
func (s State) Missing(ids ...string) []byte {
	var set bucketSet
	for _, id := range ids {
		if b := bucketOf(id); s.unloaded.has(b) {
			set.set(b)
		}
	}
	return set.list()
}

// Needs returns the buckets Apply(s, e) needs that were not restored yet:
// the bucket of the instance a transition, goal, reject or withdraw entry
// names (a goal's lineage is an instance record), and that of a wait
// entry's proposal (whose judging reads the instance). Genesis and rules
// entries need none.
func (s State) Needs(e Entry) []byte {
	if (e.Kind != KindTransition && e.Kind != KindGoal && e.Kind != KindReject && e.Kind != KindWithdraw && e.Kind != KindWait && e.Kind != KindTimeout && e.Kind != KindEscalate) || e.Proposal == nil ||
		e.Proposal.Instance == schemas.RulesInstance {
		return nil
	}
	return s.Missing(e.Proposal.Instance)
}

// SnapshotPaths returns the files of the snapshot s was restored from
// that hold bucket b: BucketPath(b), and LineagePath(b) when the bucket
// holds a goal's lineage. Read them all and pass them to WithBuckets.
// Nothing when b was restored already or is empty.
func (s State) SnapshotPaths(b byte) []string {
	if !s.unloaded.has(b) {
		return nil
	}
	if s.head.lineages[b] > 0 {
		return []string{BucketPath(b), LineagePath(b)}
	}
	return []string{BucketPath(b)}
}

// Unrestored returns every bucket that was not restored yet, sorted.
func (s State) Unrestored() []byte {
	return s.unloaded.list()
}

// WithBuckets returns s with the bucket files given installed: files maps
// each of SnapshotPaths(b) (BucketPath(b), and LineagePath(b) for a bucket
// holding a lineage) to the bytes of that file in the snapshot s was
// restored from. Each file is decoded and checked against the hash and size the
// head recorded; the first that does not check is returned as an error
// naming its path. Files of buckets s already holds, or that the head
// recorded as empty, and other paths are ignored. s itself is not
// changed.
func (s State) WithBuckets(files SnapshotFiles) (State, error) {
	for _, b := range s.Unrestored() {
		data, ok := files[BucketPath(b)]
		if !ok {
			continue
		}
		items, err := s.head.decode(b, data, files[LineagePath(b)])
		if err != nil {
			return s, err
		}
		s = s.install(b, items)
	}
	return s, nil
}

// install puts the restored items of bucket b into the instance tree.
func (s State) install(b byte, items []stored) State {
	g := *s.group(int(b >> 4))
	// The items hash to the recorded bucket hash, so no hash changes.
	g.buckets[b&15] = &bucket{hash: g.buckets[b&15].hash, items: items}
	s.groups[b>>4] = &g
	s.unloaded.clear(b)
	if s.unloaded == (bucketSet{}) {
		s.head = nil
	}
	return s
}

// list returns the set's members in order.
func (bs *bucketSet) list() []byte {
	if *bs == (bucketSet{}) {
		return nil
	}
	var out []byte
	for b := range 256 {
		if bs.has(byte(b)) {
			out = append(out, byte(b))
		}
	}
	return out
}

// decode decodes bucket file data of bucket b, with its lineage file
// lins (version 3), and checks them against what the head recorded.
func (rh *restoredHead) decode(b byte, data, lins []byte) ([]stored, error) {
	path := BucketPath(b)
	var insts []snapshotItem
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&insts); err != nil {
		return nil, fmt.Errorf("restore snapshot: %s: %w", path, err)
	}
	if len(insts) != rh.count[b] {
		return nil, fmt.Errorf("restore snapshot: %s holds %d instances, the head says %d", path, len(insts), rh.count[b])
	}
	parts, err := rh.lineagesOf(b, insts, lins)
	if err != nil {
		return nil, err
	}
	items := make([]stored, len(insts))
	for i, in := range insts {
		switch {
		case in.Instance == nil || in.ID == "":
			return nil, fmt.Errorf("restore snapshot: %s: instance %d has no id", path, i)
		case bucketOf(in.ID) != b:
			return nil, fmt.Errorf("restore snapshot: %s: instance %q belongs to another bucket", path, in.ID)
		case i > 0 && in.ID <= insts[i-1].ID:
			return nil, fmt.Errorf("restore snapshot: %s: instances are not sorted by id at %q", path, in.ID)
		}
		// A null keys map reads as empty, as Apply keeps it.
		st, err := storedOf(in, parts[i])
		if err != nil {
			return nil, fmt.Errorf("restore snapshot: %s: %w", path, err)
		}
		items[i] = st
	}
	if got := hashBucket(items); got != rh.want[b] {
		return nil, fmt.Errorf("restore snapshot: %s hashes to %s, the head says %s", path, got, rh.want[b])
	}
	return items, nil
}

// lineagesOf returns the lineage of each item of bucket b (nil for an
// instance that is not a goal's): in version 2 from the items' JSON, in
// version 3 from the bucket's lineage file, which must hold exactly the
// number of lineages the head recorded, each of an item of the bucket.
func (rh *restoredHead) lineagesOf(b byte, insts []snapshotItem, lins []byte) ([]*lineageParts, error) {
	out := make([]*lineageParts, len(insts))
	if rh.version == snapshotVersionV2 {
		for i, in := range insts {
			if in.Lineage != nil {
				p := partsOfJSON(in.Lineage)
				out[i] = &p
			}
		}
		return out, nil
	}
	path := LineagePath(b)
	for _, in := range insts {
		if in.Lineage != nil {
			return nil, fmt.Errorf("restore snapshot: %s: instance %q holds its lineage inline; a version %d snapshot keeps it in %s",
				BucketPath(b), in.ID, snapshotVersion, path)
		}
	}
	if rh.lineages[b] == 0 {
		return out, nil
	}
	if lins == nil {
		return nil, fmt.Errorf("restore snapshot: bucket %s holds %d lineages, but %s was not given", BucketPath(b), rh.lineages[b], path)
	}
	ids, parts, err := decodeLineages(lins)
	if err != nil {
		return nil, fmt.Errorf("restore snapshot: %s: %w", path, err)
	}
	if len(ids) != rh.lineages[b] {
		return nil, fmt.Errorf("restore snapshot: %s holds %d lineages, the head says %d", path, len(ids), rh.lineages[b])
	}
	j := 0
	for k, id := range ids {
		for j < len(insts) && insts[j].Instance != nil && insts[j].ID < id {
			j++
		}
		if j == len(insts) || insts[j].Instance == nil || insts[j].ID != id || out[j] != nil {
			return nil, fmt.Errorf("restore snapshot: %s: lineage %q is not of an instance of %s, or not in order", path, id, BucketPath(b))
		}
		out[j] = &parts[k]
	}
	return out, nil
}
