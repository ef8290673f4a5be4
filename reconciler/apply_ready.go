package reconciler

import (
	"context"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
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
}

// FetchState fetches from remote what a remote reconcile fetches (main,
// which must extend the last main seen, the proposal branches and the
// checkpoint) plus the extra refspecs (for example a pull request's head,
// "+refs/pull/7/head:refs/writ/pull/7"), resets the local main to the
// remote's and loads the verified state there, from the remote's
// checkpoint when it checks out. A ref that moved during the fetch gives
// an error wrapping gitstore.ErrRefMoved: fetch again.
func (e *Engine) FetchState(ctx context.Context, remote string, extra ...string) (*RemoteState, error) {
	rep := &ReconcileReport{}
	main, err := e.fetchRemote(ctx, remote, rep, extra...)
	if err != nil {
		return nil, err
	}
	res, err := e.loadRemoteState(remote, main, rep)
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	return &RemoteState{State: res.State, Main: res.Head, Checkpoint: res.Checkpoint, Notes: rep.Notes}, nil
}

// ApplyReady publishes gate results on remote's main: for each ready or
// rejected result, in order, one WAL entry exactly as reconcile writes it
// (the record of EntryRecord, parents [main, proposal head], the proposal's
// files, signed by the reconciler's key from e.Keys). Each proposal is
// gated again against the state its entry lands on (the gates the caller
// ran all saw state), so an entry never rests on a stale verdict, and a
// result that is no longer ready is left out. st is what FetchState
// returned (its State may since have more buckets restored): State the
// verified state at Main, Main the remote's main as last fetched, and
// Checkpoint where the buckets State lacks are read from.
//
// The entries are pushed in one compare-and-swap of the remote's main
// (old = main). When another writer moved it, the error wraps
// gitstore.ErrRefMoved, nothing is published and the local main is back at
// main: the caller fetches again and re-evaluates. After a successful push
// the checkpoint is written and pushed; it is a cache, so failing to write
// or push it is not an error (the next run rebuilds it).
//
// It returns the entries published and the new main (main itself when
// nothing was ready).
func (e *Engine) ApplyReady(ctx context.Context, remote string, st *RemoteState, ready []GateResult) ([]AppliedEntry, plumbing.Hash, error) {
	main := st.Main
	if remote == "" {
		return nil, main, fmt.Errorf("apply: no remote")
	}
	local, err := e.mainHead()
	if err != nil {
		return nil, main, err
	}
	if local != main {
		if err := e.Store.CompareAndSwap(gitstore.MainRef, local, main); err != nil {
			return nil, main, fmt.Errorf("apply: reset local main to %s: %w", shortHash(main.String()), err)
		}
	}
	pending := func(yield func(Pending) bool) {
		for _, g := range ready {
			if g.Verdict != VerdictReady && g.Verdict != VerdictRejected {
				continue
			}
			if !yield(g.Pending) {
				return
			}
		}
	}
	var applied []AppliedEntry
	state, head := st.State, main
	rep := &ReconcileReport{}
	_, err = e.applyReady(&ReconcileOptions{}, st.Checkpoint, &state, &head, pending, rep, func(a AppliedEntry) { applied = append(applied, a) })
	if err != nil {
		e.resetMain(head, main)
		return nil, main, fmt.Errorf("apply: %w", err)
	}
	if len(applied) == 0 {
		return nil, main, nil
	}
	if err := e.Store.PushCAS(ctx, remote, gitstore.MainRef, main, head); err != nil {
		e.resetMain(head, main)
		return nil, main, fmt.Errorf("publish %d entries to %s: %w", len(applied), remote, err)
	}
	// As git push does: the tracking ref follows what was pushed.
	if t, err := e.Store.Ref(trackingMain(remote)); err == nil && t == main {
		_ = e.Store.CompareAndSwap(trackingMain(remote), main, head)
	}
	if err := e.checkpoint(state, st.Checkpoint, head); err == nil {
		e.pushCheckpoint(ctx, remote, rep)
	}
	return applied, head, nil
}

// resetMain moves the local main from head back to main after entries that
// were never published; a main that moved meanwhile is left alone (the
// next fetch resets it).
func (e *Engine) resetMain(head, main plumbing.Hash) {
	if head == main {
		return
	}
	_ = e.Store.CompareAndSwap(gitstore.MainRef, head, main)
}
