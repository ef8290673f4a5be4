package reconciler

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/wal"
)

// DefaultRetries bounds how often one reconcile round re-reads main after
// losing a compare-and-swap race, unless ReconcileOptions says otherwise.
const DefaultRetries = 8

// ReconcileOptions choose where a reconcile publishes and how it behaves
// under contention. The zero value reconciles the local repository.
type ReconcileOptions struct {
	// Remote names a git remote (e.g. "origin") that holds the truth: each
	// round fetches its main, proposal branches and checkpoint, applies on
	// top of its main and pushes main by compare-and-swap. Empty: local
	// only.
	Remote string
	// Batch caps the entries one round writes (one push carries a batch);
	// the reconcile runs rounds until nothing is ready. 0: no cap.
	Batch int
	// Rounds caps the rounds that write something (one push each on a
	// remote); the reconcile then stops even if more is ready, leaving it
	// to the next run. 0: run until nothing is ready.
	Rounds int
	// MaxProposals caps the open proposal branches one round reads; 0
	// means MaxProposalsPerRun. The rest are judged first by the next
	// round or run (see MaxProposalsPerRun).
	MaxProposals int
	// Retries bounds the lost races per round; 0 means DefaultRetries.
	Retries int
	// Backoff says how long to wait before retry n (1, 2, ...) after a
	// lost race. The jitter comes from the caller, never from the engine.
	// nil: retry at once.
	Backoff func(retry int) time.Duration
	// Crash, when set, is called at every CrashPoint a reconcile reaches;
	// a non-nil result stops the reconcile there and is returned wrapped.
	// Tests use it to prove that the next run repairs what a dead process
	// left behind.
	Crash func(CrashPoint) error
}

// AppliedEntry is one WAL entry a reconcile wrote.
type AppliedEntry struct {
	Commit plumbing.Hash
	Gate   GateResult
}

// ReconcileReport says what a reconcile did and why the rest waits.
type ReconcileReport struct {
	// Applied are the entries this reconcile published (on a remote: that
	// it pushed), in log order.
	Applied []AppliedEntry
	// Skipped are proposals left alone, with the gate's explanation.
	Skipped []GateResult
	// Merged are open proposal branches whose proposal is already on main
	// (applied by this or an earlier run): their status can be reported
	// again, idempotently.
	Merged []GateResult
	// Races counts lost compare-and-swap races (a push, or a fetch whose
	// refs moved under it), each of which forced a re-read.
	Races int
	// Pushes counts pushes of main that won (remote mode).
	Pushes int
	// More is true when the reconcile stopped at ReconcileOptions.Rounds
	// while more proposals may be ready.
	More bool
	// Deferred are the proposal branches the last round did not read,
	// being over ReconcileOptions.MaxProposals; the next round or run
	// reads them first.
	Deferred []string
	// Notes are repairs and non-fatal trouble worth telling a human: a
	// local main reset to the remote's, a checkpoint rebuilt, a checkpoint
	// not pushed.
	Notes []string
	State core.State
	Head  plumbing.Hash
}

// Reconcile applies every ready proposal of the local repository; it is
// ReconcileWith with the zero options.
func (e *Engine) Reconcile() (*ReconcileReport, error) {
	return e.ReconcileWith(context.Background(), ReconcileOptions{})
}

