package reconciler

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/reconciler/core"
)

// RemoteState is the verified state at a remote's main, as FetchState
// found it.
type RemoteState struct {
	State core.State
	// Main is the remote's main, fetched; the local main was reset to it.
	Main plumbing.Hash
	// Checkpoint is the checkpoint commit State was restored from (zero:
	// none): the snapshot buckets State has not restored are read from it
	// (Engine.RestoreBuckets).
	Checkpoint plumbing.Hash
	// Notes are repairs worth telling a human (a checkpoint not used, a
	// local main reset).
	Notes []string
	// Foreign, when not nil, says that the remote's main holds commits
	// writ did not write: State is then the last verified entry's
	// (Foreign.Verified), and a reconcile applies nothing but their
	// recovery.
	Foreign *ForeignError
}

// FetchState fetches from remote what a remote reconcile fetches (main,
// which must extend the last main seen, the proposal branches and the
// checkpoint) plus the extra refspecs (for example a pull request's head,
// "+refs/pull/7/head:refs/writ/pull/7"), resets the local main to the
// remote's and loads the verified state there, from the remote's
// checkpoint when it checks out (foreign commits at its head are no
// error: see RemoteState.Foreign). A ref that moved during the fetch gives
// an error wrapping gitstore.ErrRefMoved: fetch again.
func (e *Engine) FetchState(ctx context.Context, remote string, extra ...string) (*RemoteState, error) {
	rep := &ReconcileReport{}
	main, err := e.fetchRemote(ctx, remote, rep, extra...)
	if err != nil {
		return nil, err
	}
	res, err := e.loadRemoteState(remote, main, rep)
	var foreign *ForeignError
	if errors.As(err, &foreign) && res != nil {
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	return &RemoteState{State: res.State, Main: main, Checkpoint: res.Checkpoint, Notes: rep.Notes, Foreign: foreign}, nil
}
