package replay

import (
	"fmt"
	"slices"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// A wait entry (core.KindWait) records that a proposal waits for a human.
// It closes nothing and merges nothing: it has one parent, main, its tree
// is main's (it adds no file, so the proposal stays open and its name
// unused), and it names the proposal's head only in its Writ-Proposal
// trailer, as a one-parent reject entry does, so the head never becomes
// part of main.
//
// Replay checks what the repository holds of the proposal and re-judges
// the wait (core.Apply): the head, when present, descends from the
// proposal commit (Writ-Subject); the proposal commit, when present, is
// signed by the proposer (at the entry's clock) and holds, at the
// recorded path, the file that hashes to Writ-Content and loads as the
// proposal in the message; the Writ-Waiting-For trailers are the rules
// the reducer finds the proposal waiting for. A proposal commit that is
// absent (a clone without the proposal branch, or the branch pruned since)
// leaves the wait on the reconciler's word, and Verified.Attested says so:
// the reconciler's key alone can record that a proposal nobody signed
// waited, which starts a clock and moves nothing.

// checkWaitHead is checkMergedHead for a wait entry: the recorded head and
// subject are commit hashes, and a head that is present descends from the
// subject.
func (r *replayer) checkWaitHead(p *prepared) error {
	_, _, err := r.checkRecordedHead(p.rec, "waiting")
	return err
}

// checkWaitProposal checks a wait entry's proposal commit when the
// repository has it (see the comment at the top) and marks the entry
// attested when it does not.
func (r *replayer) checkWaitProposal(p *prepared, ring *signing.KeyRing) error {
	rec := p.rec
	if rec.Entry.Proposal == nil {
		return fmt.Errorf("wait entry without a proposal")
	}
	subject, err := r.read.Commit(plumbing.NewHash(rec.Entry.Subject.Commit))
	if absent(err) {
		p.attested = true
		return nil
	} else if err != nil {
		return fmt.Errorf("proposal commit %s: %w", rec.Entry.Subject.Commit, err)
	}
	p.attested = false
	who, err := verify(subject, ring, intake.EntryTime(rec.Entry.HLC))
	if err != nil {
		return fmt.Errorf("proposal %w", err)
	}
	if who.Identity != rec.Entry.Signer {
		return fmt.Errorf("proposal commit %s is signed by %s, but %s names %s", shortHash(rec.Entry.Subject.Commit), who.Identity, wal.KeyProposer, rec.Entry.Signer)
	}
	p.proposer = who
	raw, rendered, err := r.proposalFile(subject, rec, p)
	if err != nil {
		return err
	}
	p.rendered = rendered // this check's: an earlier one may have seen another blob
	if h := schemas.HashBytes(raw); h != rec.Entry.Subject.Content {
		return fmt.Errorf("%s is %s, but the proposal file hashes to %s", wal.KeyContent, rec.Entry.Subject.Content, h)
	}
	if rendered {
		return nil // raw is the rendering of rec's proposal: ProposalIsYAML holds
	}
	return r.sameProposal(raw, rec)
}

// checkWaitTree checks that a wait entry's tree is its parent's: it adds,
// changes and removes nothing.
func (r *replayer) checkWaitTree(p *prepared, parentTree plumbing.Hash) error {
	if parentTree.IsZero() {
		h, err := r.treeOf(p.c.Parents[0])
		if err != nil {
			return err
		}
		parentTree = h
	}
	if p.c.Tree != parentTree {
		return fmt.Errorf("a wait entry changes no file, but its tree %s is not main's %s", shortHash(p.c.Tree.String()), shortHash(parentTree.String()))
	}
	return nil
}

// checkWaitingFor checks that a wait entry's Writ-Waiting-For trailers are
// the rules the reducer recorded in next, the state after it.
func checkWaitingFor(rec wal.Record, next core.State) error {
	w, ok := next.WaitOf(rec.ProposalPath)
	if !ok {
		return fmt.Errorf("no wait recorded for %s", rec.ProposalPath)
	}
	if want := wal.FormatWaitingFor(w); !slices.Equal(rec.WaitingFor, want) {
		return fmt.Errorf("%s says %q, but the proposal waits for %q", wal.KeyWaitingFor, rec.WaitingFor, want)
	}
	return nil
}
