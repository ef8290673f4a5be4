package replay

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// replayWindow bounds how many entries the stateless checks run ahead of
// the fold (and so how many prepared entries are held in memory).
const replayWindow = 64

// progressEvery is how often, in entries, Replay reports progress.
const progressEvery = 64

// replayer holds what one replay shares between its goroutines: the object
// reader, the key rings by rules hash, and the tree check (its reads
// shared, its cache of main's trees the fold's only).
type replayer struct {
	engine  *Replayer
	read    *gitstore.FastReader
	ringMu  sync.Mutex
	rings   map[string]*ringRef
	current atomic.Pointer[ringRef] // the rules in force at the fold's position
	trees   *gitstore.TreeCheck
	early   *earlySigs // entry signatures verified during the walk, or nil
	closed  closedRefs // the evidence refs of closed proposals, read once
	stats   Stats      // kept by the fold
	// modeline is the first line of the last proposal file read
	// (proposalFile), shared by the workers.
	modeline atomic.Pointer[modeline]
}

// Stats counts how the fold checked entries, for tests and
// benchmarks.
type Stats struct {
	// TreeDiffs counts entries whose tree the raw comparison could not
	// show to be the parent's plus the proposal, so a tree diff decided.
	TreeDiffs int
	// TreeHints counts entries whose tree was shown from a hinted blob
	// (gitstore.TreeCheck.HintFrom), their lineage and shard trees
	// computed instead of read.
	TreeHints int
	// ProposalsRendered counts entries whose proposal file was shown to
	// be the rendering of the recorded proposal by its object name, and
	// so not read.
	ProposalsRendered int
	// Reverified counts entries verified ahead against rules that a rules
	// entry before them then replaced.
	Reverified int
	// FromGraph: the walk of main took first parents from the
	// commit-graph; Rechecked counts failed folds that then walked the
	// commits themselves and resumed.
	FromGraph bool
	Rechecked int
}

// ringRef is a rule set's key ring, or why it could not be built.
type ringRef struct {
	hash string
	ring *signing.KeyRing
	err  error
	// identity is the reconciler's (rules.Config.Reconciler.Identity):
	// only an entry it signed is checked further (verifySignatures).
	identity string
}

// noRules is the ring before genesis: it verifies nothing.
var noRules = &ringRef{err: fmt.Errorf("no rules in force")}

func newReplayer(e *Replayer, read *gitstore.FastReader) *replayer {
	return &replayer{engine: e, read: read, rings: map[string]*ringRef{}, trees: read.NewTreeCheck()}
}

// ringFor returns the key ring of a rule set, built once per rules hash.
func (r *replayer) ringFor(rules *schemas.Bundle, hash string) *ringRef {
	if rules == nil {
		return noRules
	}
	r.ringMu.Lock()
	defer r.ringMu.Unlock()
	if ref, ok := r.rings[hash]; ok {
		return ref
	}
	ring, err := intake.RingOf(rules)
	ref := &ringRef{hash: hash, ring: ring, err: err, identity: rules.Config.Reconciler.Identity}
	r.rings[hash] = ref
	return ref
}

// foldRun is one replay's input and running result.
type foldRun struct {
	res   *Result
	chain []plumbing.Hash
	// base is the entry index of chain[0] (the checkpoint's entry count
	// when replaying from it).
	base int
	// cpIndex is the chain index of the checkpoint's entry (-1: none to
	// check), snapshot its state and checkpoint its commit.
	cpIndex    int
	snapshot   core.State
	checkpoint plumbing.Hash
	collect    bool
	onEntry    func(int, Verified)
	onApply    func(core.State, Verified)
	// parentTree is the tree of the entry before chain[start], when known.
	parentTree plumbing.Hash
	// start is the chain index the fold begins at (entries before it are
	// already folded into res.State).
	start int
	// fromGraph: the chain was taken in part from the commit-graph, so each
	// entry's first parent is checked against it (see checkLink).
	fromGraph bool
}

