package core

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/writ-dev/writ/schemas"
)

// A snapshot is a set of files, so a checkpoint can be read in part and
// rewritten only where it changed:
//
//	head.json            version, state hash, rules, clock, entry count, and
//	                     the hash and size of every non-empty bucket
//	buckets/<xx>.json    the instances of bucket xx (two hex digits), sorted
//	                     by id, one JSON array
//	lineages/<xx>.bin    the lineages of bucket xx's goal instances, when it
//	                     holds any (goals_snapshot_bin.go)
//
// Restoring reads only head.json (RestoreHead); the caller restores a
// bucket before the first call that needs one of its instances (see
// restore.go). The head's bucket hashes are the leaves of the state hash's
// Merkle tree, so the head alone proves the state hash, and each bucket is
// checked against its leaf when it is restored. The cost of
// restoring, and of writing the next snapshot after a few entries, does
// not grow with the number of instances or the length of the history.

// snapshotVersion is the format version of a snapshot. Version 2 kept
// each lineage as JSON inside its bucket file; it still restores (and the
// next checkpoint is written in version 3).
const (
	snapshotVersion   = 3
	snapshotVersionV2 = 2
)

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
	// Waits are the recorded waits (wait.go), sorted by path; absent when
	// there are none, so a state without waits writes the head it wrote
	// before waits existed.
	Waits []Wait `json:"waits,omitempty"`
}

type bucketInfo struct {
	Hash      string `json:"hash"`
	Instances int    `json:"instances"`
	// Lineages counts the bucket's goal instances, whose lineages are in
	// LineagePath (version 3).
	Lineages int `json:"lineages,omitempty"`
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
// unreadable prev it returns every file. A bucket not restored from the
// snapshot s came from must be written when prev does not record it
// unchanged: SnapshotNeeds names those buckets, and SnapshotSince returns
// a *MissingBucketError for the first one s lacks.
func (s State) SnapshotSince(prev []byte) (files SnapshotFiles, deleted []string, err error) {
	old := prevBuckets(prev)
	head := snapshotHead{Version: snapshotVersion, Hash: s.Hash(), Rules: s.rules, Clock: s.clock, Entries: s.entries,
		Buckets: map[string]bucketInfo{}, Waits: s.Waits()}
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
			if was.Lineages > 0 {
				deleted = append(deleted, LineagePath(b))
			}
			continue
		}
		if s.unloaded.has(b) {
			// Not restored, so unchanged since the restore: written only
			// if prev is another snapshot.
			head.Buckets[name] = bucketInfo{Hash: hash, Instances: s.head.count[b], Lineages: s.head.lineages[b]}
			if existed && was == head.Buckets[name] {
				continue
			}
		}
		insts, goals, err := s.bucketInstances(b)
		if err != nil {
			return nil, nil, fmt.Errorf("snapshot: %w", err)
		}
		head.Buckets[name] = bucketInfo{Hash: hash, Instances: len(insts), Lineages: len(goals)}
		if existed && was == head.Buckets[name] {
			continue
		}
		data, err := encodeJSON(insts)
		if err != nil {
			return nil, nil, fmt.Errorf("snapshot: bucket %s: %w", name, err)
		}
		files[BucketPath(b)] = data
		switch {
		case len(goals) > 0:
			files[LineagePath(b)] = encodeLineages(goals)
		case was.Lineages > 0:
			deleted = append(deleted, LineagePath(b))
		}
	}
	data, err := encodeJSON(head)
	if err != nil {
		return nil, nil, fmt.Errorf("snapshot: %w", err)
	}
	files[SnapshotHead] = data
	return files, deleted, nil
}

// bucketInstances returns the items of bucket b's file, copies of its
// instances sorted by id, and the records among them that hold a
// lineage (for its lineage file).
func (s State) bucketInstances(b byte) ([]snapshotItem, []stored, error) {
	if s.unloaded.has(b) {
		return nil, nil, &MissingBucketError{Bucket: b}
	}
	items := s.bucket(b).items
	out := make([]snapshotItem, len(items))
	var goals []stored
	for i, st := range items {
		out[i] = snapshotItemOf(st)
		if st.goal != nil {
			goals = append(goals, st)
		}
	}
	return out, goals, nil
}

// SnapshotNeeds returns the buckets that SnapshotSince(prev) must write
// and that were not restored: those prev does not record with the same
// hash and size. Restore them (WithBuckets) before calling SnapshotSince.
func (s State) SnapshotNeeds(prev []byte) []byte {
	old := prevBuckets(prev)
	var set bucketSet
	for _, b := range s.Unrestored() {
		name := hex.EncodeToString([]byte{b})
		if was, ok := old[name]; !ok || was != (bucketInfo{Hash: s.head.want[b], Instances: s.head.count[b], Lineages: s.head.lineages[b]}) {
			set.set(b)
		}
	}
	return set.list()
}

// prevBuckets returns the buckets a snapshot head file records, nil if
// prev is nil or not a head of this version.
func prevBuckets(prev []byte) map[string]bucketInfo {
	if prev == nil {
		return nil
	}
	var h snapshotHead
	if json.Unmarshal(prev, &h) != nil || h.Version != snapshotVersion {
		return nil
	}
	return h.Buckets
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
