package reconciler

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// Where a remote's refs land in a reconciler's clone.
func trackingMain(remote string) string { return "refs/remotes/" + remote + "/main" }

func trackingCheckpoint(remote string) string { return "refs/writ/remotes/" + remote + "/checkpoint" }

// trackingDecisionRef is where a run against remote finds the remote's
// decision ref of the proposal on branch (fetched by the refs/writ/*
// refspec below).
func trackingDecisionRef(remote, branch string) string {
	return "refs/writ/remotes/" + remote + "/" + strings.TrimPrefix(wal.DecisionRef(branch), "refs/writ/")
}

// remoteRefspecs are what each round fetches: main only fast-forwards (a
// rewrite is refused), proposal branches and the checkpoint follow the
// remote, deleted ones are pruned. The last one brings the decision refs
// (wal.DecisionRef): decisions pushed by their deciders count, and survive
// a rebase of the branch on the remote.
func remoteRefspecs(remote string) []string {
	return []string{
		gitstore.MainRef + ":" + trackingMain(remote),
		"+refs/heads/" + schemas.ProposalBranchPrefix + "*:refs/remotes/" + remote + "/" + schemas.ProposalBranchPrefix + "*",
		"+refs/writ/*:refs/writ/remotes/" + remote + "/*",
	}
}

// fetchRemote fetches the remote's refs (and any extra refspecs), refuses a
// rewritten remote main, and resets the local main to the remote's. It
// returns the remote's main.
func (e *Engine) fetchRemote(ctx context.Context, remote string, rep *ReconcileReport, extra ...string) (plumbing.Hash, error) {
	track := trackingMain(remote)
	prev, err := e.Store.Ref(track)
	if err != nil && !errors.Is(err, gitstore.ErrNoRef) {
		return plumbing.ZeroHash, err
	}
	rewritten := func() error {
		return fmt.Errorf("%w: the main of remote %s no longer extends %s, the last main fetched from or pushed to it; "+
			"if the rewrite was deliberate, run `git update-ref -d %s` to accept it", ErrRewritten, remote, shortHash(prev.String()), track)
	}
	err = e.Store.Fetch(ctx, remote, append(remoteRefspecs(remote), extra...)...)
	if errors.Is(err, gitstore.ErrNonFastForward) {
		return plumbing.ZeroHash, rewritten()
	} else if err != nil {
		return plumbing.ZeroHash, err
	}
	fetched, err := e.Store.Ref(track)
	if errors.Is(err, gitstore.ErrNoRef) {
		return plumbing.ZeroHash, fmt.Errorf("remote %s has no main: push a control repo's main (writ init) to it first", remote)
	} else if err != nil {
		return plumbing.ZeroHash, err
	}
	if !prev.IsZero() && prev != fetched && !e.onFirstParentChain(fetched, prev) {
		// An ancestor, but not on the first-parent chain: still a rewrite
		// of the log. Keep refusing until a human accepts it.
		if err := e.Store.CompareAndSwap(track, fetched, prev); err != nil {
			return plumbing.ZeroHash, err
		}
		return plumbing.ZeroHash, rewritten()
	}
	if err := e.followRemoteEvidence(remote); err != nil {
		rep.Notes = append(rep.Notes, err.Error())
	}
	local, err := e.mainHead()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if local != fetched {
		if !local.IsZero() && !e.onFirstParentChain(fetched, local) {
			rep.Notes = append(rep.Notes, fmt.Sprintf("local main %s held entries the remote does not have (never pushed); reset to the remote's main %s, their proposals are judged again",
				shortHash(local.String()), shortHash(fetched.String())))
		}
		if err := e.Store.CompareAndSwap(gitstore.MainRef, local, fetched); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("reset main to the remote's: %w", err)
		}
	}
	return fetched, nil
}

