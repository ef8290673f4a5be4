package reconciler

import (
	"context"
	"fmt"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/outcome"
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
	// Source is where proposals come from; nil: BranchSource, the
	// repository's (or, with Remote, the remote's) proposal branches.
	Source Source
	// Reporters are told what the run did, in order, at its end.
	Reporters []Reporter
	// KeepBranches stops the prune step: closed proposals' branches and
	// decision refs then stay in place, locally and on the remote (see
	// prune).
	KeepBranches bool
}

// AppliedEntry is one WAL entry a reconcile wrote.
type AppliedEntry = outcome.Applied

// ReconcileReport says what a reconcile did and why the rest waits.
type ReconcileReport = outcome.Report

// Reconcile applies every ready proposal of the local repository; it is
// ReconcileWith with the zero options.
func (e *Engine) Reconcile() (*ReconcileReport, error) {
	return e.ReconcileWith(context.Background(), ReconcileOptions{})
}

// ReconcileWith runs the reconcile loop (see steps): it applies every ready
// proposal of opts.Source, one signed WAL entry each, in the source's
// order, and records eligible rejections. main moves only by
// compare-and-swap: when another writer moved it, the round re-reads the
// log and re-evaluates everything, up to opts.Retries times. At the end it
// writes a checkpoint (and, with a remote, pushes it) and tells
// opts.Reporters.
//
// Without opts.Remote the local main is the log. With it the remote's main
// is the log and the local main a cache: each round fetches, resets the
// local main to the remote's, and pushes main by compare-and-swap. Either
// way no proposal is applied twice: a proposal whose file is already on
// main counts as merged, and the reducer refuses a consumed idem_key.
//
// The report is never nil; when the run fails part-way it holds what was
// published.
func (e *Engine) ReconcileWith(ctx context.Context, opts ReconcileOptions) (*ReconcileReport, error) {
	rep := &ReconcileReport{}
	if opts.Retries <= 0 {
		opts.Retries = DefaultRetries
	}
	if opts.Batch < 0 || opts.Rounds < 0 {
		return rep, fmt.Errorf("reconcile: batch %d, rounds %d: want 0 (no cap) or more", opts.Batch, opts.Rounds)
	}
	src := opts.Source
	if src == nil {
		src = BranchSource{Store: e.Store}
	}
	start, err := e.mainHead()
	if err != nil {
		return rep, err
	}
	r := &run{e: e, opts: &opts, src: src, reporters: opts.Reporters, rep: rep, start: start}
	return rep, r.drive(ctx)
}

// record assembles the WAL record of an applied gate result.
func record(g intake.GateResult, out core.Outcome, pre, post core.State) wal.Record {
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
