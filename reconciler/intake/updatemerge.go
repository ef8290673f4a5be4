package intake

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/wal"
)

// Update merges. GitHub's "Update branch" button merges the base branch
// into a pull request's branch: a merge commit whose first parent is the
// branch's head and whose second is main's, written (and signed, if at
// all) by GitHub, not by the proposer. Like policy-bot's
// ignore_update_merges, the judge ignores such a commit: the proposal is
// the content its proposer signed, and the merge adds only what main
// already holds, so it neither voids approvals bound to that content nor
// needs the proposer's signature. The subject stays the proposer's last
// commit, and applying the proposal merges the branch's head as usual.
//
// A merge is an update merge only when all of these hold, else it is
// judged as any other commit of the branch (and refused, being unsigned
// by the proposer or changing other files):
//   - it has exactly two parents and is not a decision commit;
//   - its second parent is a WAL entry that the reconciler signed and that
//     is on main's first-parent history (onMain, then a walk of main);
//   - no path of its tree differs from both parents: every file comes
//     unchanged from the branch or from main (a clean merge, nothing of
//     its own).

// dropUpdateMerges returns commits without their update merges into main
// (the branch's commits as BranchCommitsUntil gives them). Their diffs
// count against budget, the proposal's (see branchWalk).
func (e *Reader) dropUpdateMerges(budget *gitstore.DiffBudget, commits []*object.Commit, main plumbing.Hash, isEntry func(*object.Commit) bool) ([]*object.Commit, error) {
	var out []*object.Commit
	chain := e.Store.NewFirstParentSet(main)
	for i, c := range commits {
		ok, err := e.isUpdateMerge(budget, chain, c, main, isEntry)
		if err != nil {
			return nil, fmt.Errorf("commit %s: %w", shortHash(c.Hash.String()), err)
		}
		if ok {
			if out == nil {
				out = append(make([]*object.Commit, 0, len(commits)-1), commits[:i]...)
			}
			continue
		}
		if out != nil {
			out = append(out, c)
		}
	}
	if out == nil {
		return commits, nil
	}
	return out, nil
}

// isUpdateMerge reports whether c is a merge of main into the branch (see
// the rules above).
func (e *Reader) isUpdateMerge(budget *gitstore.DiffBudget, chain *gitstore.FirstParentSet, c *object.Commit, main plumbing.Hash, isEntry func(*object.Commit) bool) (bool, error) {
	if len(c.ParentHashes) != 2 || main.IsZero() {
		return false, nil
	}
	if _, isDecision, _ := wal.ParseDecisionMessage(c.Message); isDecision {
		return false, nil
	}
	branch, base := c.ParentHashes[0], c.ParentHashes[1]
	bc, err := e.Store.Commit(base)
	if err != nil {
		return false, nil // not here, so not main's
	}
	if !isEntry(bc) {
		return false, nil
	}
	if base != main {
		// One walk of main for all the merges of a branch, however many
		// and whatever bases they name.
		if on, err := chain.Has(base); err != nil {
			return false, err
		} else if !on {
			return false, nil
		}
	}
	// What the merge changes against main is the branch's change, a few
	// files: diffed within the limits. What it changes against the branch
	// is what main gained since the fork, which may be far more: each of
	// the few is looked up there by path instead. A merge whose change
	// against main is over the limits, or holds a path git would not
	// write, is not an update merge: it is judged as the branch's own
	// commit, and refused with the reason.
	fromMain, err := e.Store.ChangedFilesWithin(budget, base, c.Hash)
	if errors.Is(err, gitstore.ErrDiffTooLarge) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	for _, f := range fromMain {
		same, err := e.sameFileAt(budget, branch, c.Hash, f)
		if errors.Is(err, gitstore.ErrDiffTooLarge) {
			return false, nil // judged as the branch's own commit, within what is left
		}
		if err != nil || !same {
			return false, err // differs from both sides: the merge's own change
		}
	}
	return true, nil
}

// sameFileAt reports whether path is the same file in commits a and b (or
// a file in neither: absent, or a directory), as a diff of the two trees
// would see it. A path that is not valid gives false. The trees it reads
// count against budget (a lookup reads them again each time).
func (e *Reader) sameFileAt(budget *gitstore.DiffBudget, a, b plumbing.Hash, path string) (bool, error) {
	if gitstore.ValidatePath(path) != nil {
		return false, nil
	}
	ea, err := e.Store.EntryAtWithin(budget, a, path)
	if err != nil && !errors.Is(err, gitstore.ErrNotFound) {
		return false, err
	}
	eb, err := e.Store.EntryAtWithin(budget, b, path)
	if err != nil && !errors.Is(err, gitstore.ErrNotFound) {
		return false, err
	}
	return ea.Mode == eb.Mode && ea.Hash == eb.Hash, nil
}
