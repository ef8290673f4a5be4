package replay

import (
	"errors"
	"fmt"
	"slices"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/wal"
)

// Options choose how a replay starts and what it keeps.
type Options struct {
	// FromCheckpoint restores the checkpoint snapshot and replays only the
	// entries after it. Without it, replay starts at the first commit and
	// checks the checkpoint (if any) on the way.
	FromCheckpoint bool
	// Collect keeps every verified entry in the result (for `writ log`).
	Collect bool
	// OnEntry, when set, is called in log order with each entry that
	// passed its signature, trailer and apply checks (for `writ verify`).
	// The state-hash checks of the newest few entries may still fail
	// after the call; Replay's error then names that entry.
	OnEntry func(index int, v Verified)
	// OnApply, when set, is called in log order with each verified entry
	// and the state before it (rules in force, instances), for callers
	// that explain an entry against what it judged (`writ show ENTRY`,
	// `writ log --instance`). Like OnEntry, it makes the walk read the
	// commits themselves, never git's commit-graph, so that an entry is
	// reported once; the state must not be modified.
	OnApply func(before core.State, v Verified)

	// Head, when set, is replayed instead of the local main (a fetched
	// remote main); IgnoreCheckpoint replays it all without reading or
	// checking the checkpoint.
	Head             plumbing.Hash
	IgnoreCheckpoint bool

	// noGraph walks main by reading its commits even where git's
	// commit-graph could say their first parents.
	noGraph bool
}

// Verified is one WAL entry that passed replay.
type Verified struct {
	Commit plumbing.Hash
	Author object.Signature
	Signer signing.Verified
	// Proposer is how the proposal's subject commit verified (its
	// signer, format and key); zero for genesis and for an attested
	// reject or withdraw entry whose proposal commit is absent.
	Proposer signing.Verified
	Record   wal.Record
	Outcome  core.Outcome
	// Attested is true for a reject or withdraw entry whose proposal head
	// (kept under refs/writ/rejected/ or refs/writ/withdrawn/) is not in
	// the repository: it rests on the reconciler's signature, as a GitHub
	// review does. Such an entry is refused, not attested, when evidence
	// that is present disagrees: an evidence ref naming another head, a
	// proposal commit or a decision commit that does not verify.
	Attested bool
	// Quarantined are the foreign commits a recover entry quarantined,
	// oldest first (recover entries only).
	Quarantined []Foreign
}

// Result is the state at main's head and what was checked.
type Result struct {
	State   core.State
	Head    plumbing.Hash
	Entries []Verified
	// Replayed counts the entries applied in this run.
	Replayed int
	// CheckpointAt is the main commit the checkpoint covers, zero if none;
	// Checkpoint is the checkpoint commit.
	CheckpointAt plumbing.Hash
	Checkpoint   plumbing.Hash
}

// TamperError names the WAL commit that does not verify and why.
type TamperError struct {
	Commit plumbing.Hash
	Index  int
	Reason string
}

func (e *TamperError) Error() string {
	return fmt.Sprintf("entry %d, commit %s: %s", e.Index, e.Commit, e.Reason)
}

// Unwrap makes errors.Is(err, ErrTampered) true.
func (e *TamperError) Unwrap() error { return ErrTampered }

// Replay verifies and folds main's first-parent history. Every entry's
// signature must be the reconciler identity's (as named by the rules in
// force), its trailers must decode, its proposal and decisions must verify
// against their own signed commits, its tree must be its first parent's
// plus the proposal file, what it merged must be what was approved (its
// second parent descends from the proposal commit, or for a one-parent
// reject entry its kept head does when present: see reject.go; a rules entry's rules
// files are that commit's and hash to Writ-Content: see merged.go),
// it must apply, and the state hashes it records must match the replayed
// ones. The first failure, in log order, stops the
// replay with a *TamperError (or an error wrapping ErrRewritten), except
// a commit after the first entry that does not verify: it and the commits
// after it are foreign (see quarantine.go) and stop applying until a
// recover entry quarantines them; foreign commits left at the head end
// the replay with a *ForeignError and the Result of the last verified
// entry (its State and Head), the only error returned with a Result.
//
// The checks that do not depend on the state (reading commits and trees,
// decoding trailers, every signature, the proposal file) run on all cores,
// a bounded window of entries ahead of the fold; Apply runs on one
// goroutine, in log order, and state hashes are compared as soon as they
// are computed. The result is the same as checking one entry after the
// other: the same state, the same first error.
func (e *Replayer) Replay(opts Options) (*Result, error) {
	res, _, err := e.ReplayStats(opts)
	return res, err
}

