package gitstore

import (
	"errors"
	"fmt"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// IgnoreMatcher returns whether git ignores a slash-separated path of the
// working tree (isDir: the path is a directory), by the patterns of
// .git/info/exclude and of every .gitignore file below the root, as
// go-git's status reads them (core.excludesfile is not read). A bare
// repository ignores nothing. Like git, the matcher says nothing of
// tracked files: a caller keeps a tracked path whatever it says.
func (s *Store) IgnoreMatcher() (func(path string, isDir bool) bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	wt, err := s.repo.Worktree()
	if errors.Is(err, git.ErrIsBareRepository) {
		return func(string, bool) bool { return false }, nil
	} else if err != nil {
		return nil, fmt.Errorf("worktree: %w", err)
	}
	ps, err := gitignore.ReadPatterns(wt.Filesystem, nil)
	if err != nil {
		return nil, fmt.Errorf("read .gitignore files: %w", err)
	}
	m := gitignore.NewMatcher(ps)
	return func(path string, isDir bool) bool { return m.Match(strings.Split(path, "/"), isDir) }, nil
}
