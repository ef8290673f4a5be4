package reconciler

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// Where a remote's refs land in a reconciler's clone.
func trackingMain(remote string) string { return "refs/remotes/" + remote + "/main" }

func trackingCheckpoint(remote string) string { return "refs/writ/remotes/" + remote + "/checkpoint" }

// remoteRefspecs are what each round fetches: main only fast-forwards (a
// rewrite is refused), proposal branches and the checkpoint follow the
// remote, deleted ones are pruned.
func remoteRefspecs(remote string) []string {
	return []string{
		gitstore.MainRef + ":" + trackingMain(remote),
		"+refs/heads/" + ProposalPrefix + "*:refs/remotes/" + remote + "/" + ProposalPrefix + "*",
		"+refs/writ/*:refs/writ/remotes/" + remote + "/*",
	}
}

// remoteRun is one reconcile against a remote that holds the truth. It
// carries the verified state from round to round, so a round costs the
// entries that arrived since the last one, not a replay from the
// checkpoint.
type remoteRun struct {
	e      *Engine
	remote string
	// loaded: state is the verified state at head, a commit on the
	// remote's main; checkpointAt is what the local checkpoint covers.
	loaded       bool
	state        core.State
	head         plumbing.Hash
	checkpointAt plumbing.Hash
	// checkpoint is the checkpoint commit r.state was restored from.
	checkpoint plumbing.Hash
	// onMain holds the proposal files in head's tree: a proposal whose
	// file is there is merged, and is known to be without reading it.
	onMain map[string]bool
}

// round is one round:
//
//  1. fetch main, the proposal branches and the checkpoint; a remote main
//     that does not extend the last one seen is refused (ErrRewritten);
//  2. reset the local main to the remote's (the local main only ever holds
//     entries this clone fetched or wrote; unpushed ones are dropped and
//     their proposals judged again);
//  3. bring the state up to the remote's main: verify the new entries
//     after the previous round's head, or on the first round load it from
//     the remote's checkpoint when that checks out, else the local one (a
//     checkpoint of an entry that never reached the remote is not fatal:
//     replay from the start);
//  4. apply up to opts.Batch ready proposals on the local main;
//  5. push main by compare-and-swap, old = the fetched main; a lost race
//     is ErrRefMoved and the caller starts the round again.
//
// It reports whether more proposals may be ready. finish writes and
// pushes the checkpoint once the rounds are done.
func (r *remoteRun) round(ctx context.Context, opts *ReconcileOptions, rep *ReconcileReport) (bool, error) {
	e := r.e
	fetched, err := e.fetchRemote(ctx, r.remote, rep)
	if err != nil {
		return false, err
	}
	if err := r.catchUp(fetched, rep); err != nil {
		return false, fmt.Errorf("load state: %w", err)
	}
	pending, err := e.remotePending(r.state.Rules(), fetched, r.remote, r.onMain, opts, rep)
	if err != nil {
		return false, err
	}
	state, head := r.state, r.head
	var batch []AppliedEntry
	more, err := e.applyReady(opts, r.checkpoint, &state, &head, pending, rep, func(a AppliedEntry) { batch = append(batch, a) })
	if err != nil {
		return false, err
	}
	if len(batch) > 0 {
		if err := opts.crash(CrashAfterCommitBeforePush); err != nil {
			return false, err
		}
		if err := e.Store.PushCAS(ctx, r.remote, gitstore.MainRef, fetched, head); err != nil {
			return false, fmt.Errorf("publish %d entries: %w", len(batch), err)
		}
		rep.Pushes++
		rep.Applied = append(rep.Applied, batch...)
		if err := r.moveTo(state, head); err != nil {
			return false, err
		}
		// As git push does: the tracking ref follows what was pushed.
		if err := e.Store.CompareAndSwap(trackingMain(r.remote), fetched, head); err != nil {
			return false, fmt.Errorf("after push: %w", err)
		}
		if err := opts.crash(CrashAfterPushBeforeCheckpoint); err != nil {
			return false, err
		}
	}
	rep.State, rep.Head = r.state, r.head
	return more, nil
}

// catchUp makes r.state the verified state at main.
func (r *remoteRun) catchUp(main plumbing.Hash, rep *ReconcileReport) error {
	if r.loaded && r.head == main {
		return nil
	}
	if r.loaded {
		newer, err := r.e.Store.FirstParentLog(main, r.head)
		if err == nil {
			v := verifier{engine: r.e, checkpoint: r.checkpoint}
			state := r.state
			for i, c := range newer {
				if _, state, err = v.entry(state, c, int(r.state.Entries())+i); err != nil {
					return err
				}
			}
			return r.moveTo(state, main)
		} else if !errors.Is(err, gitstore.ErrNotOnChain) {
			return err
		}
	}
	res, err := r.e.loadRemoteState(r.remote, main, rep)
	if err != nil {
		return err
	}
	files, err := r.e.Store.ListFiles(res.Head, "proposals")
	if err != nil {
		return err
	}
	r.onMain = make(map[string]bool, len(files))
	for _, f := range files {
		r.onMain[f] = true
	}
	r.loaded, r.state, r.head, r.checkpointAt, r.checkpoint = true, res.State, res.Head, res.CheckpointAt, res.Checkpoint
	return nil
}

