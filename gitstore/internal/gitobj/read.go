package gitobj

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// Errors of limited reads (ReadLimited).
var (
	// ErrTooLarge means an object, or a delta it is rebuilt from, is
	// larger than a read's limit. Nothing of it was inflated.
	ErrTooLarge = errors.New("object too large")
	// ErrWrongType means the object is not of the type asked for; a delta
	// is refused from its base's header.
	ErrWrongType = errors.New("object of another type")
)

// TooLargeError is the ErrTooLarge of one read: the object's size as its
// header gives it (a loose object's header, a pack entry's, or for a
// delta the result size its delta declares) and the limit. When Base is
// set, Size is that of a delta or delta base the object is rebuilt from,
// and Limit the bound on those.
type TooLargeError struct {
	Hash  plumbing.Hash
	Size  int64
	Limit int64
	Base  bool
}

func (e *TooLargeError) Error() string {
	if e.Base {
		return fmt.Sprintf("object %s is rebuilt from a delta or base of %d bytes, over the limit of %d bytes", e.Hash, e.Size, e.Limit)
	}
	return fmt.Sprintf("object %s is %d bytes, over the limit of %d bytes", e.Hash, e.Size, e.Limit)
}

func (e *TooLargeError) Unwrap() error { return ErrTooLarge }

// deltaBaseRatio bounds what a limited read inflates on the way to its
// object: each delta and delta base at most deltaBaseRatio times the
// limit (git never deltas an object against a base 32 times its size),
// and never more than maxDeltaBase unless the limit itself is larger.
const (
	deltaBaseRatio = 32
	maxDeltaBase   = 32 << 20
)

// bounds limit one read: the object (0: any size) and every delta and
// delta base inflated to rebuild it.
type bounds struct {
	object, chain int64
	want          plumbing.ObjectType // zero: any type
}

// boundsFor returns the bounds of a read of a want of at most limit
// bytes (0: no limit).
func boundsFor(want plumbing.ObjectType, limit int64) bounds {
	if limit <= 0 {
		return bounds{want: want}
	}
	chain := maxDeltaBase
	if limit <= maxDeltaBase/deltaBaseRatio {
		chain = int(limit) * deltaBaseRatio
	}
	return bounds{object: limit, chain: max(int64(chain), limit), want: want}
}

// over reports whether n bytes exceed bound b (0: none).
func over(n, b int64) bool { return b > 0 && n > b }

// ReadLimited returns the content of object h if it is a want of at most
// limit bytes. The size is taken from the object's header (for a delta,
// from the result size the delta declares) before the object is inflated,
// and every delta and delta base the object is rebuilt from is bounded
// too (see deltaBaseRatio), so an object over the limit costs a few
// kilobytes to refuse, whatever its size: the error is a *TooLargeError.
// A base of another type is refused from its header too.
func (s *Store) ReadLimited(h plumbing.Hash, want plumbing.ObjectType, limit int64) ([]byte, error) {
	t, b, err := s.read(h, boundsFor(want, limit))
	if err != nil {
		return nil, err
	}
	if t != want {
		return nil, fmt.Errorf("object %s is a %s, not a %s: %w", h, t, want, ErrWrongType)
	}
	return b, nil
}

// ReadLimitedOwned is ReadLimited returning bytes the caller owns and may
// keep or change: ReadLimited's may be shared with the Store's cache,
// which never holds an object larger than a quarter of it, so only
// objects that small are copied (a large file is not copied again).
func (s *Store) ReadLimitedOwned(h plumbing.Hash, want plumbing.ObjectType, limit int64) ([]byte, error) {
	b, err := s.ReadLimited(h, want, limit)
	if err != nil || !s.cache.mayHold(len(b)) {
		return b, err
	}
	return append(make([]byte, 0, len(b)), b...), nil
}

// read finds object h and reads it within b.
func (s *Store) read(h plumbing.Hash, b bounds) (plumbing.ObjectType, []byte, error) {
	t, data, err := s.readAnywhere(h, b)
	var tl *TooLargeError
	if errors.As(err, &tl) && tl.Hash.IsZero() {
		tl.Hash = h
	}
	return t, data, err
}

