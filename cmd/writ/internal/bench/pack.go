package bench

import (
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"
)

// packBuf collects the objects of a chunk of entries and writes them as
// one pack file, which `git index-pack` then checks and indexes. Writing
// a loose file per object costs about a millisecond each on slow disks;
// a 100,000-entry repo has over half a million objects.
//
// Trees that change one entry at a time (proposals/ and each instance's
// directory) are stored as deltas against their previous version, at most
// maxDepth deep, as git would store them; everything else is stored whole.
type packBuf struct {
	buf     bytes.Buffer
	count   uint32
	offsets map[plumbing.Hash]int64
	last    map[string]*version // by tree path: the previous version
	zw      *zlib.Writer
}

// version is the last stored version of a tree path.
type version struct {
	raw   []byte
	off   int64
	depth int
}

const maxDepth = 50

func newPackBuf() *packBuf {
	p := &packBuf{offsets: map[plumbing.Hash]int64{}, last: map[string]*version{}}
	p.reset()
	return p
}

func (p *packBuf) reset() {
	p.buf.Reset()
	p.buf.Write([]byte{'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, 0}) // count patched in flush
	p.count = 0
	clear(p.offsets)
	clear(p.last)
}

// add stores an object whole and returns its name.
func (p *packBuf) add(t plumbing.ObjectType, raw []byte) plumbing.Hash {
	h := plumbing.ComputeHash(t, raw)
	if _, ok := p.offsets[h]; ok {
		return h
	}
	p.offsets[h] = int64(p.buf.Len())
	p.header(int(t), len(raw))
	p.deflate(raw)
	return h
}

// addTree stores a tree as a delta against the previous version stored for
// path in this pack, when there is one and the chain is not too deep.
func (p *packBuf) addTree(path string, raw []byte) plumbing.Hash {
	h := plumbing.ComputeHash(plumbing.TreeObject, raw)
	if _, ok := p.offsets[h]; ok {
		return h
	}
	prev := p.last[path]
	off := int64(p.buf.Len())
	if prev == nil || prev.depth >= maxDepth {
		p.offsets[h] = off
		p.header(int(plumbing.TreeObject), len(raw))
		p.deflate(raw)
		p.last[path] = &version{raw: raw, off: off}
		return h
	}
	d := delta(prev.raw, raw)
	p.offsets[h] = off
	p.header(6, len(d)) // OFS_DELTA
	p.buf.Write(ofsDelta(off - prev.off))
	p.deflate(d)
	p.last[path] = &version{raw: raw, off: off, depth: prev.depth + 1}
	return h
}

// header writes a pack entry header: type and inflated size.
func (p *packBuf) header(t, size int) {
	p.count++
	c := byte(t<<4) | byte(size&15)
	size >>= 4
	for size > 0 {
		p.buf.WriteByte(c | 0x80)
		c = byte(size & 0x7f)
		size >>= 7
	}
	p.buf.WriteByte(c)
}

func (p *packBuf) deflate(b []byte) {
	if p.zw == nil {
		p.zw = zlib.NewWriter(&p.buf)
	} else {
		p.zw.Reset(&p.buf)
	}
	p.zw.Write(b)
	p.zw.Close()
}

// ofsDelta encodes the distance back to a delta's base as git does.
func ofsDelta(rel int64) []byte {
	var b [10]byte
	i := len(b) - 1
	b[i] = byte(rel & 0x7f)
	for rel >>= 7; rel > 0; rel >>= 7 {
		rel--
		i--
		b[i] = 0x80 | byte(rel&0x7f)
	}
	return b[i:]
}

// delta encodes target against base in git's delta format: copy the
// common prefix, insert the middle, copy the common suffix.
func delta(base, target []byte) []byte {
	pre := 0
	for pre < len(base) && pre < len(target) && base[pre] == target[pre] {
		pre++
	}
	suf := 0
	for suf < len(base)-pre && suf < len(target)-pre && base[len(base)-1-suf] == target[len(target)-1-suf] {
		suf++
	}
	out := leb128(nil, len(base))
	out = leb128(out, len(target))
	out = copyOps(out, 0, pre)
	mid := target[pre : len(target)-suf]
	for len(mid) > 0 {
		n := min(len(mid), 127)
		out = append(out, byte(n))
		out = append(out, mid[:n]...)
		mid = mid[n:]
	}
	return copyOps(out, len(base)-suf, suf)
}

func leb128(out []byte, n int) []byte {
	for n >= 0x80 {
		out = append(out, byte(n)|0x80)
		n >>= 7
	}
	return append(out, byte(n))
}

// copyOps appends copy instructions for base[off:off+n], in pieces of at
// most 0xffff bytes.
func copyOps(out []byte, off, n int) []byte {
	for n > 0 {
		size := min(n, 0xffff)
		cmd := byte(0x80)
		var args []byte
		for i := 0; i < 4; i++ {
			if b := byte(off >> (8 * i)); b != 0 {
				cmd |= 1 << i
				args = append(args, b)
			}
		}
		for i := 0; i < 2; i++ {
			if b := byte(size >> (8 * i)); b != 0 {
				cmd |= 0x10 << i
				args = append(args, b)
			}
		}
		out = append(append(out, cmd), args...)
		off += size
		n -= size
	}
	return out
}

// flush writes the pack into the repository's objects/pack, has `git
// index-pack` check and index it, and starts a new pack.
func (p *packBuf) flush(gitDir string) error {
	if p.count == 0 {
		return nil
	}
	b := p.buf.Bytes()
	binary.BigEndian.PutUint32(b[8:12], p.count)
	sum := sha1.Sum(b)
	name := filepath.Join(gitDir, "objects", "pack", "pack-"+hex.EncodeToString(sum[:]))
	f, err := os.Create(name + ".pack")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		_, err = f.Write(sum[:])
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write pack: %w", err)
	}
	if err := runGit(gitDir, "index-pack", name+".pack"); err != nil {
		return err
	}
	p.reset()
	return nil
}