// ReplayStats is Replay, also returning what the fold counted.
func (e *Replayer) ReplayStats(opts Options) (*Result, Stats, error) {
	res, r, err := e.replayWith(opts)
	if r == nil {
		return res, Stats{}, err
	}
	return res, r.stats, err
}

func (e *Replayer) replayWith(opts Options) (*Result, *replayer, error) {
	head := opts.Head
	if head.IsZero() {
		var err error
		if head, err = e.mainHead(); err != nil {
			return nil, nil, err
		}
	}
	if head.IsZero() {
		return nil, nil, fmt.Errorf("main has no commits: not a writ control repo (run writ init)")
	}
	res := &Result{State: core.NewState(), Head: head}
	read := e.Store.FastReader()
	var cp gitstore.Checkpoint
	err := gitstore.ErrNoRef
	if !opts.IgnoreCheckpoint {
		cp, err = e.Store.ReadCheckpoint()
	}
	if errors.Is(err, gitstore.ErrBadCheckpoint) {
		// The checkpoint is a cache and the log the truth: one that is not
		// a checkpoint commit is not used; the next reconcile replaces it.
		err = gitstore.ErrNoRef
	}
	hasCheckpoint := err == nil
	if err != nil && !errors.Is(err, gitstore.ErrNoRef) {
		return nil, nil, fmt.Errorf("read checkpoint: %w", err)
	}
	var snapshot core.State
	if hasCheckpoint {
		snapshot, err = e.restore(cp, read)
		switch {
		case errors.Is(err, core.ErrSnapshotFormat):
			// Written by another version of writ: replay instead; the next
			// reconcile writes the checkpoint in this version's format.
			hasCheckpoint, snapshot, cp = false, core.State{}, gitstore.Checkpoint{}
		case err != nil:
			return nil, nil, err
		default:
			res.CheckpointAt, res.Checkpoint = cp.At, cp.Commit
		}
	}
	r := newReplayer(e, read)
	run := foldRun{res: res, collect: opts.Collect, onEntry: opts.OnEntry, onApply: opts.OnApply, cpIndex: -1, snapshot: snapshot, checkpoint: cp.Commit}
	if hasCheckpoint && opts.FromCheckpoint {
		// Only the entries after the checkpoint: cost grows with new
		// entries, not with history.
		if run.chain, err = read.FirstParents(head, cp.At); errors.Is(err, gitstore.ErrNotOnChain) {
			return nil, nil, rewritten(cp)
		} else if err != nil {
			return nil, nil, fmt.Errorf("walk main: %w", err)
		}
		run.base = int(snapshot.Entries())
		res.State = snapshot
		if len(run.chain) > 0 {
			// The entry after the checkpoint diffs against the checkpoint's
			// entry; nothing else is read from before it.
			run.parentTree, _ = r.treeOf(cp.At)
		}
	} else {
		r.early = startEarlySigs(read, r.guessRing(snapshot, head))
		// With OnEntry, entries are reported as the fold reaches them, before
		// a chain taken from the commit-graph is proven (see recheckChain):
		// walk the commits themselves then.
		useGraph := opts.OnEntry == nil && opts.OnApply == nil && !opts.noGraph
		run.chain, run.fromGraph, err = read.FirstParentsVisit(head, plumbing.ZeroHash, r.early.offer, useGraph)
		r.early.stop()
		r.stats.FromGraph = run.fromGraph
		if err != nil {
			return nil, nil, fmt.Errorf("walk main: %w", err)
		}
		if hasCheckpoint {
			run.cpIndex = slices.Index(run.chain, cp.At)
			if run.cpIndex < 0 && run.fromGraph {
				// The commit-graph is a cache: before calling main
				// rewritten, walk the commits themselves.
				if run.chain, _, err = read.FirstParentsVisit(head, plumbing.ZeroHash, nil, false); err != nil {
					return nil, nil, fmt.Errorf("walk main: %w", err)
				}
				run.fromGraph, run.cpIndex = false, slices.Index(run.chain, cp.At)
			}
			if run.cpIndex < 0 {
				return nil, nil, rewritten(cp)
			}
		}
	}
	for {
		err := r.fold(&run)
		if err == nil {
			return res, r, nil
		}
		if !run.fromGraph {
			return partial(res, err), r, err
		}
		if err := r.recheckChain(&run, read, head, err, cp, hasCheckpoint); errors.Is(err, errRestart) {
			opts.noGraph = true
			return e.replayWith(opts)
		} else if err != nil {
			return partial(res, err), r, err
		}
	}
}