func (s *Store) readAnywhere(h plumbing.Hash, b bounds) (plumbing.ObjectType, []byte, error) {
	set := s.packs.Load()
	if p, off, ok := set.find(h); ok {
		return s.readPacked(p, off, b)
	}
	t, data, err := s.readLoose(h, b)
	if !errors.Is(err, ErrNotFound) {
		return t, data, err
	}
	if set, err = s.rescan(); err != nil {
		return plumbing.InvalidObject, nil, err
	}
	if p, off, ok := set.find(h); ok {
		return s.readPacked(p, off, b)
	}
	if set.partial {
		return s.readFallback(h, b)
	}
	return plumbing.InvalidObject, nil, fmt.Errorf("object %s: %w", h, ErrNotFound)
}

// looseObject is a loose object opened at its content: its type and size
// from its header, the content inflated with the header (pre) and the
// inflater positioned at the rest.
type looseObject struct {
	typ  plumbing.ObjectType
	size int64
	pre  []byte
	in   *inflater
	f    *os.File
}

// openLoose opens loose object h and reads its header, inflating no more
// than a few dozen bytes of it. The caller must close it.
func (s *Store) openLoose(h plumbing.Hash) (*looseObject, error) {
	hex := h.String()
	f, err := os.Open(filepath.Join(s.objectsDir, hex[:2], hex[2:]))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, err
	}
	in, _ := s.inflaters.Get().(*inflater)
	if in == nil {
		in = &inflater{}
	}
	o := &looseObject{in: in, f: f}
	if in.br == nil {
		in.br = bufio.NewReaderSize(nil, 4096)
	}
	in.br.Reset(f)
	if err := in.reset(in.br); err != nil {
		s.closeLoose(o)
		return nil, fmt.Errorf("loose object %s: %w", hex, err)
	}
	// The header ("<type> <size>\x00") is short: read a little, find it,
	// and keep what follows it.
	var head [64]byte
	n, err := io.ReadAtLeast(in.zr, head[:], len(head))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		s.closeLoose(o)
		return nil, fmt.Errorf("loose object %s: %w", hex, err)
	}
	nul := bytes.IndexByte(head[:n], 0)
	if nul < 0 {
		s.closeLoose(o)
		return nil, fmt.Errorf("loose object %s: bad header %q", hex, head[:n])
	}
	hdr := string(head[:nul])
	kind, size, ok := strings.Cut(hdr, " ")
	t, terr := plumbing.ParseObjectType(kind)
	sz, nerr := strconv.ParseInt(size, 10, 64)
	if !ok || terr != nil || nerr != nil || sz < 0 || sz > 1<<31 {
		s.closeLoose(o)
		return nil, fmt.Errorf("loose object %s: bad header %q", hex, hdr)
	}
	o.typ, o.size = t, sz
	o.pre = append([]byte(nil), head[nul+1:n]...)
	return o, nil
}

func (s *Store) closeLoose(o *looseObject) {
	o.in.br.Reset(nil)
	s.inflaters.Put(o.in)
	o.f.Close()
}

func (s *Store) readLoose(h plumbing.Hash, b bounds) (plumbing.ObjectType, []byte, error) {
	o, err := s.openLoose(h)
	if err != nil {
		return plumbing.InvalidObject, nil, err
	}
	defer s.closeLoose(o)
	if b.want > 0 && o.typ != b.want {
		return plumbing.InvalidObject, nil, fmt.Errorf("object %s is a %s, not a %s: %w", h, o.typ, b.want, ErrWrongType)
	}
	if over(o.size, b.object) {
		return plumbing.InvalidObject, nil, &TooLargeError{Hash: h, Size: o.size, Limit: b.object}
	}
	data := make([]byte, o.size)
	got := copy(data, o.pre)
	if _, err := io.ReadFull(o.in.zr, data[got:]); err != nil {
		return plumbing.InvalidObject, nil, fmt.Errorf("loose object %s: %w", h, err)
	}
	return o.typ, data, nil
}

// loosePrefix returns at least the first n bytes of loose object h (all
// of it when shorter), inflating no more than that.
func (s *Store) loosePrefix(h plumbing.Hash, n int) ([]byte, error) {
	o, err := s.openLoose(h)
	if err != nil {
		return nil, err
	}
	defer s.closeLoose(o)
	want := int(min(int64(n), o.size))
	if len(o.pre) >= want {
		return o.pre[:want], nil
	}
	data := make([]byte, want)
	got := copy(data, o.pre)
	if _, err := io.ReadFull(o.in.zr, data[got:]); err != nil {
		return nil, fmt.Errorf("loose object %s: %w", h, err)
	}
	return data, nil
}

