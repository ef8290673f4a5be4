package gitstore

import (
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// Modes of tree entries that are not regular files.
const (
	modeExecutable = "100755"
	modeSymlink    = "120000"
	modeGitlink    = "160000"
)

// RegularFile returns nil when mode (a tree entry's mode, as git writes it)
// is a regular, non-executable file (100644), and otherwise an error
// wrapping ErrNotRegular that names path and what the entry is:
// "workflows/a.yaml is a symlink (mode 120000), not a regular file (mode
// 100644)". Every control-repo file writ reads from a tree (writ.yaml,
// workflows/, policies/, trust/, proposals/) must pass it: a symlink's
// target text, an executable or a submodule is never taken as YAML.
func RegularFile(path, mode string) error {
	var kind string
	switch mode {
	case gitobj.ModeFile:
		return nil
	case modeExecutable:
		kind = "an executable file (mode 100755)"
	case modeSymlink:
		kind = "a symlink (mode 120000)"
	case modeGitlink:
		kind = "a submodule (gitlink, mode 160000)"
	case gitobj.ModeDir:
		kind = "a directory"
	default:
		kind = fmt.Sprintf("an entry of mode %q", mode)
	}
	return fmt.Errorf("%s is %s, %w", path, kind, ErrNotRegular)
}

// FileMode returns the mode of the entry at path in commit's tree, as git
// writes it ("100644", "100755", "120000", "160000", "40000"). A missing
// path gives ErrNotFound.
func (s *Store) FileMode(commit plumbing.Hash, path string) (string, error) {
	return s.fileMode(nil, commit, path)
}

// FileModeWithin is FileMode counting every tree it reads against budget
// (see EntryAtWithin), for a commit others push.
func (s *Store) FileModeWithin(budget *DiffBudget, commit plumbing.Hash, path string) (string, error) {
	return s.fileMode(&budget.b, commit, path)
}

// fileMode is FileMode counting the trees it reads against b (nil: no
// limits).
func (s *Store) fileMode(b *diffBudget, commit plumbing.Hash, path string) (string, error) {
	if err := ValidatePath(path); err != nil {
		return "", fmt.Errorf("mode of %s: %w", path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.diffRootLocked(b, commit)
	if err != nil {
		return "", fmt.Errorf("mode of %s: %w", path, err)
	}
	t, i, err := s.findEntryWithinLocked(b, t, path)
	if err != nil {
		return "", fmt.Errorf("mode of %s at %s: %w", path, short(commit), err)
	}
	return t.Mode(i), nil
}
