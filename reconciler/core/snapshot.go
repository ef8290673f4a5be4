package core

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/writ-dev/writ/schemas"
)

// A snapshot is a set of files, so a checkpoint can be read in part and
// rewritten only where it changed:
//
//	head.json            version, state hash, rules, clock, entry count, and
//	                     the hash and size of every non-empty bucket
//	buckets/<xx>.json    the instances of bucket xx (two hex digits), sorted
//	                     by id, one JSON array
//
// Restoring reads only head.json; a bucket is read the first time one of
// its instances is needed. The head's bucket hashes are the leaves of the
// state hash's Merkle tree, so the head alone proves the state hash, and
// each bucket is checked against its leaf when it is read. The cost of
// restoring, and of writing the next snapshot after a few entries, does
// not grow with the number of instances or the length of the history.

// snapshotVersion is the format version of a snapshot.
const snapshotVersion = 2

// SnapshotHead is the path of a snapshot's head file.
const SnapshotHead = "head.json"

// ErrSnapshotFormat means a snapshot is not in this version's format (a
// checkpoint written by an older writ): it cannot be restored, and the
// state must be replayed instead.
var ErrSnapshotFormat = errors.New("snapshot in another format")

// SnapshotFiles are a snapshot's files by slash-separated path.
type SnapshotFiles map[string][]byte

// snapshotHead is the content of head.json.
type snapshotHead struct {
	Version int             `json:"version"`
	Hash    string          `json:"hash"`
	Rules   *schemas.Bundle `json:"rules"`
	Clock   Stamp           `json:"clock"`
	Entries uint64          `json:"entries"`
	// Buckets maps the hex index of every non-empty bucket to its hash
	// and its number of instances.
	Buckets map[string]bucketInfo `json:"buckets"`
}

type bucketInfo struct {
	Hash      string `json:"hash"`
	Instances int    `json:"instances"`
}

// BucketOf returns the bucket that holds instance id: the first byte of
// the SHA-256 of the id.
func BucketOf(id string) byte { return bucketOf(id) }

// BucketPath returns the snapshot path of bucket b.
func BucketPath(b byte) string { return "buckets/" + hex.EncodeToString([]byte{b}) + ".json" }

// Snapshot returns every file of the state's snapshot. The bytes are
// deterministic for a given state.
func (s State) Snapshot() (SnapshotFiles, error) {
	files, _, err := s.SnapshotSince(nil)
	return files, err
}

// SnapshotSince returns the files of the state's snapshot that differ from
// the snapshot whose head file is prev: the head, every bucket whose hash
// changed, and (deleted) the buckets that are now empty. With a nil or
// unreadable prev it returns every file. Buckets not loaded from a
// restored snapshot are read if they changed; a read failure is returned.
func (s State) SnapshotSince(prev []byte) (files SnapshotFiles, deleted []string, err error) {
	var old map[string]bucketInfo
	if prev != nil {
		var h snapshotHead
		if json.Unmarshal(prev, &h) == nil && h.Version == snapshotVersion {
			old = h.Buckets
		}
	}
	head := snapshotHead{Version: snapshotVersion, Hash: s.Hash(), Rules: s.rules, Clock: s.clock, Entries: s.entries,
		Buckets: map[string]bucketInfo{}}
	files = SnapshotFiles{}
	for i := range 256 {
		b := byte(i)
		name := hex.EncodeToString([]byte{b})
		was, existed := old[name]
		hash := s.bucket(b).hash
		if hash == emptyBucket {
			if existed {
				deleted = append(deleted, BucketPath(b))
			}
			continue
		}
		if s.unloaded.has(b) {
			// Not read since the restore, so unchanged since: written only
			// if prev is another snapshot.
			head.Buckets[name] = bucketInfo{Hash: hash, Instances: s.lazy.count[b]}
			if existed && was == head.Buckets[name] {
				continue
			}
		}
		insts, err := s.bucketInstances(b)
		if err != nil {
			return nil, nil, fmt.Errorf("snapshot: %w", err)
		}
		head.Buckets[name] = bucketInfo{Hash: hash, Instances: len(insts)}
		if existed && was == head.Buckets[name] {
			continue
		}
		data, err := encodeJSON(insts)
		if err != nil {
			return nil, nil, fmt.Errorf("snapshot: bucket %s: %w", name, err)
		}
		files[BucketPath(b)] = data
	}
	data, err := encodeJSON(head)
	if err != nil {
		return nil, nil, fmt.Errorf("snapshot: %w", err)
	}
	files[SnapshotHead] = data
	return files, deleted, nil
}