// partial returns what a replay that failed with err still verified: for
// a *ForeignError, res with the state and head of the last verified entry;
// otherwise nil.
func partial(res *Result, err error) *Result {
	var fe *ForeignError
	if !errors.As(err, &fe) {
		return nil
	}
	res.Head = fe.Verified
	return res
}

// offChain reports that the chain the fold was given, taken in part from
// the commit-graph, is not main's first-parent history at chain index at:
// the commit there does not have the one before it as its first parent,
// or could not be read (cause).
type offChain struct {
	at    int
	cause error
}

func (e *offChain) Error() string {
	return fmt.Sprintf("the commit-graph disagrees with the commits at chain index %d", e.at)
}

// checkLink checks, for a chain taken from the commit-graph, that entry p
// follows the entry before it: its first parent is that entry (it has
// none, for the first entry of a whole-history replay).
func (run *foldRun) checkLink(p *prepared) error {
	ci := p.index - run.base
	switch {
	case p.readErr != nil:
		return &offChain{at: ci, cause: p.readErr}
	case ci == 0:
		if run.base == 0 && len(p.c.Parents) != 0 {
			return &offChain{at: ci}
		}
	case len(p.c.Parents) == 0 || p.c.Parents[0] != run.chain[ci-1]:
		return &offChain{at: ci}
	}
	return nil
}

// errRestart asks for the replay to start again without the commit-graph.
var errRestart = errors.New("replay again without the commit-graph")

// recheckChain decides what a failed fold over a chain taken from the
// commit-graph means. Each entry's link to the one before it is checked as
// the fold reaches it, so a fold that completes has followed main; but the
// graph is git's cache, and an entry that fails before the links above it
// are checked may not be on main at all. So the commits themselves are
// walked: when the chain up to the failing entry is theirs, the failure
// stands (returned as is); when the entries folded so far are theirs and
// the graph went wrong after them, the fold resumes on the commits' chain
// (nil), folding and collecting nothing twice; otherwise the replay starts
// again without the graph (errRestart: nothing was reported, since the
// graph is not used with OnEntry).
func (r *replayer) recheckChain(run *foldRun, read *gitstore.FastReader, head plumbing.Hash, failure error, cp gitstore.Checkpoint, hasCheckpoint bool) error {
	truth, _, err := read.FirstParentsVisit(head, plumbing.ZeroHash, nil, false)
	if err != nil {
		return fmt.Errorf("walk main: %w", err)
	}
	same := 0 // the length of the chains' common prefix
	for same < len(truth) && same < len(run.chain) && truth[same] == run.chain[same] {
		same++
	}
	folded := run.res.Replayed // whole-history replays only: base is 0
	failed := folded
	var off *offChain
	var tamper *TamperError
	switch {
	case errors.As(failure, &off):
		failed = off.at
	case errors.As(failure, &tamper):
		failed = tamper.Index - run.base
	}
	if same > failed || (same == len(truth) && same == len(run.chain)) {
		if off != nil && off.cause != nil {
			return off.cause
		}
		return failure
	}
	if same < folded {
		// Entries off main were folded: start again on main's chain.
		return errRestart
	}
	run.chain, run.fromGraph, run.start = truth, false, folded
	r.stats.Rechecked++
	if folded > 0 {
		if run.parentTree, err = r.treeOf(truth[folded-1]); err != nil {
			return err
		}
	}
	if hasCheckpoint && run.cpIndex >= folded {
		if run.cpIndex = slices.Index(truth, cp.At); run.cpIndex < 0 {
			return rewritten(cp)
		}
	}
	return nil
}