// onFirstParentChain reports whether commit c is on the first-parent
// history of head (walking back from head until c or the root).
func (e *Engine) onFirstParentChain(head, c plumbing.Hash) bool {
	_, err := e.replayer().FirstParents(head, c)
	return err == nil
}

// loadRemoteState loads the verified state at the fetched main: from the
// remote's checkpoint if it checks out, else from the local one, else from
// scratch.
func (e *Engine) loadRemoteState(remote string, main plumbing.Hash, rep *ReconcileReport) (*ReplayResult, error) {
	if err := e.adoptRemoteCheckpoint(remote, main); err != nil {
		rep.Notes = append(rep.Notes, "remote checkpoint not used: "+err.Error())
	}
	res, err := e.Replay(ReplayOptions{FromCheckpoint: true})
	if !errors.Is(err, ErrRewritten) {
		return res, err
	}
	// The local checkpoint covers an entry the remote's main does not hold
	// (written before a push that never happened). Not fatal here: the
	// remote's main is the log; replay it all and rewrite the checkpoint.
	res, err = e.replayIgnoringCheckpoint(main)
	if err != nil && (res == nil || !errors.Is(err, ErrForeign)) {
		return nil, err
	}
	rep.Notes = append(rep.Notes, "the local checkpoint covered an entry that is not on the remote's main; replayed main from the start and rewrote the checkpoint")
	return res, err
}

// adoptRemoteCheckpoint makes the fetched remote checkpoint the local one
// when it is newer (or the local one is missing or off main) and checks
// out: it covers an entry on main's first-parent history, the reconciler
// signed it, and its state hashes to the Writ-State-Post of that entry,
// which the reconciler also signed. So a checkpoint pushed by anyone else
// is ignored, and an older one never replaces a newer local one.
func (e *Engine) adoptRemoteCheckpoint(remote string, main plumbing.Hash) error {
	theirs, err := e.Store.Ref(trackingCheckpoint(remote))
	if errors.Is(err, gitstore.ErrNoRef) {
		return nil
	} else if err != nil {
		return err
	}
	ours, err := e.Store.Ref(gitstore.CheckpointRef)
	if err != nil && !errors.Is(err, gitstore.ErrNoRef) {
		return err
	}
	if ours == theirs {
		return nil
	}
	cp, err := e.Store.ReadCheckpointCommit(theirs)
	if err != nil {
		return err
	}
	if !e.onFirstParentChain(main, cp.At) {
		return fmt.Errorf("checkpoint %s covers %s, which is not on main", shortHash(theirs.String()), shortHash(cp.At.String()))
	}
	at, err := e.Store.Commit(cp.At)
	if err != nil {
		return err
	}
	rec, err := wal.Decode(at.Message)
	if err != nil {
		return fmt.Errorf("checkpoint %s: entry %s: %w", shortHash(theirs.String()), shortHash(cp.At.String()), err)
	}
	if !ours.IsZero() && e.newerCheckpoint(ours, main, rec.Entry.HLC) {
		return nil
	}
	state, err := e.restoreCheckpoint(cp)
	if err != nil {
		return err
	}
	if rec.StatePost != state.Hash() {
		return fmt.Errorf("checkpoint %s: state %s, but entry %s records %s", shortHash(theirs.String()), state.Hash(), shortHash(cp.At.String()), rec.StatePost)
	}
	if err := SignedByReconciler(at, state.Rules()); err != nil {
		return fmt.Errorf("checkpoint %s: entry %s: %w", shortHash(theirs.String()), shortHash(cp.At.String()), err)
	}
	// Someone else's checkpoint replaces ours only if all of it reads and
	// matches its head, not just the head a restore reads.
	if _, err := e.RestoreBuckets(state, cp.Commit, state.Unrestored()); err != nil {
		return fmt.Errorf("checkpoint %s: %w", shortHash(theirs.String()), err)
	}
	return e.Store.CompareAndSwap(gitstore.CheckpointRef, ours, theirs)
}