// bucketInstances returns copies of the instances of bucket b, sorted by
// id.
func (s State) bucketInstances(b byte) ([]*Instance, error) {
	items := s.bucket(b).items
	if s.unloaded.has(b) {
		var err error
		if items, err = s.lazy.bucket(b); err != nil {
			return nil, err
		}
	}
	out := make([]*Instance, len(items))
	for i, st := range items {
		out[i] = st.instance()
	}
	return out, nil
}

func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Restore rebuilds a state from all of its snapshot's files, reading
// every bucket, and checks it against the hash the snapshot recorded.
func Restore(files SnapshotFiles) (State, error) {
	s, err := RestoreLazy(files[SnapshotHead], func(path string) ([]byte, error) {
		data, ok := files[path]
		if !ok {
			return nil, fmt.Errorf("no file %s", path)
		}
		return data, nil
	})
	if err != nil {
		return s, err
	}
	return s.Load()
}

// RestoreLazy rebuilds a state from a snapshot's head file and checks that
// the rules, clock, entry count and bucket hashes it records give the
// state hash it records. Buckets are read through read (called with
// BucketPath) the first time they are needed, and checked against their
// recorded hash then. Call Preload or Load to get a failing read as an
// error; a State method that needs a bucket that cannot be read panics.
func RestoreLazy(head []byte, read func(path string) ([]byte, error)) (State, error) {
	if head == nil {
		return State{}, fmt.Errorf("restore snapshot: %w: no %s", ErrSnapshotFormat, SnapshotHead)
	}
	var version struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(head, &version); err == nil && version.Version != snapshotVersion {
		return State{}, fmt.Errorf("restore snapshot: %w: version %d, want %d", ErrSnapshotFormat, version.Version, snapshotVersion)
	}
	var h snapshotHead
	dec := json.NewDecoder(bytes.NewReader(head))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return State{}, fmt.Errorf("restore snapshot: %s: %w", SnapshotHead, err)
	}
	if h.Version != snapshotVersion {
		return State{}, fmt.Errorf("restore snapshot: version %d, want %d", h.Version, snapshotVersion)
	}
	s := NewState()
	if h.Rules != nil {
		hash, err := HashRules(h.Rules)
		if err != nil {
			return State{}, fmt.Errorf("restore snapshot: %w", err)
		}
		s.rules, s.rulesHash = h.Rules, hash
	}
	s.clock, s.entries = h.Clock, h.Entries
	src := &lazySource{read: read}
	for name, info := range h.Buckets {
		raw, err := hex.DecodeString(name)
		if err != nil || len(raw) != 1 || name != strings.ToLower(name) {
			return State{}, fmt.Errorf("restore snapshot: bucket %q is not two hex digits", name)
		}
		if info.Instances < 1 || !strings.HasPrefix(info.Hash, "sha256:") || info.Hash == emptyBucket {
			return State{}, fmt.Errorf("restore snapshot: bucket %s: bad hash %q or size %d", name, info.Hash, info.Instances)
		}
		b := raw[0]
		src.want[b], src.count[b] = info.Hash, info.Instances
		s.unloaded.set(b)
	}
	for g := range s.groups {
		grp := *emptyGroup
		for i := range grp.buckets {
			if b := byte(g<<4 | i); s.unloaded.has(b) {
				grp.buckets[i] = &bucket{hash: src.want[b]}
			}
		}
		grp.hash = grp.sum()
		s.groups[g] = &grp
	}
	if got := s.Hash(); got != h.Hash {
		return State{}, fmt.Errorf("restore snapshot: rebuilt state hashes to %s, snapshot says %s", got, h.Hash)
	}
	if s.unloaded != (bucketSet{}) {
		s.lazy = src
	}
	return s, nil
}

