package intake

import (
	"fmt"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/wal"
)

// DecisionCommit is a decision commit as the decision verifier reads it:
// intake from go-git's commits (CommitOf), replay from raw objects.
type DecisionCommit struct {
	Hash    plumbing.Hash
	Message string
	Parents []plumbing.Hash
	Tree    plumbing.Hash
	// ParentTree is the tree of Parents[0] (zero when the commit has no
	// parent or it could not be read).
	ParentTree plumbing.Hash
	// Verify checks the commit's signature against ring, judged at seen
	// (see signing.VerifyCommitSeen; a zero seen judges at the commit's
	// own times).
	Verify func(ring *signing.KeyRing, seen time.Time) (signing.Verified, error)
}

// CommitOf is the DecisionCommit of c; reading c's first parent is
// deferred to VerifyDecision's check of the tree and never fails the
// conversion.
func CommitOf(c *object.Commit) DecisionCommit {
	dc := DecisionCommit{Hash: c.Hash, Message: c.Message, Parents: c.ParentHashes, Tree: c.TreeHash,
		Verify: func(ring *signing.KeyRing, seen time.Time) (signing.Verified, error) {
			return VerifyNow(c, ring, seen)
		}}
	if len(c.ParentHashes) > 0 {
		if parent, err := c.Parent(0); err == nil {
			dc.ParentTree = parent.TreeHash
		}
	}
	return dc
}

// VerifyDecision is the one decision verifier: the gate (through
// Reader's proposal reading) and replay both judge every decision commit
// with it, so a decision one counts is one the other counts. A decision
// commit counts when
//   - its message is a decision (wal.ParseDecisionMessage) and is well formed;
//   - its signature verifies against ring at seen (the reconciler's clock
//     for the gate, the entry's clock in replay), by a signer of the
//     identity it names;
//   - it has exactly one parent and the same tree as that parent (a
//     decision records a judgement, never a change).
//
// The returned decision carries the commit as Ref. The error says why the
// commit does not count, without naming it (callers do). A decision must
// also agree with the proposal commit it names (CheckDecisionSubject).
func VerifyDecision(c DecisionCommit, ring *signing.KeyRing, seen time.Time) (policies.Decision, signing.Verified, error) {
	d, ok, err := wal.ParseDecisionMessage(c.Message)
	switch {
	case err != nil:
		return d, signing.Verified{}, fmt.Errorf("malformed decision: %w", err)
	case !ok:
		return d, signing.Verified{}, fmt.Errorf("not a decision commit (no %s trailer)", wal.KeyDecision)
	}
	v, err := c.Verify(ring, seen)
	if err != nil {
		return d, v, fmt.Errorf("signature: %w (%s)", err, SignatureHint(err))
	}
	switch {
	case v.Identity != d.Identity:
		return d, v, fmt.Errorf("signed by %s but claims to be %s", v.Identity, d.Identity)
	case len(c.Parents) != 1:
		return d, v, fmt.Errorf("a decision commit has exactly one parent")
	case c.ParentTree.IsZero() || c.ParentTree != c.Tree:
		return d, v, fmt.Errorf("a decision commit may not change files")
	}
	d.Ref = c.Hash.String()
	return d, v, nil
}

// CheckDecisionSubject refuses a decision that names the proposal commit
// subject was judged at but a content hash other than that commit's
// content: it contradicts itself (the commit fixes the content), so it is
// not known what its decider saw, and counting it would record in the WAL
// an approval of content nobody proposed. A decision on another commit
// with the same content passes (a rebase). The gate drops such decisions
// (Pending's Ignored); replay refuses an entry that counted one.
func CheckDecisionSubject(d policies.Decision, subject policies.Subject) error {
	if d.Commit == subject.Commit && d.Content != "" && d.Content != subject.Content {
		return fmt.Errorf("names proposal commit %s but content %s, not that commit's content %s: decide again (writ approve)",
			shortHash(d.Commit), d.Content, subject.Content)
	}
	return nil
}