// newerCheckpoint reports whether the local checkpoint commit ours covers
// an entry on main at or after the one stamped hlc (HLCs strictly increase
// along main). A local checkpoint that does not read is not newer.
func (e *Engine) newerCheckpoint(ours, main plumbing.Hash, hlc core.HLC) bool {
	c, err := e.Store.Commit(ours)
	if err != nil {
		return false
	}
	cpAt, err := wal.CheckpointAt(c.Message)
	if err != nil {
		return false
	}
	at := plumbing.NewHash(cpAt)
	if !e.onFirstParentChain(main, at) {
		return false
	}
	entry, err := e.Store.Commit(at)
	if err != nil {
		return false
	}
	rec, err := wal.Decode(entry.Message)
	return err == nil && rec.Entry.HLC.Compare(hlc) >= 0
}

// SignedByReconciler checks that commit c is signed by the reconciler
// identity rules name, with a key their key ring allows: what makes a
// checkpoint, or an outbox commit (outbox.Trust), writ's own. The error
// says who signed it when someone else did.
func SignedByReconciler(c *object.Commit, rules *schemas.Bundle) error {
	ring, err := intake.RingOf(rules)
	if err != nil {
		return err
	}
	v, err := signing.VerifyCommit(c, ring)
	if err != nil {
		return err
	}
	if want := rules.Config.Reconciler.Identity; v.Identity != want {
		return fmt.Errorf("signed by %s, not the reconciler %s", v.Identity, want)
	}
	return nil
}

// replayIgnoringCheckpoint verifies and folds main's whole first-parent
// history, as Replay does without a checkpoint, but does not hold the
// (stale) checkpoint against it.
func (e *Engine) replayIgnoringCheckpoint(head plumbing.Hash) (*ReplayResult, error) {
	return e.Replay(ReplayOptions{Head: head, IgnoreCheckpoint: true})
}

// pushCheckpoint publishes the local checkpoint when the remote's differs.
// The checkpoint is a cache: failing to push it is a note, not an error.
func (e *Engine) pushCheckpoint(ctx context.Context, remote string, rep *ReconcileReport) {
	ours, err := e.Store.Ref(gitstore.CheckpointRef)
	if err != nil {
		rep.Notes = append(rep.Notes, "checkpoint not pushed: "+err.Error())
		return
	}
	if theirs, _ := e.Store.Ref(trackingCheckpoint(remote)); theirs == ours {
		return
	}
	err = e.Store.PushCheckpoint(ctx, remote)
	switch {
	case err == nil:
	case errors.Is(err, gitstore.ErrRefMoved):
		rep.Notes = append(rep.Notes, "checkpoint not pushed, the remote moved on (the next reconcile pushes a newer one): "+err.Error())
	default:
		rep.Notes = append(rep.Notes, "checkpoint not pushed: "+err.Error())
	}
}

// followMain brings the working tree from the commit main was at when the
// reconcile started to where it is now.
func (e *Engine) followMain(start plumbing.Hash, rep *ReconcileReport) {
	now, err := e.mainHead()
	if err != nil || now == start {
		return
	}
	if err := e.Store.SyncWorktree(start, now); err != nil {
		rep.Notes = append(rep.Notes, "working tree not updated: "+err.Error())
	}
}

// verifyNewer verifies the entries newer (main's first-parent commits
// after the state's head, oldest first) and folds them into state.
//
// With foreign not nil, the first of newer must be the recovery of the
// foreign commits it names (state is then its last verified entry's).
func (e *Engine) verifyNewer(state core.State, restoredFrom plumbing.Hash, newer []*object.Commit, foreign *ForeignError) (core.State, error) {
	v := e.replayer().Checker(restoredFrom)
	if foreign != nil {
		v.AfterForeign(foreign)
	}
	base := int(state.Entries())
	var err error
	for i, c := range newer {
		if _, state, err = v.Entry(state, c, base+i); err != nil {
			return state, err
		}
	}
	return state, nil
}
