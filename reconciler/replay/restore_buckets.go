package replay

import (
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
)

// RestoreBuckets returns s with the given snapshot buckets restored: each
// is read from checkpoint commit from, the checkpoint s was restored from
// (ReplayResult.Checkpoint), and installed with core.State.WithBuckets,
// which checks it against the hash the snapshot's head recorded. The core
// reads nothing itself: call this with s.Needs(entry), Pending.Needs(s),
// s.Missing(ids...) or s.Unrestored() before the call that needs them.
// Nothing to restore returns s. An error names the checkpoint and the
// bucket file.
func RestoreBuckets(store *gitstore.Store, s core.State, from plumbing.Hash, buckets []byte) (core.State, error) {
	if len(buckets) == 0 {
		return s, nil
	}
	if from.IsZero() {
		return s, fmt.Errorf("state lacks snapshot bucket %s and no checkpoint was named to read it from", core.BucketPath(buckets[0]))
	}
	cp := gitstore.Checkpoint{Commit: from}
	files := make(core.SnapshotFiles, len(buckets))
	for _, b := range buckets {
		for _, path := range s.SnapshotPaths(b) {
			data, err := store.ReadCheckpointFile(cp, path)
			if err != nil {
				return s, fmt.Errorf("restore snapshot: %s: %w", path, err)
			}
			files[path] = data
		}
	}
	next, err := s.WithBuckets(files)
	if err != nil {
		return s, fmt.Errorf("checkpoint %s: %w", shortHash(from.String()), err)
	}
	return next, nil
}
