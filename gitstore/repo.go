package gitstore

import (
	"fmt"
	"sort"

	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// FirstParentHint returns commit h's first parent as git's commit-graph
// records it, reading no object; ok is false when the graph does not hold
// h (or there is no graph, or no fast reader). It is a hint: the graph is
// git's cache, so a caller that relies on it checks it against the commits.
func (s *Store) FirstParentHint(h plumbing.Hash) (plumbing.Hash, bool) {
	if s.raw == nil {
		return plumbing.ZeroHash, false
	}
	return s.raw.FirstParentHint(h)
}

// ResolveRevision resolves a git revision (a ref, a hash or a prefix of
// one, "main~3") to a commit. Its error is go-git's, for the caller to
// name the revision.
func (s *Store) ResolveRevision(rev string) (plumbing.Hash, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, err := s.repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return *h, nil
}

// DeleteRef removes ref name (a full name, "refs/..."); a ref that does not
// exist is not an error.
func (s *Store) DeleteRef(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.repo.Storer.RemoveReference(plumbing.ReferenceName(name)); err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

// AddRemote records a remote in the repository's config.
func (s *Store) AddRemote(cfg *config.RemoteConfig) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.repo.CreateRemote(cfg); err != nil {
		return fmt.Errorf("add remote %s: %w", cfg.Name, err)
	}
	return nil
}

// RemoteNames lists the remotes of the repository's config, sorted.
func (s *Store) RemoteNames() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg, err := s.repo.Config()
	if err != nil {
		return nil, fmt.Errorf("read git config: %w", err)
	}
	names := make([]string, 0, len(cfg.Remotes))
	for n := range cfg.Remotes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// ConfigOption is one option of the repository's git config:
// [Section "Subsection"] Key = Value (Subsection may be empty).
type ConfigOption struct {
	Section, Subsection, Key, Value string
}

// SetConfig sets options in the repository's git config (.git/config).
func (s *Store) SetConfig(opts ...ConfigOption) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg, err := s.repo.Config()
	if err != nil {
		return fmt.Errorf("read git config: %w", err)
	}
	for _, o := range opts {
		sec := cfg.Raw.Section(o.Section)
		if o.Subsection != "" {
			sec.Subsection(o.Subsection).SetOption(o.Key, o.Value)
		} else {
			sec.SetOption(o.Key, o.Value)
		}
	}
	if err := s.repo.SetConfig(cfg); err != nil {
		return fmt.Errorf("write git config: %w", err)
	}
	return nil
}

// ForEachCommit calls fn with every commit object in the repository, in no
// particular order, until fn returns an error (returned as is). It reads
// them all first (under the Store's lock), so fn may use the Store; it is
// meant for checks over a whole repository, not for large ones.
func (s *Store) ForEachCommit(fn func(*object.Commit) error) error {
	s.mu.Lock()
	var all []*object.Commit
	iter, err := s.repo.CommitObjects()
	if err == nil {
		err = iter.ForEach(func(c *object.Commit) error { all = append(all, c); return nil })
		iter.Close()
	}
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("list commits: %w", err)
	}
	for _, c := range all {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}
