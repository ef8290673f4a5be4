package reconciler

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/outcome"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// A step is one named stage of the reconcile loop. Every step has the same
// signature: it reads what the steps before it left in the run and leaves
// its own result there.
type step struct {
	name string
	run  func(*run, context.Context) error
}

// steps is the reconcile loop, in order. One driver (Engine.ReconcileWith)
// runs them for every kind of run: local, against a remote, GitHub pull
// requests; the difference is the Source and the Reporters plugged in.
//
//   - fetch: with a remote, fetch its main (which must extend the last one
//     seen), the proposal branches, the checkpoint and what the Source
//     asks for, and reset the local main to the remote's; without one,
//     read the local main. Fetch comes before load because the remote's
//     checkpoint is one of the things fetched.
//   - load: the verified state at main: the checkpoint plus the entries
//     after it on the first run; after that only the entries that arrived
//     since the last round, each verified. When main holds commits writ
//     did not write after its last verified entry, the state is that
//     entry's, and apply writes nothing but their recovery, on top of them
//     (recover.go); the run then ends with their *ForeignError.
//   - read proposals: the Source's candidates, from the proposal cursor on,
//     at most ReconcileOptions.MaxProposals of them per round.
//   - verify: each candidate read and its signatures verified (intake),
//     plus what the Source records outside git; lazily, so a
//     batch costs what it reads. A candidate that cannot be read (its
//     source failed on it) waits with the reason; the others go on.
//   - gate: each proposal judged against the state its entry would land
//     on (intake.Gate), once the snapshot buckets it needs are restored
//     from the checkpoint (the core never reads them itself). The gate
//     runs Apply once and keeps the state it gives.
//   - apply: for each ready or rejected proposal its source does not hold
//     back, one signed entry on top of the last, up to
//     ReconcileOptions.Batch; the state after it is the gate's, not
//     applied again. A proposal that waits for a human and has no wait
//     recorded for its content gets a wait entry, and one whose recorded
//     wait outlasted its declared timeout a timeout entry (wait_entry.go).
//   - publish: main moved by compare-and-swap to the last entry: locally,
//     and with a remote by a compare-and-swap push, which also creates the
//     refs that keep rejected proposals' commits (rejectedRefs) atomically. A lost race (the
//     error wraps gitstore.ErrRefMoved) starts the round again at fetch.
//   - checkpoint: a signed snapshot of the state at main (pushed when the
//     remote's main is still that commit).
//   - prune: the proposal branches whose proposal is closed (applied,
//     rejected, stale, duplicate) are deleted with their decision refs,
//     locally or on the remote, each only if it still points at what was
//     judged (prune.go).
//   - report: every Reporter is told what the run did.
//
// fetch to publish form a round; the driver repeats it after a lost race
// (at most ReconcileOptions.Retries times in a row) and while more
// proposals may be ready (at most ReconcileOptions.Rounds rounds).
var steps = []step{
	{"fetch", (*run).fetch},
	{"load", (*run).load},
	{"read proposals", (*run).readProposals},
	{"verify", (*run).verify},
	{"gate", (*run).gate},
	{"apply", (*run).apply},
	{"publish", (*run).publish},
	{"checkpoint", (*run).checkpoint},
	{"prune", (*run).prune},
	{"report", (*run).report},
}

// StepNames lists the loop's steps in the order they run.
func StepNames() []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.name
	}
	return out
}

// Indexes of the steps the driver jumps to.
var (
	roundStart = stepIndex("fetch")
	roundEnd   = stepIndex("publish")
)

func stepIndex(name string) int {
	for i, s := range steps {
		if s.name == name {
			return i
		}
	}
	panic("reconciler: no step " + name) // a programming error in the table above
}

