package gitstore

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// ReadFile returns the content of the regular file at path in commit's
// tree. A missing path, or a path naming a directory, gives ErrNotFound; a
// symlink, an executable file or a submodule gives ErrNotRegular (see
// RegularFile): its bytes are never returned. A file over MaxFileSize is
// refused from its object header, without being read: the error,
// "<path>: <size> bytes, over the 1 MiB limit for a file; ...", wraps a
// *TooLargeError (ErrTooLarge). Reading a blob by known path is the cheap way to get data
// out of history (see DESIGN §11); prefer it to tree diffs on hot paths.
func (s *Store) ReadFile(commit plumbing.Hash, path string) ([]byte, error) {
	return s.readFile(commit, path, MaxFileSize)
}

// readFile is ReadFile with a limit on the file's size (0: none).
func (s *Store) readFile(commit plumbing.Hash, path string, limit int64) ([]byte, error) {
	if err := ValidatePath(path); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.commitTreeLocked(commit)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	t, i, err := s.findEntryLocked(t, path)
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", path, short(commit), err)
	}
	if isDir(t, i) {
		return nil, fmt.Errorf("read %s at %s: a directory, not a file: %w", path, short(commit), ErrNotFound)
	}
	if err := RegularFile(path, t.Mode(i)); err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", path, short(commit), err)
	}
	b, err := s.readBlobLocked(t.Hash(i), limit)
	var tl *TooLargeError
	if errors.As(err, &tl) {
		return nil, fmt.Errorf("%s: %w", path, err)
	} else if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", path, short(commit), err)
	}
	return b, nil
}

// readBlobLocked returns a copy of blob h's content if it is at most
// limit bytes (0: any), checking its size from its header first; a blob
// over the limit is a *TooLargeError.
func (s *Store) readBlobLocked(h plumbing.Hash, limit int64) ([]byte, error) {
	if s.raw != nil {
		b, err := s.raw.ReadLimited(h, plumbing.BlobObject, limit)
		if err == nil {
			return cloneBytes(b), nil // b may be shared with the reader's cache
		}
		if tl := tooLarge(err, "file"); tl != nil {
			return nil, tl
		}
		// Otherwise go-git answers, as objectStorage does.
	}
	if limit > 0 {
		if err := s.checkSizeLocked(h, "file", limit); err != nil {
			return nil, err
		}
	}
	o, err := s.repo.Storer.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", short(h), err)
	}
	if limit > 0 && o.Size() > limit {
		return nil, &TooLargeError{Kind: "file", Size: o.Size(), Limit: limit}
	}
	if r, ok := o.(*rawObject); ok {
		return cloneBytes(r.data), nil
	}
	return readAllObject(o)
}

// ListFiles returns the full paths (from the root) of every non-directory
// entry below dir in commit's tree, recursively, sorted bytewise. dir ""
// lists the whole tree; a dir that does not exist gives an empty list, and
// a dir that is a file gives ErrNotFound.
func (s *Store) ListFiles(commit plumbing.Hash, dir string) ([]string, error) {
	dir, err := validateDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.commitTreeLocked(commit)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	prefix := ""
	if dir != "" {
		parent, i, err := s.findEntryLocked(t, dir)
		switch {
		case errors.Is(err, ErrNotFound):
			return nil, nil
		case err != nil:
			return nil, fmt.Errorf("list %s at %s: %w", dir, short(commit), err)
		case !isDir(parent, i):
			return nil, fmt.Errorf("list %s at %s: not a directory: %w", dir, short(commit), ErrNotFound)
		}
		if t, err = s.treeLocked(parent.Hash(i)); err != nil {
			return nil, fmt.Errorf("list %s: %w", dir, err)
		}
		prefix = dir + "/"
	}
	var out []string
	if err := s.collectLocked(prefix, t, &out); err != nil {
		return nil, fmt.Errorf("list %s at %s: %w", dir, short(commit), err)
	}
	sort.Strings(out)
	return out, nil
}

// findEntryLocked walks path down from t and returns the tree holding
// its last component and the entry's index there. A missing component, or
// a file where a directory is needed, gives ErrNotFound.
func (s *Store) findEntryLocked(t *gitobj.Tree, path string) (*gitobj.Tree, int, error) {
	for done := 0; ; {
		name, _, more := strings.Cut(path[done:], "/")
		i, ok := t.Find(name)
		if !ok {
			return nil, 0, ErrNotFound
		}
		if !more {
			return t, i, nil
		}
		done += len(name)
		if !isDir(t, i) {
			return nil, 0, fmt.Errorf("%s is not a directory: %w", path[:done], ErrNotFound)
		}
		sub, err := s.treeLocked(t.Hash(i))
		if err != nil {
			return nil, 0, err
		}
		t, done = sub, done+1
	}
}

// collectLocked appends every non-directory path below t.
func (s *Store) collectLocked(prefix string, t *gitobj.Tree, out *[]string) error {
	for i := 0; i < t.Len(); i++ {
		if !isDir(t, i) {
			*out = append(*out, prefix+t.Name(i))
			continue
		}
		sub, err := s.treeLocked(t.Hash(i))
		if err != nil {
			return err
		}
		if err := s.collectLocked(prefix+t.Name(i)+"/", sub, out); err != nil {
			return err
		}
	}
	return nil
}

// ChangedFiles returns, sorted, the paths whose content or mode differs
// between the trees of from and to: added, removed and modified files
// (a zero hash stands for an empty tree). Identical subtrees are skipped by
// hash, so the cost grows with the size of the change, not of the tree.
func (s *Store) ChangedFiles(from, to plumbing.Hash) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.commitTreeLocked(from)
	if err != nil {
		return nil, fmt.Errorf("changed files: %w", err)
	}
	b, err := s.commitTreeLocked(to)
	if err != nil {
		return nil, fmt.Errorf("changed files: %w", err)
	}
	var out []string
	if err := s.diffLocked("", a, b, &out); err != nil {
		return nil, fmt.Errorf("changed files %s..%s: %w", short(from), short(to), err)
	}
	sort.Strings(out)
	return dedupe(out), nil
}

// diffLocked appends the paths below prefix that differ between a and b.
// gitobj.Diff pairs entries by name and kind: a file replaced by a
// directory comes as two one-sided entries, each listed whole.
func (s *Store) diffLocked(prefix string, a, b *gitobj.Tree, out *[]string) error {
	return gitobj.Diff(a, b, func(ai, bi int) error {
		if ai >= 0 && bi >= 0 && isDir(a, ai) {
			ta, err := s.treeLocked(a.Hash(ai))
			if err != nil {
				return err
			}
			tb, err := s.treeLocked(b.Hash(bi))
			if err != nil {
				return err
			}
			return s.diffLocked(prefix+a.Name(ai)+"/", ta, tb, out)
		}
		for _, side := range []struct {
			t *gitobj.Tree
			i int
		}{{a, ai}, {b, bi}} {
			switch {
			case side.i < 0:
			case isDir(side.t, side.i):
				t, err := s.treeLocked(side.t.Hash(side.i))
				if err != nil {
					return err
				}
				if err := s.collectLocked(prefix+side.t.Name(side.i)+"/", t, out); err != nil {
					return err
				}
			default:
				*out = append(*out, prefix+side.t.Name(side.i))
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
