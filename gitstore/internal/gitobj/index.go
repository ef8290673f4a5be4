package gitobj

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// pack is one pack file and its version 2 index. The index is mapped into
// memory where the platform allows (see mapFile), so opening a pack costs
// the same for ten objects or ten million, and a lookup touches only the
// pages its search visits. The pack itself is read by position, a window
// at a time (see readWindow).
type pack struct {
	id     int    // unique within a Store: names the pack in cache keys
	name   string // the pack file's base name, for errors
	f      *os.File
	size   int64
	fanout fanout
	names  []byte // 20 bytes per object, sorted
	off32  []byte // 4 bytes per object
	off64  []byte // 8 bytes per large offset
	idx    *mapping
}

// mapping is a pack index's bytes; release gives them back once, from
// Close or from the cleanup that runs when the pack is unreachable.
type mapping struct {
	data  []byte
	once  sync.Once
	unmap func([]byte) error
}

func (m *mapping) release() error {
	var err error
	m.once.Do(func() {
		if m.unmap != nil {
			err = m.unmap(m.data)
		}
	})
	return err
}

var errOldIndex = errors.New("pack index is not version 2")

// DamagedIndexError is a pack index that cannot be the index of the pack
// beside it: too short for any index format, cut short, out of order, or
// naming another pack's checksum. The pack itself may be whole; its index
// can be made again from it (git index-pack).
type DamagedIndexError struct {
	Index, Pack string // paths
	Reason      string
}

func (e *DamagedIndexError) Error() string {
	return fmt.Sprintf("pack index %s is damaged (%s)", e.Index, e.Reason)
}

// openPack opens a pack by its index file. The pack file is opened first:
// go-git writes a fetched pack's index under its final name before it
// renames the pack into place, so an index without its pack (whole, or cut
// short by a kill) is a pack not written yet, and gives an error wrapping
// os.ErrNotExist, never a verdict on the index. An index that does not fit
// its pack gives a *DamagedIndexError.
func openPack(idxPath string) (*pack, error) {
	packPath := strings.TrimSuffix(idxPath, ".idx") + ".pack"
	f, err := os.Open(packPath)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	data, unmap, err := mapFile(idxPath)
	if err != nil {
		f.Close()
		return nil, err
	}
	m := &mapping{data: data, unmap: unmap}
	p, err := parseIndex(idxPath, data)
	if err == nil {
		err = checkPackChecksum(f, st.Size(), data)
	}
	if err != nil {
		f.Close()
		m.release()
		var d *DamagedIndexError
		if errors.As(err, &d) {
			d.Index, d.Pack = idxPath, packPath
		}
		return nil, err
	}
	p.f, p.size, p.idx, p.name = f, st.Size(), m, filepath.Base(packPath)
	runtime.AddCleanup(p, func(m *mapping) { m.release() }, m)
	return p, nil
}

// checkPackChecksum checks that the pack checksum an index ends with (its
// second-to-last 20 bytes) is the pack's own (its last 20 bytes).
func checkPackChecksum(f *os.File, size int64, idx []byte) error {
	if size < 12+20 {
		return &DamagedIndexError{Reason: fmt.Sprintf("its pack has %d bytes", size)}
	}
	var sum [20]byte
	if _, err := f.ReadAt(sum[:], size-20); err != nil {
		return err
	}
	if !bytes.Equal(idx[len(idx)-40:len(idx)-20], sum[:]) {
		return &DamagedIndexError{Reason: "it names another pack's checksum"}
	}
	return nil
}

