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
	if err := ValidatePath(path); err != nil {
		return Entry{}, fmt.Errorf("entry %s: %w", path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.commitTreeLocked(commit)
	if err != nil {
		return Entry{}, fmt.Errorf("entry %s: %w", path, err)
	}
	t, i, err := s.findEntryLocked(t, path)
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
// pure).
func (s *Store) ChangedEntriesWhere(from, to plumbing.Hash, keep func(name string) bool) ([]Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.commitTreeLocked(from)
	if err != nil {
		return nil, fmt.Errorf("changed entries: %w", err)
	}
	b, err := s.commitTreeLocked(to)
	if err != nil {
		return nil, fmt.Errorf("changed entries: %w", err)
	}
	var out []Entry
	err = gitobj.Diff(a, b, func(ai, bi int) error {
		name := ""
		if ai >= 0 {
			name = a.Name(ai)
		} else {
			name = b.Name(bi)
		}
		if !keep(name) {
			return nil
		}
		return s.diffEntriesLocked("", a, b, ai, bi, &out)
	})
	if err != nil {
		return nil, fmt.Errorf("changed entries %s..%s: %w", short(from), short(to), err)
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
// entry ai of a and entry bi of b (one of them -1: absent), as Diff pairs
// them.
func (s *Store) diffEntriesLocked(prefix string, a, b *gitobj.Tree, ai, bi int, out *[]Entry) error {
	if ai >= 0 && bi >= 0 && isDir(a, ai) {
		ta, err := s.treeLocked(a.Hash(ai))
		if err != nil {
			return err
		}
		tb, err := s.treeLocked(b.Hash(bi))
		if err != nil {
			return err
		}
		sub := prefix + a.Name(ai) + "/"
		return gitobj.Diff(ta, tb, func(i, j int) error { return s.diffEntriesLocked(sub, ta, tb, i, j, out) })
	}
	if ai >= 0 {
		if isDir(a, ai) {
			t, err := s.treeLocked(a.Hash(ai))
			if err != nil {
				return err
			}
			var paths []string
			if err := s.collectLocked(prefix+a.Name(ai)+"/", t, &paths); err != nil {
				return err
			}
			for _, p := range paths {
				*out = append(*out, Entry{Path: p})
			}
		} else if bi < 0 {
			*out = append(*out, Entry{Path: prefix + a.Name(ai)})
		}
	}
	if bi >= 0 {
		return s.collectEntriesLocked(prefix, b, bi, out)
	}
	return nil
}

// collectEntriesLocked appends entry i of t, or every non-directory entry
// below it when it is a directory.
func (s *Store) collectEntriesLocked(prefix string, t *gitobj.Tree, i int, out *[]Entry) error {
	if !isDir(t, i) {
		*out = append(*out, Entry{Path: prefix + t.Name(i), Mode: t.Mode(i), Hash: t.Hash(i)})
		return nil
	}
	sub, err := s.treeLocked(t.Hash(i))
	if err != nil {
		return err
	}
	for j := 0; j < sub.Len(); j++ {
		if err := s.collectEntriesLocked(prefix+t.Name(i)+"/", sub, j, out); err != nil {
			return err
		}
	}
	return nil
}
