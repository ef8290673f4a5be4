package gitstore

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// SyncWorktree brings a non-bare repository's working tree and index along
// when main moved from old to new while HEAD points at main: every file
// that changed between the two commits is written (or removed), unless the
// working tree holds a local edit of it, which is kept. The index is reset
// to new. A bare repository, or a HEAD on another branch, is left alone.
func (s *Store) SyncWorktree(old, new plumbing.Hash) error {
	head, err := s.repo.Storer.Reference(plumbing.HEAD)
	if err != nil || head.Type() != plumbing.SymbolicReference || head.Target() != plumbing.ReferenceName(MainRef) {
		return nil
	}
	wt, err := s.repo.Worktree()
	if errors.Is(err, git.ErrIsBareRepository) {
		return nil
	} else if err != nil {
		return fmt.Errorf("worktree: %w", err)
	}
	changed, err := s.ChangedFilesTrusted(old, new) // main's own history
	if err != nil {
		return err
	}
	root := wt.Filesystem.Root()
	for _, p := range changed {
		want, err := s.readFile(new, p, 0) // main's own files: any size
		if errors.Is(err, ErrNotRegular) {
			continue // a symlink, executable or submodule: git's business, not writ's
		}
		gone := errors.Is(err, ErrNotFound)
		if err != nil && !gone {
			return err
		}
		var before []byte
		if !old.IsZero() {
			if before, err = s.readFile(old, p, 0); err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrNotRegular) {
				return err
			}
		}
		full := filepath.Join(root, filepath.FromSlash(p))
		cur, err := os.ReadFile(full)
		exists := err == nil
		if exists && !bytes.Equal(cur, before) && !bytes.Equal(cur, want) {
			continue // a local edit: keep it
		}
		if gone {
			if exists {
				if err := os.Remove(full); err != nil {
					return fmt.Errorf("worktree: %w", err)
				}
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("worktree: %w", err)
		}
		if err := os.WriteFile(full, want, 0o644); err != nil {
			return fmt.Errorf("worktree: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := wt.Reset(&git.ResetOptions{Commit: new, Mode: git.MixedReset}); err != nil {
		return fmt.Errorf("worktree: reset index to %s: %w", new, err)
	}
	return nil
}
