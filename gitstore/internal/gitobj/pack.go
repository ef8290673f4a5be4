package gitobj

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/klauspost/compress/zlib"
)

// packEntry is one pack entry: its type, inflated data (the object, or
// the delta) and, for deltas, where the base is.
type packEntry struct {
	kind int
	size int
	data []byte
	base int64         // ofs-delta: the base's offset
	ref  plumbing.Hash // ref-delta: the base's name
}

// inflater is a reusable reader of one zlib stream in a pack: from a
// window of the pack in memory (mr) or, for an entry that runs past its
// window, from the file by position (br).
type inflater struct {
	mr bytes.Reader
	br *bufio.Reader
	zr io.ReadCloser
	// clipped: the stream is read from a window that ends before the
	// pack's data does, so running out of input may mean only that.
	clipped bool
}

// byteReader is what the header parser and the inflater read from. A
// *bytes.Reader lets the inflater decode straight from a window.
type byteReader interface {
	io.Reader
	io.ByteReader
}

// entryLimits bound the pack entry a read inflates, checked from its
// header: an object's size (0: any), a delta's, and the object's type
// (zero: any).
type entryLimits struct {
	object, delta int64
	want          plumbing.ObjectType
}

// check refuses entry e, whose header is read, when it is outside l.
func (l entryLimits) check(e packEntry) error {
	if e.kind == typeOfsDelta || e.kind == typeRefDelta {
		if over(int64(e.size), l.delta) {
			return &TooLargeError{Size: int64(e.size), Limit: l.delta, Base: true}
		}
		return nil
	}
	if t := plumbing.ObjectType(e.kind); l.want > 0 && t != l.want {
		return fmt.Errorf("a %s, not a %s: %w", t, l.want, ErrWrongType)
	}
	if over(int64(e.size), l.object) {
		return &TooLargeError{Size: int64(e.size), Limit: l.object}
	}
	return nil
}

// entry reads and inflates the pack entry at off, unless its header puts
// it outside lim.
func (s *Store) entry(p *pack, off int64, lim entryLimits) (packEntry, error) {
	e, err := s.entryFrom(p, off, false, lim)
	if errors.Is(err, errClipped) {
		e, err = s.entryFrom(p, off, true, lim)
	}
	return e, err
}

// errClipped means an entry ran past the window it was read from.
var errClipped = errors.New("entry runs past its window")

// entryFrom reads the entry at off from its window, or from the file
// when whole is set.
func (s *Store) entryFrom(p *pack, off int64, whole bool, lim entryLimits) (packEntry, error) {
	e, in, err := s.open(p, off, whole)
	if err != nil {
		return e, err
	}
	defer s.inflaters.Put(in)
	if err := lim.check(e); err != nil {
		return packEntry{}, err
	}
	e.data = make([]byte, e.size)
	if _, err := io.ReadFull(in.zr, e.data); err != nil {
		return packEntry{}, in.inflateError(err)
	}
	return e, nil
}

// inflateError is err from reading the stream, or errClipped when the
// stream may only have been cut short by the end of its window.
func (in *inflater) inflateError(err error) error {
	if endOfWindow(in.clipped, err) {
		return errClipped
	}
	return fmt.Errorf("inflate: %w", err)
}

// endOfWindow reports whether err, met reading an entry from a window
// that ends before the pack's entries do (clipped), may mean only that the
// entry runs past its window.
func endOfWindow(clipped bool, err error) bool {
	return clipped && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF))
}

// open reads the header of the pack entry at off and returns an inflater
// positioned at its data, which the caller must give back to s.inflaters.
// The entry is read from its window in memory, or from the file when
// whole is set.
func (s *Store) open(p *pack, off int64, whole bool) (packEntry, *inflater, error) {
	if off < 12 || off >= p.size-20 {
		return packEntry{}, nil, fmt.Errorf("offset out of range")
	}
	in, _ := s.inflaters.Get().(*inflater)
	if in == nil {
		in = &inflater{}
	}
	var r byteReader
	if whole {
		if in.br == nil {
			in.br = bufio.NewReaderSize(nil, 4096)
		}
		in.br.Reset(io.NewSectionReader(p.f, off, p.size-20-off))
		r, in.clipped = in.br, false
	} else {
		w, err := s.readWindow(p, off)
		if err != nil {
			s.inflaters.Put(in)
			return packEntry{}, nil, err
		}
		in.mr.Reset(w)
		r, in.clipped = &in.mr, off+int64(len(w)) < p.size-20
	}
	e, err := in.header(r, off)
	if err != nil {
		clipped := in.clipped
		s.inflaters.Put(in)
		if endOfWindow(clipped, err) {
			err = errClipped
		}
		return packEntry{}, nil, err
	}
	return e, in, nil
}