// ReconcileWith applies every ready proposal, one signed WAL entry each, in
// branch-name order, and records eligible rejections. main moves only by
// compare-and-swap: when another writer moved it, the round re-reads the
// log and re-evaluates everything, up to opts.Retries times. At the end it
// writes a checkpoint (and, with a remote, pushes it).
//
// Without opts.Remote the local main is the log. With it, see
// reconcileRemote: the remote's main is the log, the local main a cache.
// Either way no proposal is applied twice: a proposal whose file is already
// on main counts as merged, and the reducer refuses a consumed idem_key.
func (e *Engine) ReconcileWith(ctx context.Context, opts ReconcileOptions) (*ReconcileReport, error) {
	rep := &ReconcileReport{}
	if opts.Retries <= 0 {
		opts.Retries = DefaultRetries
	}
	if opts.Batch < 0 || opts.Rounds < 0 {
		return rep, fmt.Errorf("reconcile: batch %d, rounds %d: want 0 (no cap) or more", opts.Batch, opts.Rounds)
	}
	round := e.reconcileLocal
	var remote *remoteRun
	if opts.Remote != "" {
		start, err := e.mainHead()
		if err != nil {
			return rep, err
		}
		defer e.followMain(start, rep)
		remote = &remoteRun{e: e, remote: opts.Remote}
		round = remote.round
	}
	for rounds := 1; ; rounds++ {
		more, err := e.retryRaces(ctx, &opts, rep, round)
		if err != nil {
			return rep, err
		}
		if !more || rounds == opts.Rounds {
			rep.More = more
			break
		}
	}
	if remote != nil {
		if err := remote.finish(ctx, rep); err != nil {
			return rep, err
		}
	}
	if len(rep.Applied) > 0 {
		if err := opts.crash(CrashAfterApplyBeforeReport); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// retryRaces runs one round until it does not lose a race, retrying at
// most opts.Retries times, waiting opts.Backoff between tries. Every lost
// race counts in rep.Races, the last one too.
func (e *Engine) retryRaces(ctx context.Context, opts *ReconcileOptions, rep *ReconcileReport,
	round func(context.Context, *ReconcileOptions, *ReconcileReport) (bool, error)) (bool, error) {
	for retry := 0; ; retry++ {
		more, err := round(ctx, opts, rep)
		if err == nil || !errors.Is(err, gitstore.ErrRefMoved) {
			return more, err
		}
		rep.Races++
		if retry >= opts.Retries {
			return false, fmt.Errorf("gave up after %d lost races in a row: %w", retry+1, err)
		}
		if opts.Backoff != nil {
			if err := sleep(ctx, opts.Backoff(retry+1)); err != nil {
				return false, err
			}
		}
	}
}

// reconcileLocal is one round on the local repository: each entry is
// published by its own CAS of the local main.
func (e *Engine) reconcileLocal(_ context.Context, opts *ReconcileOptions, rep *ReconcileReport) (bool, error) {
	res, err := e.Replay(ReplayOptions{FromCheckpoint: true})
	if err != nil {
		return false, fmt.Errorf("load state: %w", err)
	}
	pending, err := e.localPending(res.State.Rules(), res.Head, opts, rep)
	if err != nil {
		return false, err
	}
	state, head := res.State, res.Head
	more, err := e.applyReady(opts, res.Checkpoint, &state, &head, pending, rep, func(a AppliedEntry) {
		rep.Applied = append(rep.Applied, a)
	})
	// Entries already on main stay applied even when a later one lost a
	// race: bring the working tree along and report them.
	rep.State, rep.Head = state, head
	if head != res.Head {
		if serr := e.Store.SyncWorktree(res.Head, head); serr != nil && err == nil {
			err = serr
		}
	}
	if err != nil {
		return false, err
	}
	if head != res.Head {
		if err := opts.crash(CrashAfterPushBeforeCheckpoint); err != nil {
			return false, err
		}
	}
	if res.CheckpointAt != head {
		if err := e.checkpoint(state, res.Checkpoint, head); err != nil {
			return false, err
		}
	}
	return more, nil
}

// applyReady gates the pending proposals in order against *state and, for
// each ready or rejected one, writes a signed entry on *head and moves the
// local main to it by compare-and-swap, calling published for each. It
// stops after opts.Batch entries, without reading further proposals, and
// then reports whether more may be ready. rep.Skipped and rep.Merged are
// rewritten. The snapshot buckets a proposal needs are restored into
// *state from checkpoint commit from (the one *state was restored from)
// before it is gated.
func (e *Engine) applyReady(opts *ReconcileOptions, from plumbing.Hash, state *core.State, head *plumbing.Hash, pending iter.Seq[Pending],
	rep *ReconcileReport, published func(AppliedEntry)) (more bool, err error) {
	rep.Skipped, rep.Merged = rep.Skipped[:0], rep.Merged[:0]
	reconcilerID := state.Rules().Config.Reconciler.Identity
	signer, err := e.Keys.Signer(reconcilerID)
	if err != nil {
		return false, fmt.Errorf("reconciler key: %w", err)
	}
	written := 0
	for p := range pending {
		if opts.Batch > 0 && written == opts.Batch {
			return true, nil
		}
		restored, err := e.RestoreBuckets(*state, from, p.Needs(*state))
		if err != nil {
			return false, fmt.Errorf("load state for proposal %s: %w", p.Branch, err)
		}
		*state = restored
		g, err := Gate(*state, p, core.NextHLC(state.Clock().HLC, e.now().UnixMilli()))
		if err != nil {
			return false, err
		}
		switch g.Verdict {
		case VerdictReady, VerdictRejected:
		case VerdictMerged:
			rep.Merged = append(rep.Merged, g)
			continue
		default:
			rep.Skipped = append(rep.Skipped, g)
			continue
		}
		next, out, err := core.Apply(*state, g.Entry)
		if err != nil {
			return false, fmt.Errorf("proposal %s: %w", p.Branch, err)
		}
		if !out.Status.Changed() {
			// Gate and Apply ran on the same state; they cannot disagree.
			return false, fmt.Errorf("proposal %s: gate said %s but apply says %s: %s", p.Branch, g.Verdict, out.Status, out.Reason)
		}
		msg, err := wal.Encode(record(g, out, *state, next))
		if err != nil {
			return false, fmt.Errorf("proposal %s: %w", p.Branch, err)
		}
		commit, err := e.Store.WriteCommit(gitstore.CommitRequest{
			Parents:   []plumbing.Hash{*head, p.Head},
			Files:     p.Files,
			Delete:    p.Deleted,
			Message:   msg,
			Author:    e.signature(state.Rules(), reconcilerID),
			Committer: e.signature(state.Rules(), reconcilerID),
			Signer:    signer,
		})
		if err != nil {
			return false, fmt.Errorf("proposal %s: write entry: %w", p.Branch, err)
		}
		if err := opts.crash(CrashAfterCommitBeforeCAS); err != nil {
			return false, err
		}
		if err := e.Store.CompareAndSwap(gitstore.MainRef, *head, commit); err != nil {
			return false, fmt.Errorf("proposal %s: %w", p.Branch, err)
		}
		g.Outcome = out
		published(AppliedEntry{Commit: commit, Gate: g})
		*state, *head = next, commit
		written++
	}
	return false, nil
}

// record assembles the WAL record of an applied gate result.
func record(g GateResult, out core.Outcome, pre, post core.State) wal.Record {
	r := wal.Record{
		Entry:        g.Entry,
		ProposalPath: g.Pending.Path,
		ProposalHead: g.Pending.Head.String(),
		Guards:       out.Guards,
		Summary:      out.Reason,
		StatePre:     pre.Hash(),
		StatePost:    post.Hash(),
		InstancePre:  out.InstancePre,
		InstancePost: out.InstancePost,
		Override:     out.Override,
	}
	if g.Entry.Kind == core.KindRules {
		r.RulesHash = post.RulesHash()
	}
	if out.Policy != nil {
		r.Policy = fmt.Sprintf("%s %s", out.Policy.Name, out.Policy.Status)
		r.Roles = map[string]string{}
		for _, v := range out.Policy.CountedApprovals() {
			r.Roles[v.Identity] = v.Role
		}
		for _, b := range blockers(*out.Policy) {
			r.Roles[b.Identity] = b.Role
		}
	}
	return r
}

// checkpoint writes a signed snapshot of state at main commit at. When the
// checkpoint ref still points to the checkpoint this engine restored (and
// checked) or wrote, only the files that differ from it are written;
// otherwise the whole snapshot, replacing whatever the current one holds.
// The buckets that must be written and that state has not restored are
// read from checkpoint commit from, the one state was restored from.
func (e *Engine) checkpoint(state core.State, from, at plumbing.Hash) error {
	var base plumbing.Hash
	var prevHead []byte
	if v := e.verifiedCheckpoint(); !v.Commit.IsZero() {
		if cur, err := e.Store.Ref(gitstore.CheckpointRef); err == nil && cur == v.Commit {
			base, prevHead = v.Commit, v.Head
		}
	}
	state, err := e.RestoreBuckets(state, from, state.SnapshotNeeds(prevHead))
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	files, deleted, err := state.SnapshotSince(prevHead)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	id := state.Rules().Config.Reconciler.Identity
	signer, err := e.Keys.Signer(id)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	h, err := e.Store.WriteCheckpoint(base, at, files, deleted, signer, e.signature(state.Rules(), id))
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	e.setVerified(gitstore.Checkpoint{Commit: h, At: at, Head: files[core.SnapshotHead]})
	return nil
}

// blockers collects the blocking rejections anywhere in a policy tree.
func blockers(r policies.Result) []policies.Vote {
	out := append([]policies.Vote(nil), r.Blockers...)
	for _, c := range r.Children {
		out = append(out, blockers(c)...)
	}
	return out
}

// crash calls the Crash hook at a point; a non-nil result stops the
// reconcile on the spot, leaving the repository as a dead process would.
func (o *ReconcileOptions) crash(p CrashPoint) error {
	if o.Crash == nil {
		return nil
	}
	if err := o.Crash(p); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}

// ExpBackoff returns a ReconcileOptions.Backoff: retry n waits
// jitter(min(base·2ⁿ⁻¹, max)). jitter picks a duration in [0, d) (full
// jitter, so racing reconcilers spread out); it is the caller's source of
// randomness, e.g. math/rand/v2's N. A nil jitter waits the whole d.
func ExpBackoff(base, max time.Duration, jitter func(d time.Duration) time.Duration) func(retry int) time.Duration {
	return func(retry int) time.Duration {
		d := base
		for i := 1; i < retry && d < max; i++ {
			d *= 2
		}
		d = min(d, max)
		if jitter == nil || d <= 0 {
			return d
		}
		return jitter(d)
	}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("reconcile: %w", ctx.Err())
	}
}
