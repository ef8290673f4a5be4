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

// ReadFileWithin is ReadFile counting every tree it reads against budget
// (see EntryAtWithin), for a commit others push whose files are read by
// the thousand.
func (s *Store) ReadFileWithin(budget *DiffBudget, commit plumbing.Hash, path string) ([]byte, error) {
	return s.readFileWithin(&budget.b, commit, path, MaxFileSize)
}

// readFile is ReadFile with a limit on the file's size (0: none).
func (s *Store) readFile(commit plumbing.Hash, path string, limit int64) ([]byte, error) {
	return s.readFileWithin(nil, commit, path, limit)
}

// readFileWithin is readFile counting the trees it reads against b (nil:
// no limits).
func (s *Store) readFileWithin(budget *diffBudget, commit plumbing.Hash, path string, limit int64) ([]byte, error) {
	if err := ValidatePath(path); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.diffRootLocked(budget, commit)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	t, i, err := s.findEntryWithinLocked(budget, t, path)
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
		b, err := s.raw.ReadLimitedOwned(h, plumbing.BlobObject, limit)
		if err == nil {
			return b, nil
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
// a dir that is a file gives ErrNotFound. Its cost grows with the paths it
// lists, which a tree can multiply by reusing subtrees: it is for trees
// writ wrote or verified (main's); a commit others push is read by path
// (ReadFile) or diffed (ChangedFiles, which is bounded).
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
	if err := s.collectLocked(nil, prefix, t, &out); err != nil {
		return nil, fmt.Errorf("list %s at %s: %w", dir, short(commit), err)
	}
	sort.Strings(out)
	return out, nil
}

// findEntryLocked walks path down from t and returns the tree holding
// its last component and the entry's index there. A missing component, or
// a file where a directory is needed, gives ErrNotFound.
func (s *Store) findEntryLocked(t *gitobj.Tree, path string) (*gitobj.Tree, int, error) {
	return s.findEntryWithinLocked(nil, t, path)
}

// findEntryWithinLocked is findEntryLocked counting every subtree it
// reads against b (nil: no limits).
func (s *Store) findEntryWithinLocked(b *diffBudget, t *gitobj.Tree, path string) (*gitobj.Tree, int, error) {
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
		if err := b.tree(path[:done+1], sub); err != nil {
			return nil, 0, err
		}
		t, done = sub, done+1
	}
}

// collectLocked appends every non-directory path below t, counting each
// entry and subtree against b (nil: no limits).
func (s *Store) collectLocked(b *diffBudget, prefix string, t *gitobj.Tree, out *[]string) error {
	for i := 0; i < t.Len(); i++ {
		p, err := b.entry(prefix, t.Name(i))
		if err != nil {
			return err
		}
		if !isDir(t, i) {
			*out = append(*out, p)
			continue
		}
		sub, err := s.subtreeLocked(b, p+"/", t.Hash(i))
		if err != nil {
			return err
		}
		if err := s.collectLocked(b, p+"/", sub, out); err != nil {
			return err
		}
	}
	return nil
}

// subtreeLocked reads tree h, found at dir, and counts it against b.
func (s *Store) subtreeLocked(b *diffBudget, dir string, h plumbing.Hash) (*gitobj.Tree, error) {
	t, err := s.treeLocked(h)
	if err != nil {
		return nil, err
	}
	if err := b.tree(dir, t); err != nil {
		return nil, err
	}
	return t, nil
}
