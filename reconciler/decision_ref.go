package reconciler

import (
	"errors"
	"fmt"
	"slices"

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
// reach (the branch was rebased since), or join names a tip of decisions
// neither reaches (the remote's decision ref, before a push), an unsigned
// keep commit with all of them as parents holds them all. The ref moves by
// compare-and-swap; its new tip is returned.
func (e *Engine) keepDecision(rules *schemas.Bundle, branch string, d plumbing.Hash, join ...plumbing.Hash) (plumbing.Hash, error) {
	ref := wal.DecisionRef(branch)
	old, err := e.Store.Ref(ref)
	if err != nil && !errors.Is(err, gitstore.ErrNoRef) {
		return plumbing.ZeroHash, fmt.Errorf("read %s: %w", ref, err)
	}
	parents := []plumbing.Hash{d}
	for _, h := range append([]plumbing.Hash{old}, join...) {
		if h.IsZero() || slices.ContainsFunc(parents, func(p plumbing.Hash) bool { return e.decisionsReach(p, h) }) {
			continue
		}
		parents = append(parents, h)
	}
	tip := d
	if len(parents) > 1 {
		c, err := e.Store.Commit(d)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		id := rules.Config.Reconciler.Identity
		tip, err = e.Store.WriteCommit(gitstore.CommitRequest{Parents: parents, BaseTree: c.TreeHash,
			Message: wal.KeepSubject + " of " + branch + "\n", Author: e.signature(rules, id), Committer: e.signature(rules, id)})
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("keep decisions of %s: %w", branch, err)
		}
	}
	if err := e.Store.CompareAndSwap(ref, old, tip); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("record decision under %s: %w", ref, err)
	}
	return tip, nil
}

// decisionsReach reports whether target is from or one of the decision
// and keep commits reachable from it without passing a proposal commit
// (a few commits: what a decision ref holds).
func (e *Engine) decisionsReach(from, target plumbing.Hash) bool {
	seen := map[plumbing.Hash]bool{from: true}
	queue := []plumbing.Hash{from}
	for n := 0; len(queue) > 0 && n < 1024; n++ {
		h := queue[0]
		queue = queue[1:]
		if h == target {
			return true
		}
		c, err := e.Store.Commit(h)
		if err != nil {
			continue
		}
		if _, isDecision, _ := wal.ParseDecisionMessage(c.Message); !isDecision && !wal.IsKeepCommit(c.Message) {
			continue // a proposal commit: a decision chain ends here
		}
		for _, p := range c.ParentHashes {
			if !seen[p] {
				seen[p] = true
				queue = append(queue, p)
			}
		}
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
