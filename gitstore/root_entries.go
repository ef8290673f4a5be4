package gitstore

import (
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
)

// RootEntry is one entry of a commit's root tree: its name and its mode as
// git writes it ("100644", "40000", …).
type RootEntry struct {
	Name, Mode string
}

// RootEntries returns the entries of commit's root tree, in tree order,
// without reading any subtree: it costs the commit and one tree object,
// however many paths the trees below name (a tree that reuses one subtree
// under many names, level after level, names millions with a few
// kilobytes). A root of more than limit entries (limit > 0) is refused
// with an error wrapping ErrTooLarge that names the commit and the count.
// It is for refs whose tree writ lays out flat (refs/writ/outbox).
func (s *Store) RootEntries(commit plumbing.Hash, limit int) ([]RootEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.commitTreeLocked(commit)
	if err != nil {
		return nil, fmt.Errorf("root of %s: %w", short(commit), err)
	}
	if limit > 0 && t.Len() > limit {
		return nil, fmt.Errorf("root of %s: %d entries, over the limit of %d: %w", short(commit), t.Len(), limit, ErrTooLarge)
	}
	out := make([]RootEntry, t.Len())
	for i := range out {
		out[i] = RootEntry{Name: t.Name(i), Mode: t.Mode(i)}
	}
	return out, nil
}
