package gitstore

import (
	"fmt"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// FirstParentLog returns the first-parent chain from `from` back to, but
// excluding, `stop`, oldest first. A zero stop walks to the root commit; a
// zero from gives an empty log. If stop is not on the chain the result is
// ErrNotOnChain: for the WAL this means main was rewritten. It holds the
// whole result in memory; use WalkFirstParent for long histories.
func (s *Store) FirstParentLog(from, stop plumbing.Hash) ([]*object.Commit, error) {
	var out []*object.Commit
	err := s.WalkFirstParent(from, stop, func(c *object.Commit) error {
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// WalkFirstParent calls fn for every commit of the first-parent chain from
// `from` back to, but excluding, `stop`, oldest first, with the semantics of
// FirstParentLog. It first collects the chain's hashes (20 bytes per
// commit), then decodes and hands over one commit at a time, so memory does
// not grow with the commits' size. The Store's mutex is not held while fn
// runs, so fn may call the Store. An error from fn stops the walk and is
// returned as is.
func (s *Store) WalkFirstParent(from, stop plumbing.Hash, fn func(*object.Commit) error) error {
	hashes, err := s.firstParentHashes(from, stop)
	if err != nil {
		return err
	}
	for i := len(hashes) - 1; i >= 0; i-- {
		c, err := s.Commit(hashes[i])
		if err != nil {
			return fmt.Errorf("walk first parent: %w", err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// firstParentHashes returns the chain from `from` to (excluding) stop,
// newest first.
func (s *Store) firstParentHashes(from, stop plumbing.Hash) ([]plumbing.Hash, error) {
	var hashes []plumbing.Hash
	s.mu.Lock()
	defer s.mu.Unlock()
	for h := from; h != stop; {
		if h.IsZero() {
			return nil, fmt.Errorf("walk first parent from %s: stop %s: %w", describe(from), short(stop), ErrNotOnChain)
		}
		parent, err := s.firstParentLocked(h)
		if err != nil {
			return nil, fmt.Errorf("walk first parent: %w", err)
		}
		hashes = append(hashes, h)
		h = parent
	}
	return hashes, nil
}

// firstParentLocked returns the first parent of commit h (zero for a
// root), decoding the commit.
func (s *Store) firstParentLocked(h plumbing.Hash) (plumbing.Hash, error) {
	c, err := s.commitLocked(h)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if len(c.ParentHashes) == 0 {
		return plumbing.ZeroHash, nil
	}
	return c.ParentHashes[0], nil
}

// IsAncestor reports whether a is an ancestor of b through any parents
// (a commit is its own ancestor), like `git merge-base --is-ancestor`. A
// "false" answer visits all of b's history; to check that a WAL position is
// still on main, walk the first-parent chain with a stop instead.
func (s *Store) IsAncestor(a, b plumbing.Hash) (bool, error) {
	if a.IsZero() || b.IsZero() {
		return false, fmt.Errorf("is ancestor: zero hash")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.commitLocked(a); err != nil {
		return false, fmt.Errorf("is ancestor: %w", err)
	}
	seen := map[plumbing.Hash]bool{b: true}
	queue := []plumbing.Hash{b}
	for len(queue) > 0 {
		h := queue[0]
		queue = queue[1:]
		if h == a {
			return true, nil
		}
		c, err := s.commitLocked(h)
		if err != nil {
			return false, fmt.Errorf("is ancestor: %w", err)
		}
		for _, p := range c.ParentHashes {
			if !seen[p] {
				seen[p] = true
				queue = append(queue, p)
			}
		}
	}
	return false, nil
}

// FirstParentSet answers whether commits are on one head's first-parent
// chain, walking the chain once, lazily and only as far as a question
// needs: any number of questions cost at most one walk of the chain (20
// bytes per commit kept), where FirstParentLog per question costs one walk
// each. Safe for concurrent use.
type FirstParentSet struct {
	s    *Store
	mu   sync.Mutex
	on   map[plumbing.Hash]bool
	next plumbing.Hash // the next commit to take; zero: the root was taken
}

// NewFirstParentSet returns the set of head's first-parent chain (head
// included), read as questions need it.
func (s *Store) NewFirstParentSet(head plumbing.Hash) *FirstParentSet {
	return &FirstParentSet{s: s, on: map[plumbing.Hash]bool{}, next: head}
}

// Has reports whether h is on the chain.
func (f *FirstParentSet) Has(h plumbing.Hash) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for !f.on[h] && !f.next.IsZero() {
		f.s.mu.Lock()
		parent, err := f.s.firstParentLocked(f.next)
		f.s.mu.Unlock()
		if err != nil {
			return false, fmt.Errorf("first-parent chain: %w", err)
		}
		f.on[f.next] = true
		f.next = parent
	}
	return f.on[h], nil
}
