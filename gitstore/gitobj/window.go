package gitobj

import (
	"container/list"
	"fmt"
	"sync"
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
	// windowCount bounds a Store's windows: 20 MB.
	windowCount = 128
)

// windowKey names a window: the pack's id and the window's index.
type windowKey struct {
	pack  int
	index int64
}

// windowCache holds the most recently read windows of a Store's packs,
// safe for concurrent use. A window's bytes are never modified, so a
// reader may keep using them after the window is evicted.
type windowCache struct {
	mu    sync.Mutex
	order *list.List // of *window, front: most recent
	items map[windowKey]*list.Element
}

type window struct {
	key  windowKey
	data []byte
}

func newWindowCache() *windowCache {
	return &windowCache{order: list.New(), items: map[windowKey]*list.Element{}}
}

// read returns p's bytes from off to the end of off's window (plus the
// slack), or to the end of the pack's entries, whichever is first.
func (c *windowCache) read(p *pack, off int64) ([]byte, error) {
	k := windowKey{p.id, off / windowSize}
	start := k.index * windowSize
	c.mu.Lock()
	if el, ok := c.items[k]; ok {
		c.order.MoveToFront(el)
		data := el.Value.(*window).data
		c.mu.Unlock()
		return data[off-start:], nil
	}
	c.mu.Unlock()
	end := min(start+windowSize+windowSlack, p.size-20)
	if off < start || off >= end {
		return nil, fmt.Errorf("offset %d out of range", off)
	}
	data := make([]byte, end-start)
	if _, err := p.f.ReadAt(data, start); err != nil {
		return nil, fmt.Errorf("read pack %s at %d: %w", p.name, start, err)
	}
	c.mu.Lock()
	if el, ok := c.items[k]; ok {
		// Another reader read it meanwhile: keep one.
		c.order.MoveToFront(el)
	} else {
		c.items[k] = c.order.PushFront(&window{key: k, data: data})
		for c.order.Len() > windowCount {
			old := c.order.Remove(c.order.Back()).(*window)
			delete(c.items, old.key)
		}
	}
	c.mu.Unlock()
	return data[off-start:], nil
}
