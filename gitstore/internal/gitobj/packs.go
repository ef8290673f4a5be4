package gitobj

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"
)

// packSet is the packs a Store knows, replaced whole when a rescan finds
// more, so readers need no lock.
type packSet struct {
	packs []*pack
	known map[string]bool // index files opened, or set aside for go-git
	// partial means some objects may be where only go-git finds them: an
	// index of an old format or one that would not open, or alternates.
	// A Store then asks go-git before saying an object does not exist.
	partial bool
	nextID  int
	closed  bool
}

// find returns the pack and offset holding h.
func (set *packSet) find(h plumbing.Hash) (*pack, int64, bool) {
	for _, p := range set.packs {
		if off, ok := p.find(h); ok {
			return p, off, true
		}
	}
	return nil, 0, false
}

// rescan lists the pack directory again and returns the current set. It
// always lists, even when another reader just did: an object may have
// moved from loose into a new pack since (a repack), and a reader that
// missed it as loose must see that pack.
func (s *Store) rescan() (*packSet, error) {
	s.scanMu.Lock()
	defer s.scanMu.Unlock()
	cur := s.packs.Load()
	if cur.closed {
		return cur, nil
	}
	next, err := s.scan(cur, false)
	if err != nil {
		return cur, err
	}
	if next != cur {
		s.packs.Store(next)
	}
	return next, nil
}

// scan returns cur plus the packs whose index files it does not know yet
// (cur itself when there are none). At Open (strict) an index that does
// not open is an error; later it only makes the set partial, and a later
// scan tries it again.
func (s *Store) scan(cur *packSet, strict bool) (*packSet, error) {
	idxs, err := filepath.Glob(filepath.Join(s.objectsDir, "pack", "pack-*.idx"))
	if err != nil {
		return nil, err
	}
	_, aerr := os.Stat(filepath.Join(s.objectsDir, "info", "alternates"))
	alternates := aerr == nil
	var next *packSet
	grow := func() *packSet {
		if next == nil {
			next = &packSet{packs: cur.packs[:len(cur.packs):len(cur.packs)], known: make(map[string]bool, len(cur.known)+1),
				partial: cur.partial, nextID: cur.nextID}
			for k := range cur.known {
				next.known[k] = true
			}
		}
		return next
	}
	if alternates && !cur.partial {
		grow().partial = true
	}
	for _, idx := range idxs {
		if cur.known[idx] {
			continue
		}
		p, err := openPack(idx)
		switch {
		case errors.Is(err, os.ErrNotExist):
			// The pack is being written (or removed): not there yet.
			continue
		case errors.Is(err, errOldIndex):
			n := grow()
			n.known[idx], n.partial = true, true
			continue
		case err != nil && strict:
			for _, p := range grow().packs[len(cur.packs):] {
				p.close()
			}
			return nil, err
		case err != nil:
			grow().partial = true
			continue
		}
		n := grow()
		p.id = n.nextID
		n.nextID++
		n.packs = append(n.packs, p)
		n.known[idx] = true
	}
	if next == nil {
		return cur, nil
	}
	return next, nil
}
