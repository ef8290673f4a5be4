package reconciler

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// keepDecision records decision commit d, just written on branch, under
// the proposal's decision ref (wal.DecisionRef) too, so that it survives a
// rebase of the branch. When the ref already holds decisions d does not
// descend from (the branch was rebased since), an unsigned keep commit
// with both as parents holds them all. The ref moves by compare-and-swap.
func (e *Engine) keepDecision(rules *schemas.Bundle, branch string, d plumbing.Hash) error {
	ref := wal.DecisionRef(branch)
	old, err := e.Store.Ref(ref)
	if err != nil && !errors.Is(err, gitstore.ErrNoRef) {
		return fmt.Errorf("read %s: %w", ref, err)
	}
	tip := d
	if !old.IsZero() && !e.firstParentReaches(d, old) {
		c, err := e.Store.Commit(d)
		if err != nil {
			return err
		}
		id := rules.Config.Reconciler.Identity
		tip, err = e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{d, old}, BaseTree: c.TreeHash,
			Message: wal.KeepSubject + " of " + branch + "\n", Author: e.signature(rules, id), Committer: e.signature(rules, id)})
		if err != nil {
			return fmt.Errorf("keep decisions of %s: %w", branch, err)
		}
	}
	if err := e.Store.CompareAndSwap(ref, old, tip); err != nil {
		return fmt.Errorf("record decision under %s: %w", ref, err)
	}
	return nil
}

// firstParentReaches reports whether from's first-parent chain, within a
// few commits of decisions, reaches target.
func (e *Engine) firstParentReaches(from, target plumbing.Hash) bool {
	for i := 0; i < 1024 && !from.IsZero(); i++ {
		if from == target {
			return true
		}
		c, err := e.Store.Commit(from)
		if err != nil || len(c.ParentHashes) == 0 {
			return false
		}
		from = c.ParentHashes[0]
	}
	return false
}

// withKeptDecisions returns the head an entry merges for proposal p: its
// branch head, or, when decisions that count were read from its decision
// ref and not from the branch (p.DecisionsKept), a commit signed by the
// reconciler whose parents are the branch head and the decision ref's tip
// and whose tree is the head's. The entry merges that commit as its second
// parent (and names it Writ-Proposal's head), so the decision commits it
// records stay reachable from main and a clone replays them; the proposal
// commit is still its first-parent ancestor.
func (e *Engine) withKeptDecisions(p intake.Pending, rules *schemas.Bundle, signer git.Signer) (plumbing.Hash, error) {
	if p.DecisionsKept.IsZero() {
		return p.Head, nil
	}
	head, err := e.Store.Commit(p.Head)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	id := rules.Config.Reconciler.Identity
	return e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{p.Head, p.DecisionsKept}, BaseTree: head.TreeHash,
		Message: wal.KeepSubject + " of " + p.Branch + " (decided before a rebase)\n",
		Author:  e.signature(rules, id), Committer: e.signature(rules, id), Signer: signer})
}