// moveTo advances the verified state to head, a descendant of r.head,
// noting the proposal files the new entries added.
func (r *remoteRun) moveTo(state core.State, head plumbing.Hash) error {
	changed, err := r.e.Store.ChangedFiles(r.head, head)
	if err != nil {
		return err
	}
	for _, f := range changed {
		if strings.HasPrefix(f, "proposals/") {
			r.onMain[f] = true
		}
	}
	r.state, r.head = state, head
	return nil
}

// finish writes the checkpoint at the last head and, when the reconcile
// ended with nothing more ready, pushes it while the remote's main is
// that head. The checkpoint is a cache: failing to push it is a note, not
// an error.
func (r *remoteRun) finish(ctx context.Context, rep *ReconcileReport) error {
	if !r.loaded {
		return nil
	}
	if r.checkpointAt != r.head {
		if err := r.e.checkpoint(r.state, r.checkpoint, r.head); err != nil {
			return err
		}
		r.checkpointAt = r.head
	}
	if !rep.More {
		r.e.pushCheckpoint(ctx, r.remote, rep)
	}
	rep.State, rep.Head = r.state, r.head
	return nil
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
	_, err := openReader(e.Store).firstParents(head, c)
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
	if err != nil {
		return nil, err
	}
	rep.Notes = append(rep.Notes, "the local checkpoint covered an entry that is not on the remote's main; replayed main from the start and rewrote the checkpoint")
	return res, nil
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
	if err := signedByReconciler(at, state); err != nil {
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
	_, _, trailers, err := gitstore.ParseMessage(c.Message)
	if err != nil || len(trailers.Get(gitstore.CheckpointTrailer)) != 1 {
		return false
	}
	at := plumbing.NewHash(trailers.Get(gitstore.CheckpointTrailer)[0])
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

// signedByReconciler checks that the reconciler identity of a state's
// rules signed commit c.
func signedByReconciler(c *object.Commit, s core.State) error {
	ring, err := RingOf(s.Rules())
	if err != nil {
		return err
	}
	v, err := signing.VerifyCommit(c, ring)
	if err != nil {
		return err
	}
	if want := s.Rules().Config.Reconciler.Identity; v.Identity != want {
		return fmt.Errorf("signed by %s, not the reconciler %s", v.Identity, want)
	}
	return nil
}

// replayIgnoringCheckpoint verifies and folds main's whole first-parent
// history, as Replay does without a checkpoint, but does not hold the
// (stale) checkpoint against it.
func (e *Engine) replayIgnoringCheckpoint(head plumbing.Hash) (*ReplayResult, error) {
	return e.Replay(ReplayOptions{head: head, ignoreCheckpoint: true})
}

// remotePending reads the remote's proposal branches (as fetched) against
// main, one at a time as the caller asks, so a batch costs what it reads:
// judging a proposal walks main back to where the proposal forked. A
// branch whose proposal file is in onMain (the files of main's tree under
// proposals/) is merged, as readPending would find, without a lookup. A
// proposal only this clone has is not the remote's. At most
// opts.MaxProposals are read (see MaxProposalsPerRun).
func (e *Engine) remotePending(rules *schemas.Bundle, main plumbing.Hash, remote string, onMain map[string]bool,
	opts *ReconcileOptions, rep *ReconcileReport) (iter.Seq[Pending], error) {
	branches, err := e.Store.RemoteBranches(remote, ProposalPrefix)
	if err != nil {
		return nil, fmt.Errorf("list proposal branches of %s: %w", remote, err)
	}
	ring, err := RingOf(rules)
	if err != nil {
		return nil, fmt.Errorf("key ring: %w", err)
	}
	sort.Slice(branches, func(i, j int) bool { return branches[i].Name < branches[j].Name })
	return e.capProposals(branches, opts.MaxProposals, func(b gitstore.Branch) Pending {
		p := Pending{Branch: b.Name, Head: b.Hash, Merged: true}
		var err error
		if p.Path, err = ProposalPath(b.Name); err != nil || !onMain[p.Path] {
			p = e.readPending(rules, ring, main, b.Name, b.Hash)
		}
		return p
	}, rep), nil
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
