package gitobj

import (
	"container/list"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// cacheKey names a place in a pack: the pack's id and an offset (of an
// entry, or of a window's start).
type cacheKey struct {
	pack int
	off  int64
}

type cached struct {
	key  cacheKey
	typ  plumbing.ObjectType
	data []byte
}

// lru is a byte-bounded least-recently-used cache of byte slices that are
// never modified (reconstructed objects, pack windows), safe for
// concurrent use.
type lru struct {
	mu    sync.Mutex
	max   int
	used  int
	order *list.List // front: most recent
	items map[cacheKey]*list.Element
}

func newLRU(maxBytes int) *lru {
	return &lru{max: maxBytes, order: list.New(), items: map[cacheKey]*list.Element{}}
}

func (c *lru) get(k cacheKey) (plumbing.ObjectType, []byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return plumbing.InvalidObject, nil, false
	}
	c.order.MoveToFront(el)
	v := el.Value.(*cached)
	return v.typ, v.data, true
}

// mayHold reports whether the cache keeps slices of n bytes: put ignores
// larger ones, so a slice that long was never handed to it.
func (c *lru) mayHold(n int) bool { return n <= c.max/4 }

func (c *lru) put(k cacheKey, t plumbing.ObjectType, b []byte) {
	if !c.mayHold(len(b)) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.order.MoveToFront(el)
		return
	}
	c.items[k] = c.order.PushFront(&cached{key: k, typ: t, data: b})
	c.used += len(b)
	for c.used > c.max {
		el := c.order.Back()
		v := el.Value.(*cached)
		c.order.Remove(el)
		delete(c.items, v.key)
		c.used -= len(v.data)
	}
}
