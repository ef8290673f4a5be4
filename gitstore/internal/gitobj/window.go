package gitobj

import (
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
)

// Pack files are read a window at a time: a pread of a few kilobytes per
// entry is a system call per object, most of a replay's object reads are
// near the last ones in the pack (git writes a pack in recency order, and
// delta bases near what they are bases of), and mapping the whole pack
// would count every page read in the process's resident memory. A window
// is windowSize bytes of the pack plus windowSlack more, so an entry that
// starts in a window and is shorter than the slack is read from it whole;
// a longer one is read from the file (see errClipped).
const (
	windowSize  = 128 << 10
	windowSlack = 32 << 10
	// windowCacheBytes bounds a Store's windows: 128 of them, 20 MB.
	windowCacheBytes = 128 * (windowSize + windowSlack)
)

// readWindow returns p's bytes from off to the end of off's window (plus
// the slack), or to the end of the pack's entries, whichever is first.
// Windows are kept in s.windows by their start; their bytes are never
// modified, so a reader may keep using them after they are evicted.
func (s *Store) readWindow(p *pack, off int64) ([]byte, error) {
	start := off / windowSize * windowSize
	k := cacheKey{p.id, start}
	if _, data, ok := s.windows.get(k); ok {
		return data[off-start:], nil
	}
	end := min(start+windowSize+windowSlack, p.size-20)
	if off < start || off >= end {
		return nil, fmt.Errorf("offset %d out of range", off)
	}
	data := make([]byte, end-start)
	if _, err := p.f.ReadAt(data, start); err != nil {
		return nil, fmt.Errorf("read pack %s at %d: %w", p.name, start, err)
	}
	// When another reader read it meanwhile, the cache keeps one.
	s.windows.put(k, plumbing.InvalidObject, data)
	return data[off-start:], nil
}