// stepState is the fold's position: the state, its hash, and the tree of
// the last entry folded.
type stepState struct {
	state      core.State
	hash       string
	parentTree plumbing.Hash
	// q holds the foreign commits after the last entry folded (nil: none).
	q *quarantine
}

// fold verifies and applies run.chain in order. Stateless checks run on
// GOMAXPROCS workers up to replayWindow entries ahead; each prepared entry
// is then checked against the state and applied here, in order. State
// hashes after each entry are computed by the workers too; the lowest
// failing index wins, so the error is the one a one-by-one replay gives.
func (r *replayer) fold(run *foldRun) error {
	st := stepState{state: run.res.State, hash: run.res.State.Hash(), parentTree: run.parentTree}
	r.current.Store(r.ringFor(st.state.Rules(), st.state.RulesHash()))
	start := run.start
	if start == 0 && st.state.Rules() == nil && len(run.chain) > 0 {
		// Before genesis there is no key ring to verify with.
		p := r.prepare(run.chain[0], run.base, noRules)
		if err := r.step(run, &st, p, nil); err != nil {
			return err
		}
		start = 1
	}
	if start == len(run.chain) {
		r.progress(len(run.chain), len(run.chain))
		return nil
	}
	// Goal action files are only added: the tip's tree names each one's
	// blob, so the tree check need not read every lineage and shard tree
	// (gitstore.TreeCheck.HintFrom; a hint that does not hold fails over
	// to reading them).
	if tip, err := r.treeOf(run.chain[len(run.chain)-1]); err == nil {
		r.trees.HintFrom(tip)
	}
	pl := newPipeline(runtime.GOMAXPROCS(0))
	defer pl.stop()
	pl.feeder.Add(1)
	go pl.dispatch(r, run, start)
	for t := range pl.ordered {
		<-t.done
		if err := r.step(run, &st, t.res, pl); err != nil {
			return pl.first(err)
		}
	}
	if err := pl.first(st.foreign()); err != nil {
		return err
	}
	r.progress(len(run.chain), len(run.chain))
	return nil
}

// foreign is the *ForeignError of the foreign commits left at the fold's
// position, or nil.
func (st *stepState) foreign() error {
	if st.q == nil {
		return nil
	}
	return st.q.err()
}

// step checks one prepared entry against the fold's state, applies it and
// moves the state on. The state hash after it is compared here when pl is
// nil or at the checkpoint's entry, otherwise by pl's workers.
func (r *replayer) step(run *foldRun, st *stepState, p *prepared, pl *pipeline) error {
	if run.fromGraph {
		if err := run.checkLink(p); err != nil {
			return err
		}
	}
	ci := p.index - run.base
	if st.q != nil && !isRecover(p) {
		// After a foreign commit nothing applies until a recovery.
		if ci == run.cpIndex {
			return &TamperError{Commit: run.checkpoint, Index: p.index, Reason: "the checkpoint covers a commit after a foreign commit"}
		}
		st.q.commits = append(st.q.commits, foreignOf(p.c, ""))
		return nil
	}
	restored, err := r.restoreFor(st.state, p, run.checkpoint)
	if err != nil {
		return err
	}
	st.state = restored
	before := restored
	ent, next, err := r.apply(p, st)
	switch {
	case err != nil && st.q != nil:
		// A recover entry that does not verify is one more foreign commit.
		st.q.commits = append(st.q.commits, foreignOf(p.c, err.Error()))
		return nil
	case err != nil:
		if q := startQuarantine(p, err); q != nil && ci != run.cpIndex {
			st.q = q
			return nil
		}
		return err
	}
	st.q = nil
	if pl == nil || ci == run.cpIndex {
		h := next.Hash()
		if h != p.rec.StatePost {
			return p.tamper("%s is %s, replay gives %s", wal.KeyStatePost, p.rec.StatePost, h)
		}
		if ci == run.cpIndex && h != run.snapshot.Hash() {
			return &TamperError{Commit: run.checkpoint, Index: p.index,
				Reason: fmt.Sprintf("checkpoint snapshot %s disagrees with the replayed state %s", run.snapshot.Hash(), h)}
		}
	} else {
		pl.checkHash(p, next)
	}
	st.state, st.hash, st.parentTree = next, p.rec.StatePost, p.c.Tree
	run.res.State = next
	run.res.Replayed++
	if p.rendered {
		r.stats.ProposalsRendered++
	}
	if run.collect {
		run.res.Entries = append(run.res.Entries, ent)
	}
	if run.onEntry != nil {
		run.onEntry(p.index, ent)
	}
	if run.onApply != nil {
		run.onApply(before, ent)
	}
	if k := p.rec.Entry.Kind; k == core.KindGenesis || k == core.KindRules {
		r.current.Store(r.ringFor(next.Rules(), next.RulesHash()))
	}
	if done := ci + 1; done%progressEvery == 0 {
		r.progress(done, len(run.chain))
	}
	return nil
}