// run is one reconcile as it goes through the steps.
type run struct {
	e         *Engine
	opts      *ReconcileOptions
	src       Source
	reporters []Reporter
	rep       *outcome.Report
	// start is the local main when the run began: the working tree
	// follows main from there at the end.
	start plumbing.Hash

	// Verified: state is the verified state at head, a commit on main;
	// checkpointAt is what the local checkpoint covers, restoredFrom the
	// checkpoint commit state was restored from.
	loaded       bool
	state        core.State
	head         plumbing.Hash
	checkpointAt plumbing.Hash
	restoredFrom plumbing.Hash
	// onMain holds the proposal files in head's tree (remote runs): a
	// proposal whose file is there is merged, known without reading it.
	onMain map[string]bool
	// foreign, when not nil, says main (at foreignTip) holds commits writ
	// did not write after head, the last verified entry: nothing applies
	// but their recovery (see recover.go).
	foreign    *ForeignError
	foreignTip plumbing.Hash

	// The round: base is main as fetched (the old value of every
	// compare-and-swap); candidates what the source listed; proposals,
	// gated the lazy results of verify and gate; next and nextHead the
	// state and main after the entries written so far (batch).
	rounds     int // rounds that ran to the end
	races      int // lost races in a row
	base       plumbing.Hash
	candidates []intake.Candidate
	proposals  iter.Seq[proposal]
	gated      iter.Seq[gated]
	next       core.State
	nextHead   plumbing.Hash
	batch      []outcome.Applied
	more       bool
	// recovers: the batch holds the recovery of r.foreign.
	recovers bool
	// behind are the waiting proposals whose path holds another
	// content's wait; read and openAt the candidates the round read and
	// the proposals open at each path (recordBehind).
	behind []gated
	read   map[string]bool
	openAt map[string][]core.OpenProposal
	// iterErr is the first error of the lazy verify and gate steps (a
	// source that failed, state that could not be restored); apply
	// returns it.
	iterErr error
}

// proposal is a candidate as the verify step read it.
type proposal struct {
	cand    intake.Candidate
	pending intake.Pending
}

// gated is a proposal with the gate's verdict.
type gated struct {
	cand intake.Candidate
	gate intake.GateResult
}

