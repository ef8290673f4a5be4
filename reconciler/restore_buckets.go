package reconciler

import (
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/replay"
)

// RestoreBuckets is replay.RestoreBuckets on the engine's store: s with the
// snapshot buckets given restored from checkpoint commit from.
func (e *Engine) RestoreBuckets(s core.State, from plumbing.Hash, buckets []byte) (core.State, error) {
	return replay.RestoreBuckets(e.Store, s, from, buckets)
}
