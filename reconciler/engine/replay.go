package engine

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// ReplayOptions choose how a replay starts and what it keeps.
type ReplayOptions struct {
	// FromCheckpoint restores the checkpoint snapshot and replays only the
	// entries after it. Without it, replay starts at the first commit and
	// checks the checkpoint (if any) on the way.
	FromCheckpoint bool
	// Collect keeps every verified entry in the result (for `writ log`).
	Collect bool
}

// Verified is one WAL entry that passed replay.
type Verified struct {
	Commit  plumbing.Hash
	Author  object.Signature
	Signer  signing.Verified
	Record  wal.Record
	Outcome reconciler.Outcome
}

// ReplayResult is the state at main's head and what was checked.
type ReplayResult struct {
	State   reconciler.State
	Head    plumbing.Hash
	Entries []Verified
	// Replayed counts the entries applied in this run.
	Replayed int
	// CheckpointAt is the main commit the checkpoint covers, zero if none.
	CheckpointAt plumbing.Hash
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
// against their own signed commits, it must apply, and the state hashes it
// records must match the replayed ones. The first failure stops the replay
// with a *TamperError (or an error wrapping ErrRewritten).
func (e *Engine) Replay(opts ReplayOptions) (*ReplayResult, error) {
	head, err := e.mainHead()
	if err != nil {
		return nil, err
	}
	if head.IsZero() {
		return nil, fmt.Errorf("main has no commits: not a writ control repo (run writ init)")
	}
	res := &ReplayResult{State: reconciler.NewState(), Head: head}
	cp, err := e.Store.ReadCheckpoint()
	hasCheckpoint := err == nil
	if err != nil && !errors.Is(err, gitstore.ErrNoRef) {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	var snapshot reconciler.State
	if hasCheckpoint {
		res.CheckpointAt = cp.At
		if snapshot, err = e.restoreCheckpoint(cp); err != nil {
			return nil, err
		}
	}
	var chain []plumbing.Hash
	start, cpIndex := 0, -1
	if hasCheckpoint && opts.FromCheckpoint {
		// Only the entries after the checkpoint: cost grows with new
		// entries, not with history.
		newer, err := e.Store.FirstParentLog(head, cp.At)
		if errors.Is(err, gitstore.ErrNotOnChain) {
			return nil, rewritten(cp)
		} else if err != nil {
			return nil, fmt.Errorf("walk main: %w", err)
		}
		start = int(snapshot.Entries())
		chain = make([]plumbing.Hash, start, start+len(newer))
		for _, c := range newer {
			chain = append(chain, c.Hash)
		}
		res.State = snapshot
	} else {
		if chain, err = e.firstParentHashes(head); err != nil {
			return nil, err
		}
		if hasCheckpoint {
			for i, h := range chain {
				if h == cp.At {
					cpIndex = i
					break
				}
			}
			if cpIndex < 0 {
				return nil, rewritten(cp)
			}
		}
	}
	v := verifier{engine: e, rings: map[string]*signing.KeyRing{}}
	for i := start; i < len(chain); i++ {
		c, err := e.Store.Commit(chain[i])
		if err != nil {
			return nil, fmt.Errorf("read commit %s: %w", chain[i], err)
		}
		ent, next, err := v.entry(res.State, c, i)
		if err != nil {
			return nil, err
		}
		res.State = next
		res.Replayed++
		if opts.Collect {
			res.Entries = append(res.Entries, ent)
		}
		if i == cpIndex && next.Hash() != snapshot.Hash() {
			return nil, &TamperError{Commit: cp.Commit, Index: i,
				Reason: fmt.Sprintf("checkpoint snapshot %s disagrees with the replayed state %s", snapshot.Hash(), next.Hash())}
		}
		if e.Progress != nil {
			e.Progress(i+1, len(chain))
		}
	}
	return res, nil
}

func rewritten(cp gitstore.Checkpoint) error {
	return fmt.Errorf("%w: checkpoint %s covers commit %s, which is not on main's first-parent history",
		ErrRewritten, shortHash(cp.Commit.String()), cp.At)
}

// firstParentHashes returns main's first-parent chain, root first.
func (e *Engine) firstParentHashes(head plumbing.Hash) ([]plumbing.Hash, error) {
	var chain []plumbing.Hash
	err := e.Store.WalkFirstParent(head, plumbing.ZeroHash, func(c *object.Commit) error {
		chain = append(chain, c.Hash)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk main: %w", err)
	}
	return chain, nil
}

// restoreCheckpoint rebuilds the checkpoint's state and checks that the
// reconciler signed it.
func (e *Engine) restoreCheckpoint(cp gitstore.Checkpoint) (reconciler.State, error) {
	s, err := reconciler.Restore(cp.Snapshot)
	if err != nil {
		return s, fmt.Errorf("checkpoint %s: %w", shortHash(cp.Commit.String()), err)
	}
	rules := s.Rules()
	if rules == nil {
		return s, fmt.Errorf("checkpoint %s: snapshot has no rules", shortHash(cp.Commit.String()))
	}
	ring, err := signing.NewKeyRing(rules.Config.Identities)
	if err != nil {
		return s, fmt.Errorf("checkpoint key ring: %w", err)
	}
	c, err := e.Store.Commit(cp.Commit)
	if err != nil {
		return s, fmt.Errorf("checkpoint commit: %w", err)
	}
	v, err := signing.VerifyCommit(c, ring)
	if err != nil {
		return s, &TamperError{Commit: cp.Commit, Reason: "checkpoint signature: " + err.Error()}
	}
	if v.Identity != rules.Config.Reconciler.Identity {
		return s, &TamperError{Commit: cp.Commit, Reason: fmt.Sprintf("checkpoint signed by %s, not the reconciler %s", v.Identity, rules.Config.Reconciler.Identity)}
	}
	return s, nil
}

// verifier checks entries one by one, caching a key ring per rules hash.
type verifier struct {
	engine *Engine
	rings  map[string]*signing.KeyRing
}

func (v *verifier) ring(rules *schemas.Bundle, hash string) (*signing.KeyRing, error) {
	if r, ok := v.rings[hash]; ok {
		return r, nil
	}
	r, err := signing.NewKeyRing(rules.Config.Identities)
	if err != nil {
		return nil, err
	}
	v.rings[hash] = r
	return r, nil
}

// entry verifies one WAL commit against the state before it and returns
// the state after it.
func (v *verifier) entry(s reconciler.State, c *object.Commit, index int) (Verified, reconciler.State, error) {
	fail := func(format string, args ...any) (Verified, reconciler.State, error) {
		return Verified{}, s, &TamperError{Commit: c.Hash, Index: index, Reason: fmt.Sprintf(format, args...)}
	}
	rec, err := wal.Decode(c.Message)
	if err != nil {
		return fail("not a WAL entry written by the reconciler: %v", err)
	}
	rules, rulesHash := s.Rules(), s.RulesHash()
	switch {
	case index == 0 && rec.Entry.Kind != reconciler.KindGenesis:
		return fail("the first commit of main must be the genesis entry, found %s", rec.Entry.Kind)
	case index == 0 && c.NumParents() != 0:
		return fail("the genesis entry must have no parents")
	case index > 0 && rec.Entry.Kind == reconciler.KindGenesis:
		return fail("a second genesis entry")
	case index > 0 && c.NumParents() != 2:
		return fail("has %d parents; every WAL entry after genesis merges a proposal (2 parents)", c.NumParents())
	}
	if rec.Entry.Kind == reconciler.KindGenesis || rec.Entry.Kind == reconciler.KindRules {
		newRules, err := LoadRules(v.engine.Store, c.Hash)
		if err != nil {
			return fail("%v", err)
		}
		h, err := RulesHash(newRules)
		if err != nil {
			return fail("%v", err)
		}
		if h != rec.RulesHash {
			return fail("%s says %s, but the rules in the tree hash to %s", wal.KeyRules, rec.RulesHash, h)
		}
		rec.Entry.Rules = newRules
		if rec.Entry.Kind == reconciler.KindGenesis {
			rules, rulesHash = newRules, h
		}
	}
	ring, err := v.ring(rules, rulesHash)
	if err != nil {
		return fail("key ring: %v", err)
	}
	signer, err := signing.VerifyCommit(c, ring)
	if err != nil {
		return fail("signature: %v", err)
	}
	if want := rules.Config.Reconciler.Identity; signer.Identity != want {
		return fail("signed by %s, not by the reconciler identity %s", signer.Identity, want)
	}
	if rec.StatePre != s.Hash() {
		return fail("%s is %s, but the replayed state before it is %s", wal.KeyStatePre, rec.StatePre, s.Hash())
	}
	if rec.Entry.Kind != reconciler.KindGenesis {
		if err := v.proposal(c, rec, ring); err != nil {
			return fail("%v", err)
		}
	}
	next, out := reconciler.Apply(s, rec.Entry)
	want := reconciler.StatusApplied
	if rec.Entry.Kind == reconciler.KindReject {
		want = reconciler.StatusRejected
	}
	if out.Status != want {
		return fail("does not apply: %s: %s", out.Status, out.Reason)
	}
	if rec.InstancePost != out.InstancePost {
		return fail("%s is %s, replay gives %s", wal.KeyInstancePost, rec.InstancePost, out.InstancePost)
	}
	if rec.StatePost != next.Hash() {
		return fail("%s is %s, replay gives %s", wal.KeyStatePost, rec.StatePost, next.Hash())
	}
	return Verified{Commit: c.Hash, Author: c.Author, Signer: signer, Record: rec, Outcome: out}, next, nil
}

// proposal checks a merged proposal against its own signed commits: the
// second parent is the recorded head, the subject commit is signed by the
// proposer and holds exactly the recorded bytes, every decision is a
// commit signed by its decider, and the merge changed only the proposal.
func (v *verifier) proposal(c *object.Commit, rec wal.Record, ring *signing.KeyRing) error {
	store := v.engine.Store
	if rec.ProposalHead == "" || c.ParentHashes[1].String() != rec.ProposalHead {
		return fmt.Errorf("%s names head %s, but the second parent is %s", wal.KeyProposal, rec.ProposalHead, c.ParentHashes[1])
	}
	changed, err := store.ChangedFiles(c.ParentHashes[0], c.Hash)
	if err != nil {
		return fmt.Errorf("diff against main: %w", err)
	}
	if len(changed) != 1 || changed[0] != rec.ProposalPath {
		if rec.Entry.Kind != reconciler.KindRules {
			return fmt.Errorf("changes %v; a WAL entry may only add %s", changed, rec.ProposalPath)
		}
	}
	subject, err := store.Commit(plumbing.NewHash(rec.Entry.Subject.Commit))
	if err != nil {
		return fmt.Errorf("proposal commit %s: %w", rec.Entry.Subject.Commit, err)
	}
	who, err := signing.VerifyCommit(subject, ring)
	if err != nil {
		return fmt.Errorf("proposal commit %s: %w", shortHash(rec.Entry.Subject.Commit), err)
	}
	if who.Identity != rec.Entry.Signer {
		return fmt.Errorf("proposal commit %s is signed by %s, but %s names %s", shortHash(rec.Entry.Subject.Commit), who.Identity, wal.KeyProposer, rec.Entry.Signer)
	}
	if rec.Entry.Proposal != nil {
		raw, err := store.ReadFile(subject.Hash, rec.ProposalPath)
		if err != nil {
			return fmt.Errorf("proposal %s at %s: %w", rec.ProposalPath, shortHash(subject.Hash.String()), err)
		}
		if h := schemas.HashBytes(raw); h != rec.Entry.Subject.Content {
			return fmt.Errorf("%s is %s, but the proposal file hashes to %s", wal.KeyContent, rec.Entry.Subject.Content, h)
		}
		p, problems := schemas.LoadProposal(rec.ProposalPath, raw)
		if len(problems) > 0 {
			return fmt.Errorf("proposal file: %w", problems)
		}
		a, _ := schemas.CanonicalJSON(p)
		b, _ := schemas.CanonicalJSON(rec.Entry.Proposal)
		if string(a) != string(b) {
			return fmt.Errorf("the proposal in the message differs from the signed proposal file")
		}
	}
	for _, d := range rec.Entry.Decisions {
		dc, err := store.Commit(plumbing.NewHash(d.Ref))
		if err != nil {
			return fmt.Errorf("decision by %s: commit %s: %w", d.Identity, d.Ref, err)
		}
		got, _, err := parseDecision(dc.Message)
		if err != nil {
			return fmt.Errorf("decision commit %s: %w", shortHash(d.Ref), err)
		}
		sig, err := signing.VerifyCommit(dc, ring)
		if err != nil {
			return fmt.Errorf("decision commit %s: %w", shortHash(d.Ref), err)
		}
		got.Ref = d.Ref
		if sig.Identity != d.Identity || got != d {
			return fmt.Errorf("decision commit %s (signed by %s) does not match the recorded %s by %s", shortHash(d.Ref), sig.Identity, d.Verdict, d.Identity)
		}
	}
	return nil
}
