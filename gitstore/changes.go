package gitstore

import (
	"fmt"
	"sort"

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

// changedFiles is ChangedFiles counting against b (nil: no limits).
func (s *Store) changedFiles(b *diffBudget, from, to plumbing.Hash) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.diffRootLocked(b, from)
	if err != nil {
		return nil, fmt.Errorf("changed files: %w", err)
	}
	c, err := s.diffRootLocked(b, to)
	if err != nil {
		return nil, fmt.Errorf("changed files: %w", err)
	}
	var out []string
	if err := s.diffLocked(b, "", a, c, &out); err != nil {
		return nil, fmt.Errorf("changed files %s..%s: %w", short(from), short(to), err)
	}
	sort.Strings(out)
	return dedupe(out), nil
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

// diffLocked appends the paths below prefix that differ between a and c,
// counting every differing entry and every tree read against b.
// gitobj.Diff pairs entries by name and kind: a file replaced by a
// directory comes as two one-sided entries, each listed whole.
func (s *Store) diffLocked(b *diffBudget, prefix string, a, c *gitobj.Tree, out *[]string) error {
	return gitobj.Diff(a, c, func(ai, ci int) error {
		if ai >= 0 && ci >= 0 && isDir(a, ai) {
			p, err := b.entry(prefix, a.Name(ai))
			if err != nil {
				return err
			}
			ta, err := s.subtreeLocked(b, p+"/", a.Hash(ai))
			if err != nil {
				return err
			}
			tc, err := s.subtreeLocked(b, p+"/", c.Hash(ci))
			if err != nil {
				return err
			}
			return s.diffLocked(b, p+"/", ta, tc, out)
		}
		for _, side := range []struct {
			t *gitobj.Tree
			i int
		}{{a, ai}, {c, ci}} {
			if side.i < 0 {
				continue
			}
			p, err := b.entry(prefix, side.t.Name(side.i))
			if err != nil {
				return err
			}
			if !isDir(side.t, side.i) {
				*out = append(*out, p)
				continue
			}
			t, err := s.subtreeLocked(b, p+"/", side.t.Hash(side.i))
			if err != nil {
				return err
			}
			if err := s.collectLocked(b, p+"/", t, out); err != nil {
				return err
			}
		}
		return nil
	})
}

func dedupe(sorted []string) []string {
	out := sorted[:0]
	for i, p := range sorted {
		if i == 0 || p != sorted[i-1] {
			out = append(out, p)
		}
	}
	return out
}
