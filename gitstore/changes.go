package gitstore

import (
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// ChangedFiles returns, sorted, the paths whose content or mode differs
// between the trees of from and to: added, removed and modified files
// (a zero hash stands for an empty tree). Identical subtrees are skipped by
// hash, so the cost grows with the size of the change, not of the tree.
//
// The diff is bounded for trees others push (a proposal's commit, a pull
// request's, a decision commit): it stops at the first of MaxDiffEntries,
// MaxDiffDepth, MaxDiffPathBytes and MaxDiffTreeBytes with a
// *DiffLimitError (ErrDiffTooLarge), however many paths the trees' shared
// subtrees spell out. ChangedFilesTrusted is the same diff without limits.
func (s *Store) ChangedFiles(from, to plumbing.Hash) ([]string, error) {
	return s.changedFiles(newDiffBudget(), from, to)
}

// ChangedFilesTrusted is ChangedFiles without its limits, for commits writ
// wrote or verified: main's entries after their signatures verified, a
// working tree brought along main. Its cost grows with the change, so it
// must never be given a commit that nobody writ trusts has vouched for (a
// proposal branch, a pull request, a decision commit, a fork).
func (s *Store) ChangedFilesTrusted(from, to plumbing.Hash) ([]string, error) {
	return s.changedFiles(nil, from, to)
}

// changedFiles is ChangedFiles counting against b (nil: no limits): the
// paths of every changed entry (changedEntries), one per path.
func (s *Store) changedFiles(b *diffBudget, from, to plumbing.Hash) ([]string, error) {
	es, err := s.changedEntries(b, "changed files", from, to, func(string) bool { return true })
	if err != nil {
		return nil, err
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Path
	}
	return out, nil
}

// diffRootLocked reads the root tree of commit h (zero: the empty tree),
// counting it against b.
func (s *Store) diffRootLocked(b *diffBudget, h plumbing.Hash) (*gitobj.Tree, error) {
	t, err := s.commitTreeLocked(h)
	if err != nil {
		return nil, err
	}
	if err := b.tree("", t); err != nil {
		return nil, fmt.Errorf("commit %s: %w", short(h), err)
	}
	return t, nil
}
