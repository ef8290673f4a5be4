package gitstore

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ReadFile returns the content of the file at path in commit's tree. A
// missing path, or a path naming a directory or a submodule, gives
// ErrNotFound. Reading a blob by known path is the cheap way to get data
// out of history (see DESIGN §11); prefer it to tree diffs on hot paths.
func (s *Store) ReadFile(commit plumbing.Hash, path string) ([]byte, error) {
	if err := ValidatePath(path); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.commitTreeLocked(commit)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	e, err := s.findEntryLocked(t, path)
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", path, short(commit), err)
	}
	if !e.Mode.IsFile() {
		return nil, fmt.Errorf("read %s at %s: not a file (mode %s): %w", path, short(commit), e.Mode, ErrNotFound)
	}
	o, err := s.repo.Storer.EncodedObject(plumbing.BlobObject, e.Hash)
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: blob %s: %w", path, short(commit), short(e.Hash), err)
	}
	b, err := readAllObject(o)
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", path, short(commit), err)
	}
	return b, nil
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
		e, err := s.findEntryLocked(t, dir)
		switch {
		case errors.Is(err, ErrNotFound):
			return nil, nil
		case err != nil:
			return nil, fmt.Errorf("list %s at %s: %w", dir, short(commit), err)
		case e.Mode != filemode.Dir:
			return nil, fmt.Errorf("list %s at %s: not a directory: %w", dir, short(commit), ErrNotFound)
		}
		if t, err = s.treeLocked(e.Hash); err != nil {
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

// findEntryLocked walks path down from t. A missing component, or a file
// where a directory is needed, gives ErrNotFound.
func (s *Store) findEntryLocked(t *object.Tree, path string) (*object.TreeEntry, error) {
	parts := strings.Split(path, "/")
	for i, name := range parts {
		var found *object.TreeEntry
		for j := range t.Entries {
			if t.Entries[j].Name == name {
				found = &t.Entries[j]
				break
			}
		}
		if found == nil {
			return nil, ErrNotFound
		}
		if i == len(parts)-1 {
			return found, nil
		}
		if found.Mode != filemode.Dir {
			return nil, fmt.Errorf("%s is not a directory: %w", strings.Join(parts[:i+1], "/"), ErrNotFound)
		}
		sub, err := s.treeLocked(found.Hash)
		if err != nil {
			return nil, err
		}
		t = sub
	}
	return nil, ErrNotFound
}

// collectLocked appends every non-directory path below t.
func (s *Store) collectLocked(prefix string, t *object.Tree, out *[]string) error {
	for _, e := range t.Entries {
		if e.Mode != filemode.Dir {
			*out = append(*out, prefix+e.Name)
			continue
		}
		sub, err := s.treeLocked(e.Hash)
		if err != nil {
			return err
		}
		if err := s.collectLocked(prefix+e.Name+"/", sub, out); err != nil {
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

func (s *Store) diffLocked(prefix string, a, b *object.Tree, out *[]string) error {
	names := map[string][2]*object.TreeEntry{}
	for i := range a.Entries {
		v := names[a.Entries[i].Name]
		v[0] = &a.Entries[i]
		names[a.Entries[i].Name] = v
	}
	for i := range b.Entries {
		v := names[b.Entries[i].Name]
		v[1] = &b.Entries[i]
		names[b.Entries[i].Name] = v
	}
	for name, v := range names {
		ea, eb := v[0], v[1]
		if ea != nil && eb != nil && ea.Hash == eb.Hash && ea.Mode == eb.Mode {
			continue
		}
		p := prefix + name
		if ea != nil && eb != nil && ea.Mode == filemode.Dir && eb.Mode == filemode.Dir {
			ta, err := s.treeLocked(ea.Hash)
			if err != nil {
				return err
			}
			tb, err := s.treeLocked(eb.Hash)
			if err != nil {
				return err
			}
			if err := s.diffLocked(p+"/", ta, tb, out); err != nil {
				return err
			}
			continue
		}
		for _, e := range []*object.TreeEntry{ea, eb} {
			switch {
			case e == nil:
			case e.Mode == filemode.Dir:
				t, err := s.treeLocked(e.Hash)
				if err != nil {
					return err
				}
				if err := s.collectLocked(p+"/", t, out); err != nil {
					return err
				}
			default:
				*out = append(*out, p)
			}
		}
	}
	return nil
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
