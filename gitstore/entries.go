package gitstore

import (
	"fmt"
	"slices"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// ModeFile is the mode of a regular, non-executable file in a git tree.
const ModeFile = gitobj.ModeFile

// ModeDir is the mode of a directory (a subtree) in a git tree.
const ModeDir = gitobj.ModeDir

// Entry is one non-directory entry of a tree: its full path, its mode as
// git writes it ("100644", "100755", "120000", "160000") and its object.
// An Entry with an empty Mode and a zero Hash stands for a path that is
// absent (deleted, in a list of changes).
type Entry struct {
	Path string
	Mode string
	Hash plumbing.Hash
}

// Deleted reports whether the entry stands for an absent path.
func (e Entry) Deleted() bool { return e.Mode == "" }

// EntryAt returns the entry of path in commit's tree. A missing path, or
// a path naming a directory, gives ErrNotFound.
func (s *Store) EntryAt(commit plumbing.Hash, path string) (Entry, error) {
	return s.entryAt(nil, commit, path)
}

// entryAt is EntryAt counting the trees it reads against b (nil: no
// limits).
func (s *Store) entryAt(b *diffBudget, commit plumbing.Hash, path string) (Entry, error) {
	if err := ValidatePath(path); err != nil {
		return Entry{}, fmt.Errorf("entry %s: %w", path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.diffRootLocked(b, commit)
	if err != nil {
		return Entry{}, fmt.Errorf("entry %s: %w", path, err)
	}
	t, i, err := s.findEntryWithinLocked(b, t, path)
	if err != nil {
		return Entry{}, fmt.Errorf("entry %s at %s: %w", path, short(commit), err)
	}
	if isDir(t, i) {
		return Entry{}, fmt.Errorf("entry %s at %s: a directory: %w", path, short(commit), ErrNotFound)
	}
	return Entry{Path: path, Mode: t.Mode(i), Hash: t.Hash(i)}, nil
}

// ChangedEntries returns, sorted by path, every non-directory entry below
// the top-level names roots (files or directories of that name) whose
// mode or object differs between the trees of from and to (a zero hash
// stands for the empty tree): to's entry, or a deleted Entry (Path only)
// where to has none. Identical subtrees are skipped by hash, so the cost
// grows with the change below roots, not with the tree.
func (s *Store) ChangedEntries(from, to plumbing.Hash, roots ...string) ([]Entry, error) {
	return s.ChangedEntriesWhere(from, to, func(name string) bool { return slices.Contains(roots, name) })
}

// ChangedEntriesWhere is ChangedEntries below every top-level name keep
// accepts (keep is called once per differing top-level name, and must be
// pure). Like ChangedFiles it is bounded for trees others push: it stops
// at the Max* diff limits with a *DiffLimitError (ErrDiffTooLarge),
// counting only below the names keep accepts.
func (s *Store) ChangedEntriesWhere(from, to plumbing.Hash, keep func(name string) bool) ([]Entry, error) {
	return s.changedEntries(newDiffBudget(), "changed entries", from, to, keep)
}

// ChangedEntriesWhereWithin is ChangedEntriesWhere counting against
// budget, which the diffs made against it before share (see DiffBudget).
func (s *Store) ChangedEntriesWhereWithin(budget *DiffBudget, from, to plumbing.Hash, keep func(name string) bool) ([]Entry, error) {
	budget.b.startDiff()
	return s.changedEntries(&budget.b, "changed entries", from, to, keep)
}

// ChangedEntriesWhereTrusted is ChangedEntriesWhere without its limits,
// for commits writ wrote or verified (main's genesis and entries, a fork
// point on main); see ChangedFilesTrusted.
func (s *Store) ChangedEntriesWhereTrusted(from, to plumbing.Hash, keep func(name string) bool) ([]Entry, error) {
	return s.changedEntries(nil, "changed entries", from, to, keep)
}

// changedEntries is ChangedEntriesWhere counting against b (nil: no
// limits), sorted by path, one entry per path; what names the diff in
// errors.
func (s *Store) changedEntries(b *diffBudget, what string, from, to plumbing.Hash, keep func(name string) bool) ([]Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.diffRootLocked(b, from)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	c, err := s.diffRootLocked(b, to)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var out []Entry
	err = gitobj.Diff(a, c, func(ai, ci int) error {
		name := ""
		if ai >= 0 {
			name = a.Name(ai)
		} else {
			name = c.Name(ci)
		}
		if !keep(name) {
			return nil
		}
		return s.diffEntriesLocked(b, "", a, c, ai, ci, &out)
	})
	if err != nil {
		return nil, fmt.Errorf("%s %s..%s: %w", what, short(from), short(to), err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	// A file replaced by a directory of the same name (or the reverse)
	// comes as two one-sided entries of different paths; a path listed
	// twice is a file deleted on one side and added on the other: keep the
	// added one.
	dedup := out[:0]
	for _, e := range out {
		if n := len(dedup); n > 0 && dedup[n-1].Path == e.Path {
			if dedup[n-1].Deleted() {
				dedup[n-1] = e
			}
			continue
		}
		dedup = append(dedup, e)
	}
	return dedup, nil
}

// diffEntriesLocked appends the entries below prefix that differ between
// entry ai of a and entry ci of c (one of them -1: absent), as Diff pairs
// them, counting every entry and tree it visits against b.
func (s *Store) diffEntriesLocked(b *diffBudget, prefix string, a, c *gitobj.Tree, ai, ci int, out *[]Entry) error {
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
		return gitobj.Diff(ta, tc, func(i, j int) error { return s.diffEntriesLocked(b, p+"/", ta, tc, i, j, out) })
	}
	if ai >= 0 {
		p, err := b.entry(prefix, a.Name(ai))
		if err != nil {
			return err
		}
		if isDir(a, ai) {
			t, err := s.subtreeLocked(b, p+"/", a.Hash(ai))
			if err != nil {
				return err
			}
			var paths []string
			if err := s.collectLocked(b, p+"/", t, &paths); err != nil {
				return err
			}
			for _, p := range paths {
				*out = append(*out, Entry{Path: p})
			}
		} else if ci < 0 {
			*out = append(*out, Entry{Path: p})
		}
	}
	if ci >= 0 {
		return s.collectEntriesLocked(b, prefix, c, ci, out)
	}
	return nil
}

// collectEntriesLocked appends entry i of t, or every non-directory entry
// below it when it is a directory, counting each against b.
func (s *Store) collectEntriesLocked(b *diffBudget, prefix string, t *gitobj.Tree, i int, out *[]Entry) error {
	p, err := b.entry(prefix, t.Name(i))
	if err != nil {
		return err
	}
	if !isDir(t, i) {
		*out = append(*out, Entry{Path: p, Mode: t.Mode(i), Hash: t.Hash(i)})
		return nil
	}
	sub, err := s.subtreeLocked(b, p+"/", t.Hash(i))
	if err != nil {
		return err
	}
	for j := 0; j < sub.Len(); j++ {
		if err := s.collectEntriesLocked(b, p+"/", sub, j, out); err != nil {
			return err
		}
	}
	return nil
}