// drive runs the steps in order, repeating the round as the loop's doc
// says. The report step runs whatever happened before it; an error of an
// earlier step is returned unwrapped.
func (r *run) drive(ctx context.Context) error {
	var err error
	for i := 0; i < len(steps); {
		if steps[i].name == "report" || err != nil {
			break
		}
		err = steps[i].run(r, ctx)
		switch {
		case err != nil && errors.Is(err, gitstore.ErrRefMoved) && i >= roundStart && i <= roundEnd:
			r.rep.Races++
			r.races++
			if r.races > r.opts.Retries {
				err = fmt.Errorf("gave up after %d lost races in a row: %w", r.races, err)
				continue
			}
			if r.opts.Backoff != nil {
				if err = sleep(ctx, r.opts.Backoff(r.races)); err != nil {
					continue
				}
			}
			err, i = nil, roundStart
		case err != nil:
		case i == roundEnd:
			r.races = 0
			r.rounds++
			if r.more && (r.opts.Rounds == 0 || r.rounds < r.opts.Rounds) {
				i = roundStart
				continue
			}
			r.rep.More = r.more
			i++
		default:
			i++
		}
	}
	if err == nil && r.foreign != nil {
		// Loudly: the run applied nothing, and says why.
		err = r.foreign
	}
	r.rep.State, r.rep.Head, r.rep.Err, r.rep.Foreign = r.state, r.head, err, r.foreign
	r.e.followMain(r.start, r.rep)
	if rerr := r.report(ctx); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

// fetch starts a round: the remote's refs fetched and the local main reset
// to the remote's, or the local main read.
func (r *run) fetch(ctx context.Context) error {
	e := r.e
	if r.opts.Remote == "" {
		h, err := e.mainHead()
		r.base = h
		return err
	}
	extra, err := r.src.Refspecs(ctx, r.opts.Remote, r.rep.Note)
	if err != nil {
		return err
	}
	r.base, err = e.fetchRemote(ctx, r.opts.Remote, r.rep, extra...)
	return err
}

// load makes r.state the verified state at r.base.
func (r *run) load(_ context.Context) error {
	if err := r.catchUp(); err != nil {
		return fmt.Errorf("load state: %w", err)
	}
	r.next, r.nextHead, r.batch, r.more, r.recovers, r.iterErr = r.state, r.head, nil, false, false, nil
	r.rep.Skipped, r.rep.Merged, r.rep.Held = r.rep.Skipped[:0], r.rep.Merged[:0], r.rep.Held[:0]
	return nil
}

func (r *run) catchUp() error {
	e := r.e
	switch {
	case r.loaded && r.foreign == nil && r.head == r.base:
		return nil
	case r.loaded && r.foreign != nil && r.foreignTip == r.base:
		return nil // the same foreign commits as before
	case r.loaded && r.foreign == nil:
		newer, err := e.Store.FirstParentLog(r.base, r.head)
		if err == nil {
			state := r.state
			state, err = e.verifyNewer(state, r.restoredFrom, newer, nil)
			if err == nil {
				return r.moveTo(state, r.base)
			}
			if !errors.Is(err, ErrTampered) {
				return err
			}
			// A commit that does not verify: load again, which tells a
			// foreign commit from a damaged log.
		} else if !errors.Is(err, gitstore.ErrNotOnChain) {
			return err
		}
	}
	var res *ReplayResult
	var err error
	if r.opts.Remote != "" {
		res, err = e.loadRemoteState(r.opts.Remote, r.base, r.rep)
	} else {
		res, err = e.Replay(ReplayOptions{FromCheckpoint: true})
	}
	var foreign *ForeignError
	if errors.As(err, &foreign) && res != nil {
		err = nil
	}
	if err != nil {
		return err
	}
	if r.opts.Remote != "" {
		files, err := e.Store.ListFiles(res.Head, "proposals")
		if err != nil {
			return err
		}
		r.onMain = make(map[string]bool, len(files))
		for _, f := range files {
			r.onMain[f] = true
		}
	}
	r.loaded, r.state, r.head, r.checkpointAt, r.restoredFrom = true, res.State, res.Head, res.CheckpointAt, res.Checkpoint
	r.foreign, r.foreignTip = foreign, plumbing.ZeroHash
	if foreign != nil {
		// main stays where it is: a recovery is written on top of it.
		r.foreignTip = r.base
		return nil
	}
	r.base = res.Head
	return nil
}

// moveTo advances the verified state to head, a descendant of r.head,
// noting the proposal files the new entries added.
func (r *run) moveTo(state core.State, head plumbing.Hash) error {
	if r.onMain != nil {
		changed, err := r.e.Store.ChangedFilesTrusted(r.head, head) // entries this run verified
		if err != nil {
			return err
		}
		for _, f := range changed {
			if strings.HasPrefix(f, schemas.ProposalsDir+"/") {
				r.onMain[f] = true
			}
		}
	}
	r.state, r.head = state, head
	return nil
}

// view is what the source sees of the round.
func (r *run) view() intake.View {
	return intake.View{State: r.state, Main: r.head, Remote: r.opts.Remote}
}

// readProposals asks the source for its candidates.
func (r *run) readProposals(ctx context.Context) error {
	c, err := r.src.Candidates(ctx, r.view())
	if err != nil {
		return err
	}
	r.candidates = c
	return nil
}

// verify reads and verifies the candidates, lazily and at most
// opts.MaxProposals that are not merged, from the proposal cursor on.
func (r *run) verify(ctx context.Context) error {
	rules := r.state.Rules()
	reader := r.e.reader()
	if remote := r.opts.Remote; remote != "" {
		reader.DecisionRef = func(branch string) string { return trackingDecisionRef(remote, branch) }
	}
	ring, err := intake.RingOf(rules)
	if err != nil {
		return fmt.Errorf("key ring: %w", err)
	}
	view := r.view()
	// unjudged makes a candidate that could not be read in this run wait,
	// with the reason, so that it never stops the others; a run whose
	// context ended stops.
	unjudged := func(c intake.Candidate, p intake.Pending, err error) proposal {
		if ctx.Err() != nil {
			r.iterErr = ctx.Err()
		}
		c.Waiting = fmt.Sprintf("not judged in this run (the next run judges it again): %v", err)
		return proposal{cand: c, pending: p}
	}
	read := func(c intake.Candidate) proposal {
		p := intake.Pending{Branch: c.Name, Head: c.Head}
		switch {
		case c.Waiting != "":
			return proposal{cand: c, pending: p}
		case c.FromCommits:
			got, err := reader.PendingFromCommits(rules, r.head, c.Name, c.Head)
			if err != nil {
				return unjudged(c, p, err)
			}
			p = got
		default:
			path, err := schemas.ProposalPathOfBranch(c.Name)
			if err == nil && r.onMain[path] {
				p.Path, p.Merged = path, true
				return proposal{cand: c, pending: p}
			}
			p = reader.ReadPending(rules, ring, r.head, c.Name, c.Head)
		}
		if p.Path != "" && len(p.Problems) == 0 && !p.Merged {
			out, err := r.src.Outside(ctx, view, c, p)
			if err != nil {
				return unjudged(c, intake.Pending{Branch: c.Name, Head: c.Head, Path: p.Path}, err)
			}
			p.Decisions = append(p.Decisions, out.Decisions...)
			p.Grants = append(p.Grants, out.Grants...)
			p.CoAuthors = append(p.CoAuthors, out.CoAuthors...)
			if out.Trigger != nil {
				// Judged at the edge as the reducer judges it, so that a
				// bad one waits here with the reason instead of refusing
				// the entry.
				if err := schemas.CheckSourceTrigger(*out.Trigger); err != nil {
					return unjudged(c, intake.Pending{Branch: c.Name, Head: c.Head, Path: p.Path}, fmt.Errorf("source trigger: %w", err))
				}
				p.Trigger = out.Trigger
			}
		}
		return proposal{cand: c, pending: p}
	}
	capped := r.e.capProposals(r.candidates, r.opts.MaxProposals, read, r.rep)
	r.proposals = func(yield func(proposal) bool) {
		for p := range capped {
			if r.iterErr != nil || !yield(p) {
				return
			}
		}
	}
	return nil
}

// gate judges each proposal against the state its entry would land on.
func (r *run) gate(_ context.Context) error {
	r.gated = func(yield func(gated) bool) {
		for p := range r.proposals {
			var g intake.GateResult
			if p.cand.Waiting != "" {
				g = intake.GateResult{Pending: p.pending, Verdict: intake.VerdictWaiting, Reason: p.cand.Waiting}
			} else {
				restored, err := r.e.RestoreBuckets(r.next, r.restoredFrom, p.pending.Needs(r.next))
				if err != nil {
					r.iterErr = fmt.Errorf("load state for proposal %s: %w", p.pending.Branch, err)
					return
				}
				r.next = restored
				if g, err = intake.Gate(r.next, p.pending, core.NextHLC(r.next.Clock().HLC, r.e.now().UnixMilli())); err != nil {
					r.iterErr = fmt.Errorf("proposal %s: %w", p.pending.Branch, err)
					return
				}
			}
			if !yield(gated{cand: p.cand, gate: g}) {
				return
			}
		}
	}
	return nil
}

// apply writes one signed entry per ready, rejected or withdrawn proposal on top of
// the last, up to opts.Batch; main does not move yet.
func (r *run) apply(_ context.Context) error {
	e, rep := r.e, r.rep
	reconcilerID := r.state.Rules().Config.Reconciler.Identity
	signer, err := e.Keys.Signer(reconcilerID)
	if err != nil {
		return fmt.Errorf("reconciler key: %w", err)
	}
	r.behind, r.read, r.openAt = nil, nil, nil
	for item := range r.gated {
		g := item.gate
		if r.opts.Batch > 0 && len(r.batch) == r.opts.Batch {
			r.more = true
			break
		}
		r.noteOpen(item)
		switch g.Verdict {
		case intake.VerdictReady, intake.VerdictRejected, intake.VerdictWithdrawn:
		case intake.VerdictMerged:
			rep.Merged = append(rep.Merged, g)
			continue
		case intake.VerdictWaiting:
			wrote, err := r.recordWait(item, signer, reconcilerID)
			if err != nil {
				return err
			}
			if !wrote || r.batch[len(r.batch)-1].Gate.Entry.Kind.RecordsWait() {
				rep.Skipped = append(rep.Skipped, g) // still waiting; a timeout closed the others
			}
			continue
		default:
			rep.Skipped = append(rep.Skipped, g)
			continue
		}
		if item.cand.Hold != "" {
			rep.Held = append(rep.Held, outcome.Held{Gate: g, Reason: item.cand.Hold})
			continue
		}
		recovery, hold := r.recoveryOf(g)
		if hold != "" {
			rep.Held = append(rep.Held, outcome.Held{Gate: g, Reason: hold})
			continue
		}
		if r.laterRuleChange(g) {
			r.more = true // judged again in the next round, on the new main
			break
		}
		if r.nameInBatch(g.Pending.Path) {
			r.more = true // judged again in the next round, which finds the name on main
			continue
		}
		// The gate applied the entry to decide (core.Judge); its result is
		// the entry's, provided the entry lands on the state the gate
		// judged.
		if base := r.next.Hash(); g.Base != base {
			return fmt.Errorf("proposal %s: gated on state %s, but its entry would land on %s", g.Pending.Branch, g.Base, base)
		}
		next, out := g.Next, g.Outcome
		if !out.Status.Changed() {
			return fmt.Errorf("proposal %s: gate said %s but apply says %s: %s", g.Pending.Branch, g.Verdict, out.Status, out.Reason)
		}
		if g.Pending.Head, err = e.withKeptDecisions(g.Pending, r.next.Rules(), signer); err != nil {
			return fmt.Errorf("proposal %s: %w", g.Pending.Branch, err)
		}
		msg, err := wal.Encode(record(g, out, r.next, next))
		if err != nil {
			return fmt.Errorf("proposal %s: %w", g.Pending.Branch, err)
		}
		files, deleted := entryFiles(g)
		req := gitstore.CommitRequest{
			Parents:   entryParents(r.nextHead, g),
			Files:     files,
			Delete:    deleted,
			Message:   msg,
			Author:    e.signature(r.next.Rules(), reconcilerID),
			Committer: e.signature(r.next.Rules(), reconcilerID),
			Signer:    signer,
		}
		if recovery {
			// On top of the foreign commits, restoring the verified tree.
			if req.BaseTree, err = r.verifiedTree(); err != nil {
				return fmt.Errorf("proposal %s: %w", g.Pending.Branch, err)
			}
			req.Parents[0] = r.base
		}
		commit, err := e.Store.WriteCommit(req)
		if err != nil {
			return fmt.Errorf("proposal %s: write entry: %w", g.Pending.Branch, err)
		}
		r.recovers = r.recovers || recovery
		if err := r.opts.crash(CrashAfterCommitBeforeCAS); err != nil {
			return err
		}
		r.batch = append(r.batch, outcome.Applied{Commit: commit, Gate: g, BranchHead: item.cand.Head})
		r.next, r.nextHead = next, commit
	}
	if r.iterErr == nil {
		if err := r.recordBehind(signer, reconcilerID); err != nil {
			return err
		}
	}
	if r.recovers && len(rep.Held) > 0 {
		r.more = true // held for the foreign commits: they may apply now
	}
	return r.iterErr
}

// publish moves main to the last entry by compare-and-swap: the local main,
// and with a remote a compare-and-swap push of it. A push that loses puts
// the local main back, so nothing unpublished stays on it. Before anything
// moves, every new entry is verified as replay will verify it (checkBatch).
func (r *run) publish(ctx context.Context) error {
	if len(r.batch) == 0 {
		return nil
	}
	e, rep := r.e, r.rep
	if err := r.checkBatch(); err != nil {
		return err
	}
	rejected, err := rejectedRefs(r.batch)
	if err != nil {
		return err
	}
	if err := e.Store.CompareAndSwap(gitstore.MainRef, r.base, r.nextHead); err != nil {
		return fmt.Errorf("publish %d entries: %w", len(r.batch), err)
	}
	kept, err := e.keepRejected(rejected)
	if err != nil {
		rep.Note(err.Error())
	}
	if remote := r.opts.Remote; remote != "" {
		if err := r.opts.crash(CrashAfterCommitBeforePush); err != nil {
			return err
		}
		// The rejected proposals' commits go with main, in one push.
		err := e.Store.PushCASWith(ctx, remote, gitstore.MainRef, r.base, r.nextHead, rejected)
		if errors.Is(err, gitstore.ErrEvidence) {
			rep.Note(fmt.Sprintf("main published, but not every rejected proposal's commits (replay takes those rejections on the reconciler's word): %v", err))
		} else if err != nil {
			_ = e.Store.CompareAndSwap(gitstore.MainRef, r.nextHead, r.base)
			if err := e.unkeepRejected(kept, rejected); err != nil {
				rep.Note(err.Error())
			}
			return fmt.Errorf("publish %d entries to %s: %w", len(r.batch), remote, err)
		}
		rep.Pushes++
		// As git push does: the tracking ref follows what was pushed.
		if err := e.Store.CompareAndSwap(trackingMain(remote), r.base, r.nextHead); err != nil {
			return fmt.Errorf("after push: %w", err)
		}
	}
	published(rep, r.batch)
	if err := r.moveTo(r.next, r.nextHead); err != nil {
		return err
	}
	if r.recovers {
		r.foreign, r.foreignTip, r.recovers = nil, plumbing.ZeroHash, false
	}
	r.batch = nil
	return r.opts.crash(CrashAfterPushBeforeCheckpoint)
}

// checkpoint writes a checkpoint at main when the last one covers an
// older entry, pushes it when the run ended with nothing more ready, and
// brings the working tree along to main.
func (r *run) checkpoint(ctx context.Context) error {
	if !r.loaded {
		return nil
	}
	e := r.e
	if r.checkpointAt != r.head {
		if err := e.checkpoint(r.state, r.restoredFrom, r.head); err != nil {
			return err
		}
		r.checkpointAt = r.head
	}
	if r.opts.Remote != "" && !r.rep.More {
		e.pushCheckpoint(ctx, r.opts.Remote, r.rep)
	}
	if len(r.rep.Applied) > 0 {
		return r.opts.crash(CrashAfterApplyBeforeReport)
	}
	return nil
}

// report tells every reporter what the run did; their errors are joined.
func (r *run) report(ctx context.Context) error {
	var errs []error
	for _, rp := range r.reporters {
		if err := rp.Report(ctx, r.rep); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkBatch verifies the entries of the batch exactly as replay will
// (signed by the reconciler identity writ.yaml names, with the key it
// registers; trailers; state hashes; what was merged is what was
// approved), so that a misconfigured key or a bug never publishes an entry
// every later replay would refuse. The error names the entry and says
// nothing was published.
func (r *run) checkBatch() error {
	commits := make([]*object.Commit, len(r.batch))
	for i, a := range r.batch {
		c, err := r.e.Store.Commit(a.Commit)
		if err != nil {
			return fmt.Errorf("read back entry %s: %w", shortHash(a.Commit.String()), err)
		}
		commits[i] = c
	}
	var foreign *ForeignError
	if r.recovers {
		foreign = r.foreign
	}
	if _, err := r.e.verifyNewer(r.state, r.restoredFrom, commits, foreign); err != nil {
		id := r.state.Rules().Config.Reconciler.Identity
		return fmt.Errorf("nothing published: replay would refuse the entries this run wrote (is the key signing as %s the one writ.yaml registers for it?): %w", id, err)
	}
	return nil
}

// nameInBatch reports whether an entry of this run's batch already closes
// or applies a proposal of the same instance and name as path in the other
// shape (flat or sharded): a name is used once per instance, and the
// evidence refs of closed proposals are named by instance and name alone
// (replay.ClosedRef), so the second must wait for the next round's gate,
// which refuses it.
func (r *run) nameInBatch(path string) bool {
	other, ok := schemas.OtherShapePath(path)
	if !ok {
		return false
	}
	for _, a := range r.batch {
		if a.Gate.Pending.Path == other {
			return true
		}
	}
	return false
}