// Preload reads the buckets of the named instances, so that later calls
// need no reads; it returns the first read that fails.
func (s State) Preload(ids ...string) error {
	for _, id := range ids {
		if b := bucketOf(id); s.unloaded.has(b) {
			if _, err := s.lazy.bucket(b); err != nil {
				return err
			}
		}
	}
	return nil
}

// Load returns the state with every bucket read, or the first read that
// fails.
func (s State) Load() (State, error) {
	for b := range 256 {
		if s.unloaded.has(byte(b)) {
			if _, err := s.lazy.bucket(byte(b)); err != nil {
				return s, err
			}
			s = s.materialize(byte(b))
		}
	}
	return s, nil
}

// materialize moves bucket b from the lazy source into the instance tree.
func (s State) materialize(b byte) State {
	if !s.unloaded.has(b) {
		return s
	}
	g := *s.group(int(b >> 4))
	// The items hash to the recorded bucket hash, so no hash changes.
	g.buckets[b&15] = &bucket{hash: g.buckets[b&15].hash, items: s.lazy.mustBucket(b)}
	s.groups[b>>4] = &g
	s.unloaded.clear(b)
	if s.unloaded == (bucketSet{}) {
		s.lazy = nil
	}
	return s
}

// bucketSet is a set of bucket numbers.
type bucketSet [4]uint64

func (bs *bucketSet) has(b byte) bool { return bs[b>>6]&(1<<(b&63)) != 0 }
func (bs *bucketSet) set(b byte)      { bs[b>>6] |= 1 << (b & 63) }
func (bs *bucketSet) clear(b byte)    { bs[b>>6] &^= 1 << (b & 63) }

// lazySource is a restored snapshot's buckets, read once on first use and
// shared by every State derived from the restored one (their content is
// fixed by the recorded hashes, so sharing is safe).
type lazySource struct {
	read    func(path string) ([]byte, error)
	want    [256]string
	count   [256]int
	buckets [256]lazyBucket
}

type lazyBucket struct {
	once  sync.Once
	items []stored // sorted by id
	err   error
}

// bucket reads, decodes and checks bucket b once.
func (src *lazySource) bucket(b byte) ([]stored, error) {
	lb := &src.buckets[b]
	lb.once.Do(func() { lb.items, lb.err = src.decode(b) })
	return lb.items, lb.err
}

// mustBucket is bucket for State methods that cannot return an error.
func (src *lazySource) mustBucket(b byte) []stored {
	items, err := src.bucket(b)
	if err != nil {
		panic(fmt.Sprintf("reconciler: %v (Preload or Load the state to get this as an error)", err))
	}
	return items
}

// find returns instance id of bucket b.
func (src *lazySource) find(b byte, id string) (stored, bool) {
	items := src.mustBucket(b)
	i, ok := searchItems(items, id)
	if !ok {
		return stored{}, false
	}
	return items[i], true
}

func (src *lazySource) decode(b byte) ([]stored, error) {
	path := BucketPath(b)
	data, err := src.read(path)
	if err != nil {
		return nil, fmt.Errorf("restore snapshot: %s: %w", path, err)
	}
	var insts []*Instance
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&insts); err != nil {
		return nil, fmt.Errorf("restore snapshot: %s: %w", path, err)
	}
	if len(insts) != src.count[b] {
		return nil, fmt.Errorf("restore snapshot: %s holds %d instances, the head says %d", path, len(insts), src.count[b])
	}
	items := make([]stored, len(insts))
	for i, in := range insts {
		switch {
		case in == nil || in.ID == "":
			return nil, fmt.Errorf("restore snapshot: %s: instance %d has no id", path, i)
		case bucketOf(in.ID) != b:
			return nil, fmt.Errorf("restore snapshot: %s: instance %q belongs to another bucket", path, in.ID)
		case i > 0 && in.ID <= insts[i-1].ID:
			return nil, fmt.Errorf("restore snapshot: %s: instances are not sorted by id at %q", path, in.ID)
		}
		// A null keys map reads as empty, as Apply keeps it.
		keys := keysOf(in.Keys)
		in.Keys = nil
		items[i] = newStored(in, keys)
	}
	if got := hashBucket(items); got != src.want[b] {
		return nil, fmt.Errorf("restore snapshot: %s hashes to %s, the head says %s", path, got, src.want[b])
	}
	return items, nil
}