// parseIndex checks a version 2 pack index and finds its tables. Fewer
// bytes than any index format has, or a version 2 index cut short or out
// of order, is a *DamagedIndexError; another format is errOldIndex.
func parseIndex(idxPath string, idx []byte) (*pack, error) {
	const minIndex = 256*4 + 40 // version 1: fan-out and two checksums
	switch {
	case len(idx) < minIndex:
		return nil, &DamagedIndexError{Reason: fmt.Sprintf("%d bytes, fewer than any pack index has", len(idx))}
	case !bytes.Equal(idx[:4], []byte{0xff, 't', 'O', 'c'}) || binary.BigEndian.Uint32(idx[4:8]) != 2:
		return nil, errOldIndex
	case len(idx) < 8+256*4+40:
		return nil, &DamagedIndexError{Reason: "cut short"}
	}
	p := &pack{}
	var ok bool
	if p.fanout, ok = parseFanout(idx[8 : 8+256*4]); !ok {
		return nil, &DamagedIndexError{Reason: "fan-out table not sorted"}
	}
	n := int(p.fanout[255])
	names := 8 + 256*4
	crcs := names + 20*n
	offs := crcs + 4*n
	large := offs + 4*n
	if n > len(idx)/28 || len(idx) < large+40 {
		return nil, &DamagedIndexError{Reason: "cut short"}
	}
	p.names, p.off32, p.off64 = idx[names:crcs], idx[offs:large], idx[large:len(idx)-40]
	return p, nil
}

// close releases the pack file and its index.
func (p *pack) close() error {
	err := p.f.Close()
	if uerr := p.idx.release(); err == nil {
		err = uerr
	}
	return err
}

// find returns the pack offset of h.
func (p *pack) find(h plumbing.Hash) (int64, bool) {
	// The tables may be mapped memory that p's cleanup unmaps: keep p
	// alive until the last read of them.
	defer runtime.KeepAlive(p)
	i, ok := p.fanout.find(p.names, h)
	if !ok {
		return 0, false
	}
	o := binary.BigEndian.Uint32(p.off32[4*i:])
	if o&0x80000000 == 0 {
		return int64(o), true
	}
	k := int(o & 0x7fffffff)
	if 8*k+8 > len(p.off64) {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(p.off64[8*k:])), true
}

// fanout is git's fan-out table of sorted object names, in pack indexes
// and commit-graphs: entry i counts the names whose first byte is at most
// i.
type fanout [256]uint32

// parseFanout reads a fan-out table (256 big-endian counts); false unless
// the counts never decrease.
func parseFanout(b []byte) (fanout, bool) {
	var f fanout
	for i := range f {
		f[i] = binary.BigEndian.Uint32(b[4*i:])
		if i > 0 && f[i] < f[i-1] {
			return f, false
		}
	}
	return f, true
}

// find returns the index of h among names, 20 bytes each, sorted, that f
// counts.
func (f *fanout) find(names []byte, h plumbing.Hash) (int, bool) {
	lo := 0
	if h[0] > 0 {
		lo = int(f[h[0]-1])
	}
	return searchNames(names, lo, int(f[h[0]]), h)
}

// interpolationSteps bounds the interpolating probes of searchNames
// before it bisects. Object names are uniformly distributed, so a probe
// or two usually lands within a few entries; the bound keeps a pack of
// names chosen to defeat interpolation to a bisection's cost.
const interpolationSteps = 3

// searchNames finds h among the sorted 20-byte names[20*lo:20*hi]. It
// guesses where h must be from the names' first eight bytes (object names
// are hashes, spread evenly) and bisects what is left: a bisection of a
// large index misses the processor's caches at nearly every step.
func searchNames(names []byte, lo, hi int, h plumbing.Hash) (int, bool) {
	key := binary.BigEndian.Uint64(h[:8])
	nameKey := func(i int) uint64 { return binary.BigEndian.Uint64(names[20*i:]) }
	// Bounds on the keys in [lo, hi): those of the fan-out bucket, then
	// of the names probed.
	loKey := uint64(h[0]) << 56
	hiKey := loKey | (1<<56 - 1)
	for step := 0; step < interpolationSteps && hi-lo > 16; step++ {
		if key < loKey || key > hiKey || hiKey <= loKey {
			break
		}
		frac := float64(key-loKey) / float64(hiKey-loKey)
		mid := lo + int(frac*float64(hi-lo-1))
		mid = max(lo, min(mid, hi-1))
		switch c := bytes.Compare(h[:], names[20*mid:20*mid+20]); {
		case c == 0:
			return mid, true
		case c < 0:
			hi, hiKey = mid, nameKey(mid)
		default:
			lo, loKey = mid+1, nameKey(mid)
		}
	}
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		switch c := bytes.Compare(h[:], names[20*mid:20*mid+20]); {
		case c == 0:
			return mid, true
		case c < 0:
			hi = mid
		default:
			lo = mid + 1
		}
	}
	return lo, false
}