// readFallback reads h through go-git, checking its size first: go-git's
// EncodedObjectSize reads only the object's header (for a delta, the
// delta's).
func (s *Store) readFallback(h plumbing.Hash, b bounds) (plumbing.ObjectType, []byte, error) {
	s.fallbackMu.Lock()
	defer s.fallbackMu.Unlock()
	if b.object > 0 {
		if n, err := s.fallbackLocked().EncodedObjectSize(h); err == nil && over(n, b.object) {
			return plumbing.InvalidObject, nil, &TooLargeError{Hash: h, Size: n, Limit: b.object}
		}
	}
	o, err := s.fallbackLocked().EncodedObject(plumbing.AnyObject, h)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return plumbing.InvalidObject, nil, fmt.Errorf("object %s: %w", h, ErrNotFound)
	} else if err != nil {
		return plumbing.InvalidObject, nil, err
	}
	if over(o.Size(), b.object) {
		return plumbing.InvalidObject, nil, &TooLargeError{Hash: h, Size: o.Size(), Limit: b.object}
	}
	r, err := o.Reader()
	if err != nil {
		return plumbing.InvalidObject, nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	return o.Type(), data, err
}

// readPacked reads the object at off in pack p within b, resolving delta
// chains: the object's size is checked from its entry header (or its
// delta's declared result size), each delta's and base's before it is
// inflated.
func (s *Store) readPacked(p *pack, off int64, b bounds) (plumbing.ObjectType, []byte, error) {
	type link struct {
		off   int64
		delta []byte
	}
	var chain []link
	var base []byte
	var typ plumbing.ObjectType
	tooLarge := func(size, limit int64) error {
		return &TooLargeError{Size: size, Limit: limit, Base: len(chain) > 0}
	}
	for {
		// The first entry is the object; the others are bases.
		limit := b.object
		if len(chain) > 0 {
			limit = b.chain
		}
		if t, data, ok := s.cache.get(cacheKey{p.id, off}); ok {
			if over(int64(len(data)), limit) {
				return plumbing.InvalidObject, nil, tooLarge(int64(len(data)), limit)
			}
			typ, base = t, data
			break
		}
		e, err := s.entry(p, off, entryLimits{object: limit, delta: b.chain, want: b.want})
		var tl *TooLargeError
		if errors.As(err, &tl) {
			tl.Base = tl.Base || len(chain) > 0
			return plumbing.InvalidObject, nil, tl
		} else if err != nil {
			return plumbing.InvalidObject, nil, fmt.Errorf("pack %s offset %d: %w", p.name, off, err)
		}
		if e.kind != typeOfsDelta && e.kind != typeRefDelta {
			typ, base = plumbing.ObjectType(e.kind), e.data
			if len(chain) > 0 {
				s.cache.put(cacheKey{p.id, off}, typ, base)
			}
			break
		}
		if limit > 0 {
			if _, rest, ok := deltaSize(e.data); ok {
				if n, _, ok := deltaSize(rest); ok && over(int64(n), limit) {
					return plumbing.InvalidObject, nil, tooLarge(int64(n), limit)
				}
			}
		}
		chain = append(chain, link{off, e.data})
		if len(chain) > maxChain {
			return plumbing.InvalidObject, nil, fmt.Errorf("pack %s offset %d: delta chain too long", p.name, off)
		}
		if e.kind == typeOfsDelta {
			off = e.base
			continue
		}
		bo, ok := p.find(e.ref)
		if !ok {
			// A thin pack's base elsewhere: resolve it on its own.
			t, data, err := s.read(e.ref, bounds{object: b.chain, chain: b.chain, want: b.want})
			if errors.As(err, &tl) {
				tl.Hash, tl.Base = plumbing.ZeroHash, true
				return plumbing.InvalidObject, nil, tl
			} else if err != nil {
				return plumbing.InvalidObject, nil, err
			}
			typ, base = t, data
			break
		}
		off = bo
	}
	for j := len(chain) - 1; j >= 0; j-- {
		out, err := applyDelta(base, chain[j].delta)
		if err != nil {
			return plumbing.InvalidObject, nil, fmt.Errorf("pack %s offset %d: %w", p.name, chain[j].off, err)
		}
		base = out
		s.cache.put(cacheKey{p.id, chain[j].off}, typ, base)
	}
	return typ, base, nil
}
