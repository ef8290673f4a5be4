package reconciler

import (
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/replay"
)

// Replay's types live in reconciler/replay; these names keep the loop's
// callers compiling.
type (
	// ReplayOptions is replay.Options.
	ReplayOptions = replay.Options
	// ReplayResult is replay.Result.
	ReplayResult = replay.Result
	// Verified is replay.Verified.
	Verified = replay.Verified
	// TamperError is replay.TamperError.
	TamperError = replay.TamperError
	// ForeignError is replay.ForeignError.
	ForeignError = replay.ForeignError
	// Foreign is replay.Foreign.
	Foreign = replay.Foreign
)

// replayer is the replay side of the engine: the same store, progress
// report, and the engine's record of the checkpoint it last verified.
func (e *Engine) replayer() *replay.Replayer {
	return &replay.Replayer{Store: e.Store, Progress: e.Progress, Restored: e.setVerified}
}

// Replay verifies and folds main's first-parent history (see
// replay.Replayer.Replay).
func (e *Engine) Replay(opts ReplayOptions) (*ReplayResult, error) {
	return e.replayer().Replay(opts)
}

// restoreCheckpoint rebuilds the checkpoint's state and checks that the
// reconciler signed it.
func (e *Engine) restoreCheckpoint(cp gitstore.Checkpoint) (core.State, error) {
	return e.replayer().RestoreCheckpoint(cp)
}