func rewritten(cp gitstore.Checkpoint) error {
	return fmt.Errorf("%w: checkpoint %s covers commit %s, which is not on main's first-parent history; "+
		"to recover, restore main to a history that holds %s (from a clone, or the reflog: git reflog main), "+
		"or, if the rewrite was deliberate, delete the checkpoint (git update-ref -d %s) so replay verifies main from its first commit",
		ErrRewritten, shortHash(cp.Commit.String()), cp.At, shortHash(cp.At.String()), gitstore.CheckpointRef)
}

// RestoreCheckpoint rebuilds the checkpoint's state and checks that the
// reconciler signed it.
func (e *Replayer) RestoreCheckpoint(cp gitstore.Checkpoint) (core.State, error) {
	return e.restore(cp, e.Store.FastReader())
}

// Checker verifies entries one at a time, on the calling goroutine, with
// the same checks as Replay.
type Checker struct {
	engine *Replayer
	r      *replayer
	// checkpoint is the checkpoint commit the states it is given were
	// restored from (zero: none), named when one of its buckets fails.
	checkpoint plumbing.Hash
	// q are the foreign commits the next entry must recover (nil: none).
	q *quarantine
}

// AfterForeign tells the checker that the next entry follows the foreign
// commits fe names, on the state of fe's last verified entry: it verifies
// only as their recovery (see quarantine.go).
func (v *Checker) AfterForeign(fe *ForeignError) {
	v.q = &quarantine{verified: fe.Verified, index: fe.Index, commits: slices.Clone(fe.Commits), first: fe.first}
}

// Checker returns a Checker for states restored from the checkpoint
// commit checkpoint (zero: none).
func (e *Replayer) Checker(checkpoint plumbing.Hash) *Checker {
	return &Checker{engine: e, checkpoint: checkpoint}
}

// Entry verifies one WAL commit against the state before it and returns
// the state after it.
func (v *Checker) Entry(s core.State, c *object.Commit, index int) (Verified, core.State, error) {
	if v.r == nil {
		v.r = newReplayer(v.engine, v.engine.Store.PlainReader())
	}
	p := v.r.prepareView(gitstore.ViewOf(c), index, v.r.ringFor(s.Rules(), s.RulesHash()))
	st := stepState{state: s, hash: s.Hash(), q: v.q}
	if v.q != nil && !isRecover(p) {
		return Verified{}, s, p.tamper("follows %d foreign commit(s) but is not a recover entry", len(v.q.commits))
	}
	if len(c.ParentHashes) > 0 {
		if pc, err := v.engine.Store.Commit(c.ParentHashes[0]); err == nil {
			st.parentTree = pc.TreeHash
		}
	}
	s, err := v.r.restoreFor(s, p, v.checkpoint)
	if err != nil {
		return Verified{}, s, err
	}
	st.state = s
	ent, next, err := v.r.apply(p, &st)
	if err != nil {
		return Verified{}, s, err
	}
	if h := next.Hash(); h != p.rec.StatePost {
		return Verified{}, s, p.tamper("%s is %s, replay gives %s", wal.KeyStatePost, p.rec.StatePost, h)
	}
	v.q = nil
	return ent, next, nil
}

// restoreFor returns s with the snapshot buckets entry p needs restored
// from the checkpoint s was restored from (core.State.Needs), so that a
// checkpoint that does not read is a TamperError naming that checkpoint
// before Apply runs.
func (r *replayer) restoreFor(s core.State, p *prepared, checkpoint plumbing.Hash) (core.State, error) {
	if p.readErr != nil || p.early != nil {
		return s, nil
	}
	next, err := RestoreBuckets(r.engine.Store, s, checkpoint, s.Needs(p.rec.Entry))
	if err != nil {
		return s, &TamperError{Commit: checkpoint, Index: p.index, Reason: "checkpoint: " + err.Error()}
	}
	return next, nil
}

// guessRing is the key ring most entries of a whole-history replay are
// likely verified with: the checkpoint's rules if there is a checkpoint,
// else the rules in main's head tree; nil if neither reads.
func (r *replayer) guessRing(snapshot core.State, head plumbing.Hash) *ringRef {
	if rules := snapshot.Rules(); rules != nil {
		return r.ringFor(rules, snapshot.RulesHash())
	}
	c, err := r.read.Commit(head)
	if err != nil {
		return nil
	}
	rules, err := r.loadRules(c)
	if err != nil {
		return nil
	}
	hash, err := core.HashRules(rules)
	if err != nil {
		return nil
	}
	return r.ringFor(rules, hash)
}