func (r *replayer) progress(done, total int) {
	if r.engine.Progress != nil && total > 0 {
		r.engine.Progress(done, total)
	}
}

// task is one entry's stateless checks, done by a worker.
type task struct {
	index int
	hash  plumbing.Hash
	ring  *ringRef
	res   *prepared
	done  chan struct{}
}

// pipeline runs tasks and state-hash checks on a pool of workers.
type pipeline struct {
	work    chan func()
	ordered chan *task
	quit    chan struct{}
	workers sync.WaitGroup
	feeder  sync.WaitGroup

	hashes sync.WaitGroup
	mu     sync.Mutex
	failed *TamperError // the lowest-index state hash mismatch
}

func newPipeline(workers int) *pipeline {
	pl := &pipeline{work: make(chan func(), replayWindow), ordered: make(chan *task, replayWindow), quit: make(chan struct{})}
	for range max(workers, 1) {
		pl.workers.Add(1)
		go func() {
			defer pl.workers.Done()
			for f := range pl.work {
				f()
			}
		}()
	}
	return pl
}

// dispatch queues the entries from chain index start on, in order.
func (pl *pipeline) dispatch(r *replayer, run *foldRun, start int) {
	defer pl.feeder.Done()
	defer close(pl.ordered)
	for i := start; i < len(run.chain); i++ {
		t := &task{index: run.base + i, hash: run.chain[i], ring: r.current.Load(), done: make(chan struct{})}
		select {
		case pl.ordered <- t:
		case <-pl.quit:
			return
		}
		f := func() {
			defer close(t.done)
			select {
			case <-pl.quit: // the fold stopped: nobody needs this entry
			default:
				t.res = r.prepare(t.hash, t.index, t.ring)
			}
		}
		select {
		case pl.work <- f:
		case <-pl.quit:
			return
		}
	}
}

// statePool holds copies of states waiting for a worker to hash them: a
// State is several kilobytes, too much to allocate per entry.
var statePool = sync.Pool{New: func() any { return new(core.State) }}

// checkHash compares the state after p with the hash p records, on a
// worker.
func (pl *pipeline) checkHash(p *prepared, next core.State) {
	s := statePool.Get().(*core.State)
	*s = next
	pl.hashes.Add(1)
	pl.work <- func() {
		defer pl.hashes.Done()
		h := s.Hash()
		*s = core.State{} // drop the references before pooling
		statePool.Put(s)
		if h != p.rec.StatePost {
			err := p.tamper("%s is %s, replay gives %s", wal.KeyStatePost, p.rec.StatePost, h).(*TamperError)
			pl.mu.Lock()
			if pl.failed == nil || err.Index < pl.failed.Index {
				pl.failed = err
			}
			pl.mu.Unlock()
		}
	}
}

// first waits for the pending hash checks and returns the earliest
// failure: a hash mismatch (always of an entry before err's, since only
// folded entries are checked), else err.
func (pl *pipeline) first(err error) error {
	pl.hashes.Wait()
	if pl.failed != nil {
		return pl.failed
	}
	return err
}

// stop ends the dispatcher and the workers and waits for them, so nothing
// reads the repository once Replay returns.
func (pl *pipeline) stop() {
	close(pl.quit)
	pl.feeder.Wait()
	pl.hashes.Wait()
	close(pl.work)
	pl.workers.Wait()
}