// header parses the header of the pack entry at off, read from r, and
// leaves in inflating its data.
func (in *inflater) header(r byteReader, off int64) (packEntry, error) {
	c, err := r.ReadByte()
	if err != nil {
		return packEntry{}, err
	}
	e := packEntry{kind: int(c>>4) & 7}
	size := uint64(c & 15)
	for shift := uint(4); c&0x80 != 0; shift += 7 {
		if c, err = r.ReadByte(); err != nil {
			return packEntry{}, err
		}
		if shift > 56 {
			return packEntry{}, fmt.Errorf("object size overflows")
		}
		size |= uint64(c&0x7f) << shift
	}
	switch e.kind {
	case int(plumbing.CommitObject), int(plumbing.TreeObject), int(plumbing.BlobObject), int(plumbing.TagObject):
	case typeOfsDelta:
		if c, err = r.ReadByte(); err != nil {
			return packEntry{}, err
		}
		rel := int64(c & 0x7f)
		for c&0x80 != 0 {
			if c, err = r.ReadByte(); err != nil {
				return packEntry{}, err
			}
			if rel > 1<<55 {
				return packEntry{}, fmt.Errorf("delta base offset overflows")
			}
			rel = (rel+1)<<7 | int64(c&0x7f)
		}
		if rel <= 0 || rel >= off {
			return packEntry{}, fmt.Errorf("delta base offset %d out of range", rel)
		}
		e.base = off - rel
	case typeRefDelta:
		if _, err := io.ReadFull(r, e.ref[:]); err != nil {
			return packEntry{}, err
		}
	default:
		return packEntry{}, fmt.Errorf("unknown pack entry type %d", e.kind)
	}
	if size > 1<<31 {
		return packEntry{}, fmt.Errorf("object of %d bytes is too large", size)
	}
	e.size = int(size)
	if err := in.reset(r); err != nil {
		return packEntry{}, err
	}
	return e, nil
}

// reset starts inflating the zlib stream at r's position.
func (in *inflater) reset(r byteReader) error {
	if in.zr == nil {
		var err error
		in.zr, err = zlib.NewReader(r)
		return err
	}
	return in.zr.(zlib.Resetter).Reset(r, nil)
}

// ReadPrefix returns at least the first n bytes of an object (all of it
// when shorter), inflating no more of it, or of its delta bases, than
// that needs. It does not say, nor check, the object's type. For a
// commit, its first lines are its tree and parents.
func (s *Store) ReadPrefix(h plumbing.Hash, n int) ([]byte, error) {
	if p, off, ok := s.packs.Load().find(h); ok {
		b, err := s.prefixPacked(p, off, n, 0)
		if errors.Is(err, errClipped) {
			// An entry on the way ran past its window: read it all.
			_, b, err = s.readPacked(p, off, bounds{})
		}
		return b, err
	}
	b, err := s.loosePrefix(h, n)
	if errors.Is(err, ErrNotFound) {
		_, b, err = s.Read(h)
	}
	return b, err
}

func (s *Store) prefixPacked(p *pack, off int64, n, depth int) ([]byte, error) {
	if _, b, ok := s.cache.get(cacheKey{p.id, off}); ok {
		return b, nil
	}
	if depth > maxChain {
		return nil, fmt.Errorf("delta chain too long")
	}
	e, in, err := s.open(p, off, false)
	if err != nil {
		return nil, err
	}
	defer s.inflaters.Put(in)
	if e.kind != typeOfsDelta && e.kind != typeRefDelta {
		out := make([]byte, min(n, e.size))
		if _, err := io.ReadFull(in.zr, out); err != nil {
			return nil, in.inflateError(err)
		}
		return out, nil
	}
	// Follow the delta's instructions until n bytes are produced; a copy
	// needs only the base's prefix up to its end.
	baseOff := e.base
	if e.kind == typeRefDelta {
		var ok bool
		if baseOff, ok = p.find(e.ref); !ok {
			// A base in another pack: read the whole object, which
			// resolves it there.
			_, b, err := s.readPacked(p, off, bounds{})
			return b, err
		}
	}
	dr := bufio.NewReaderSize(in.zr, 256)
	if _, err := readLEB(dr); err != nil { // base size
		return nil, in.inflateError(err)
	}
	total, err := readLEB(dr)
	if err != nil {
		return nil, in.inflateError(err)
	}
	want := min(n, total)
	out := make([]byte, 0, want)
	for len(out) < want {
		cmd, err := dr.ReadByte()
		if err != nil {
			return nil, in.inflateError(err)
		}
		if cmd&0x80 == 0 {
			if cmd == 0 {
				return nil, fmt.Errorf("bad delta instruction")
			}
			start := len(out)
			out = append(out, make([]byte, cmd)...)
			if _, err := io.ReadFull(dr, out[start:]); err != nil {
				return nil, in.inflateError(err)
			}
			continue
		}
		var co, cs int
		for k := 0; k < 4; k++ {
			if cmd&(1<<k) != 0 {
				b, err := dr.ReadByte()
				if err != nil {
					return nil, in.inflateError(err)
				}
				co |= int(b) << (8 * k)
			}
		}
		for k := 0; k < 3; k++ {
			if cmd&(0x10<<k) != 0 {
				b, err := dr.ReadByte()
				if err != nil {
					return nil, in.inflateError(err)
				}
				cs |= int(b) << (8 * k)
			}
		}
		if cs == 0 {
			cs = 0x10000
		}
		base, err := s.prefixPacked(p, baseOff, co+cs, depth+1)
		if err != nil {
			return nil, err
		}
		if co+cs > len(base) {
			return nil, fmt.Errorf("delta copies past its base")
		}
		out = append(out, base[co:co+cs]...)
	}
	return out, nil
}

func readLEB(r io.ByteReader) (int, error) {
	n, shift := 0, 0
	for {
		b, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		if shift > 56 {
			return 0, fmt.Errorf("delta size overflows")
		}
		n |= int(b&0x7f) << shift
		if b&0x80 == 0 {
			return n, nil
		}
		shift += 7
	}
}
