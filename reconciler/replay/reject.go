package replay

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// A reject entry records that an eligible approver rejected a proposal.
// Written as a merge of the proposal's head, it would make that head part
// of main, and a forge that marks a pull request merged when its head
// becomes reachable from the base branch (GitHub) would show a rejected
// proposal as merged. So a reject entry has one parent, main, and names
// the proposal head only in its Writ-Proposal trailer (and the proposal
// commit in Writ-Subject); it adds the proposal file to main as every
// entry does. The reconciler keeps the proposal's signed commits as
// evidence under RejectedRef, a ref that is not a branch, published with
// main in one atomic push; writ's fetch brings it along.
//
// Replay verifies a one-parent reject entry as it verifies a merge (the
// head descends from the proposal commit, which its proposer signed and
// which holds the file on main; every decision commit verifies) whenever
// the head commit is in the repository. When it is not (a clone without
// refs/writ/), the rejection rests on the reconciler's word, as a GitHub
// review does: what the entry itself carries is still checked (the file on
// main hashes to Writ-Content and is the proposal in the message; review
// references are well formed; a decision commit that is present verifies),
// and Verified.Attested says so. The reconciler's key alone can therefore
// record a rejection of a proposal nobody rejected, consuming its idem_key
// without moving the instance; it cannot apply a transition this way, and
// an entry whose evidence is present and does not verify is refused.
// Entries written before, with two parents, replay as merges.

// RejectedRef is where the reconciler keeps the signed commits of a
// rejected proposal at path (proposals/<instance>/<name>.yaml):
// refs/writ/rejected/<instance>/<name>.
func RejectedRef(path string) (string, error) {
	instance, name, _, err := schemas.ParseProposalPath(path)
	if err != nil {
		return "", fmt.Errorf("rejected ref of %s: %w", path, err)
	}
	return "refs/writ/rejected/" + instance + "/" + name, nil
}

// isOneParentReject reports whether c is a reject entry in the one-parent
// form.
func isOneParentReject(c *gitstore.CommitView, rec wal.Record) bool {
	return rec.Entry.Kind == core.KindReject && len(c.Parents) == 1
}

// checkRejectedHead is checkMergedHead for a one-parent reject entry: the
// recorded head must be a commit hash; when the repository has it, it must
// descend from the proposal commit, and when it does not, the entry is
// marked attested.
func (r *replayer) checkRejectedHead(p *prepared) error {
	rec := p.rec
	head := plumbing.NewHash(rec.ProposalHead)
	if head.String() != rec.ProposalHead {
		return fmt.Errorf("%s names head %q, which is not a commit hash", wal.KeyProposal, rec.ProposalHead)
	}
	subject := plumbing.NewHash(rec.Entry.Subject.Commit)
	if subject.String() != rec.Entry.Subject.Commit {
		return fmt.Errorf("%s %q is not a commit hash", wal.KeySubject, rec.Entry.Subject.Commit)
	}
	if schemas.IsRulesProposal(rec.ProposalPath) {
		return fmt.Errorf("a reject entry for the rule change %s: rule changes are never recorded as rejected", rec.ProposalPath)
	}
	if _, err := r.read.Commit(head); absent(err) {
		p.attested = true
		return nil
	} else if err != nil {
		return fmt.Errorf("the rejected proposal %s: %w", shortHash(rec.ProposalHead), err)
	}
	ok, err := r.descends(head, subject)
	if err != nil {
		return fmt.Errorf("the rejected proposal %s: %w", shortHash(rec.ProposalHead), err)
	}
	if !ok {
		return fmt.Errorf("the rejected proposal %s does not descend from the proposal commit %s (%s)",
			shortHash(rec.ProposalHead), shortHash(subject.String()), wal.KeySubject)
	}
	return nil
}

// attestedReject checks what a one-parent reject entry whose proposal
// commits are absent carries by itself (see the comment at the top).
func (r *replayer) attestedReject(p *prepared, ring *signing.KeyRing) error {
	rec := p.rec
	if rec.Entry.Proposal == nil {
		return fmt.Errorf("reject entry without a proposal")
	}
	raw, err := r.mergedFile(p)
	if err != nil {
		return err
	}
	if h := schemas.HashBytes(raw); h != rec.Entry.Subject.Content {
		return fmt.Errorf("%s is %s, but the %s on main hashes to %s", wal.KeyContent, rec.Entry.Subject.Content, rec.ProposalPath, h)
	}
	if err := r.sameProposal(raw, rec); err != nil {
		return err
	}
	for _, d := range rec.Entry.Decisions {
		if wal.IsReviewRef(d.Ref) {
			if err := intake.CheckReviewDecision(d.Identity, string(d.Verdict), d.Commit, d.Ref); err != nil {
				return err
			}
			continue
		}
		h := plumbing.NewHash(d.Ref)
		if h.String() != d.Ref {
			return fmt.Errorf("decision by %s: ref %q is neither a commit hash nor a review reference", d.Identity, d.Ref)
		}
		dc, err := r.read.Commit(h)
		if absent(err) {
			continue // absent with the proposal: on the reconciler's word
		} else if err != nil {
			return fmt.Errorf("decision by %s: commit %s: %w", d.Identity, d.Ref, err)
		}
		if err := r.checkDecisionCommit(dc, d, rec, ring); err != nil {
			return err
		}
	}
	return nil
}

// mergedFile returns the proposal file the entry put on main.
func (r *replayer) mergedFile(p *prepared) ([]byte, error) {
	if f := p.tree; f.OK() {
		if b, ok := r.read.Blob(f.Blob()); ok {
			return b, nil
		}
	}
	raw, err := r.engine.Store.ReadFile(p.c.Hash, p.rec.ProposalPath)
	if err != nil {
		return nil, fmt.Errorf("%s on main: %w", p.rec.ProposalPath, err)
	}
	return raw, nil
}

// absent reports whether a read failed because the object is not in the
// repository (as opposed to failing to read it).
func absent(err error) bool {
	return errors.Is(err, plumbing.ErrObjectNotFound) || errors.Is(err, gitstore.ErrNotFound)
}
