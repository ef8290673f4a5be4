package gitstore

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"
)

// infiniteDepth is git's INFINITE_DEPTH: deepening a shallow clone by it
// fetches all the history below its boundary (`git fetch --unshallow`).
const infiniteDepth = 0x7fffffff

// Shallow returns the commits the repository's .git/shallow lists as the
// boundary of a shallow clone (their parents are missing), nil for a
// complete clone.
func (s *Store) Shallow() ([]plumbing.Hash, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hs, err := s.repo.Storer.Shallow()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Join(s.gitDir, "shallow"), err)
	}
	return hs, nil
}

// unshallowLocked drops from .git/shallow the commits of before whose
// parents are all present now that a fetch deepened past them (git's
// server says "unshallow", which go-git does not apply); the file is
// removed when none is left, as git does. A boundary commit whose parents
// are still missing is kept and, when it is one writ needs, reported by
// the read that reaches it.
func (s *Store) unshallowLocked(before []plumbing.Hash) error {
	var keep []plumbing.Hash
	for _, h := range before {
		c, err := s.commitLocked(h)
		if err != nil {
			keep = append(keep, h)
			continue
		}
		for _, p := range c.ParentHashes {
			if _, err := s.repo.Storer.EncodedObject(plumbing.CommitObject, p); err != nil {
				keep = append(keep, h)
				break
			}
		}
	}
	if len(keep) == len(before) {
		return nil
	}
	if len(keep) > 0 {
		if err := s.repo.Storer.SetShallow(keep); err != nil {
			return fmt.Errorf("update %s: %w", filepath.Join(s.gitDir, "shallow"), err)
		}
		return nil
	}
	if err := os.Remove(filepath.Join(s.gitDir, "shallow")); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("unshallow: %w", err)
	}
	return nil
}

// shallowHelp says how to get the history a shallow clone lacks.
const shallowHelp = "the clone is shallow (.git/shallow marks where its history stops, as actions/checkout leaves it " +
	"with its default fetch-depth: 1) and lacks this commit: `writ reconcile --remote <remote>` deepens it by itself; " +
	"otherwise run `git fetch --unshallow <remote>` or check out with fetch-depth: 0"

// missingCommitLocked is the error for a commit the repository lacks: in a
// shallow clone it wraps ErrShallow too and says what to do.
func (s *Store) missingCommitLocked(h plumbing.Hash) error {
	if sh, err := s.repo.Storer.Shallow(); err == nil && len(sh) > 0 {
		return fmt.Errorf("commit %s: %w: %w: %s", short(h), ErrNotFound, ErrShallow, shallowHelp)
	}
	return fmt.Errorf("commit %s: %w", short(h), ErrNotFound)
}
