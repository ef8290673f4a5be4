// Package gitobj reads the raw content of git objects from a repository's
// pack files and loose objects, for writ's hot paths: gitstore's object
// reads and the engine's replay. It differs from go-git's object storage in
// what those need: pack indexes are mapped and bisected as git does, so
// opening a large repository and reading one object costs microseconds
// (go-git decodes a whole index into maps on first use, tens of
// milliseconds at a million objects); reads are safe for concurrent use
// (positional reads on shared pack files, pooled inflaters); a read
// allocates little beyond its result; and reconstructed delta bases are
// kept in a bounded cache shared by all readers.
//
// A read that finds an object in no pack and not loose lists the pack
// directory again before giving up, so packs written after Open are seen.
// Only where some objects may be out of its reach (alternates, pack
// indexes of an old format) does it then ask go-git; otherwise its
// ErrNotFound is final.
//
// It parses only what replay and gitstore need: commit headers
// (ParseCommit) and tree entries (ParseTree); it edits and compares parsed
// trees in memory (Tree.Edit, Diff) for gitstore's tree builder and
// reads. It never writes to the repository.
package gitobj

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// ErrNotFound means the object is in none of the repository's stores.
var ErrNotFound = errors.New("object not found")

// Pack object types (the 3-bit type of a pack entry header).
const (
	typeOfsDelta = 6
	typeRefDelta = 7
)

// maxChain bounds delta chains; git's default depth is 50.
const maxChain = 10_000

// Store reads objects from one repository. It is safe for concurrent use.
// Returned byte slices are shared with the cache: callers must not modify
// them.
//
// A Store sees objects written after it was opened: loose objects are
// looked up on every read, and a read that finds an object nowhere lists
// the pack directory again (as git does), so packs written since (by a
// fetch or a repack) are found too.
type Store struct {
	objectsDir string
	cache      *lru
	windows    *lru // pack windows by start (see readWindow)
	inflaters  sync.Pool

	packs  atomic.Pointer[packSet] // replaced whole by rescan
	scanMu sync.Mutex              // serialises rescans

	fallbackMu sync.Mutex
	fallback   *filesystem.Storage

	graphOnce sync.Once
	graph     *commitGraph // nil: none, or it did not check
}

// FirstParentHint returns commit h's first parent as the repository's
// commit-graph records it (zero when h has no parent); ok is false when
// there is no usable commit-graph or it does not hold h. The commit-graph
// is git's cache of the commit objects, read once per Store: a caller
// that must be certain checks the commit itself.
func (s *Store) FirstParentHint(h plumbing.Hash) (parent plumbing.Hash, ok bool) {
	s.graphOnce.Do(func() { s.graph = openCommitGraph(s.objectsDir) })
	if s.graph == nil {
		return plumbing.ZeroHash, false
	}
	return s.graph.firstParent(h)
}

// Open indexes the packs of the repository whose git directory is gitDir.
// cacheBytes bounds the cache of reconstructed objects (0: no cache).
// Indexes are mapped, not read, where the platform allows, so opening a
// large repository is cheap.
func Open(gitDir string, cacheBytes int) (*Store, error) {
	s := &Store{objectsDir: filepath.Join(gitDir, "objects"), cache: newLRU(cacheBytes), windows: newLRU(windowCacheBytes)}
	set, err := s.scan(&packSet{known: map[string]bool{}}, true)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.packs.Store(set)
	return s, nil
}

// Close releases the pack files. Reads after Close find only loose
// objects (and whatever go-git finds).
func (s *Store) Close() error {
	s.scanMu.Lock()
	defer s.scanMu.Unlock()
	set := s.packs.Swap(&packSet{known: map[string]bool{}, closed: true})
	if set == nil {
		return nil
	}
	var first error
	for _, p := range set.packs {
		if err := p.close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Read returns an object's type and content. A missing object gives an
// error wrapping ErrNotFound.
func (s *Store) Read(h plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	set := s.packs.Load()
	if p, off, ok := set.find(h); ok {
		return s.readPacked(p, off)
	}
	t, b, err := s.readLoose(h)
	if !errors.Is(err, ErrNotFound) {
		return t, b, err
	}
	if set, err = s.rescan(); err != nil {
		return plumbing.InvalidObject, nil, err
	}
	if p, off, ok := set.find(h); ok {
		return s.readPacked(p, off)
	}
	if set.partial {
		return s.readFallback(h)
	}
	return plumbing.InvalidObject, nil, fmt.Errorf("object %s: %w", h, ErrNotFound)
}

// Has reports whether the object exists, without reading it. Like Read,
// it looks for packs written since the last look before saying no.
func (s *Store) Has(h plumbing.Hash) (bool, error) {
	if ok, err := s.Known(h); ok || err != nil {
		return ok, err
	}
	set, err := s.rescan()
	if err != nil {
		return false, err
	}
	if _, _, ok := set.find(h); ok {
		return true, nil
	}
	if set.partial {
		// go-git's HasEncodedObject does not look in alternates; its
		// EncodedObject does.
		s.fallbackMu.Lock()
		defer s.fallbackMu.Unlock()
		_, err := s.fallbackLocked().EncodedObject(plumbing.AnyObject, h)
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return false, nil
		}
		return err == nil, err
	}
	return false, nil
}

// Known reports whether the object is in a pack the Store has indexed or
// loose, without listing the pack directory again or asking go-git, so a
// "no" may be wrong for an object packed since the last look or held by
// an alternate. Writers use it to skip objects that exist: a wrong "no"
// only costs a redundant loose copy, which git tolerates.
func (s *Store) Known(h plumbing.Hash) (bool, error) {
	if _, _, ok := s.packs.Load().find(h); ok {
		return true, nil
	}
	hex := h.String()
	_, err := os.Stat(filepath.Join(s.objectsDir, hex[:2], hex[2:]))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	}
	return false, err
}

// ReadType returns an object's content if it has type want.
func (s *Store) ReadType(h plumbing.Hash, want plumbing.ObjectType) ([]byte, error) {
	t, b, err := s.Read(h)
	if err != nil {
		return nil, err
	}
	if t != want {
		return nil, fmt.Errorf("object %s is a %s, not a %s", h, t, want)
	}
	return b, nil
}

func (s *Store) readLoose(h plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	hex := h.String()
	raw, err := os.ReadFile(filepath.Join(s.objectsDir, hex[:2], hex[2:]))
	if errors.Is(err, os.ErrNotExist) {
		return plumbing.InvalidObject, nil, ErrNotFound
	} else if err != nil {
		return plumbing.InvalidObject, nil, err
	}
	in, _ := s.inflaters.Get().(*inflater)
	if in == nil {
		in = &inflater{}
	}
	defer s.inflaters.Put(in)
	in.mr.Reset(raw)
	if err := in.reset(&in.mr); err != nil {
		return plumbing.InvalidObject, nil, fmt.Errorf("loose object %s: %w", hex, err)
	}
	// The header ("<type> <size>\x00") is short: read a little, find it,
	// and keep what follows it.
	var head [64]byte
	n, err := io.ReadAtLeast(in.zr, head[:], len(head))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return plumbing.InvalidObject, nil, fmt.Errorf("loose object %s: %w", hex, err)
	}
	nul := bytes.IndexByte(head[:n], 0)
	if nul < 0 {
		return plumbing.InvalidObject, nil, fmt.Errorf("loose object %s: bad header %q", hex, head[:n])
	}
	hdr := string(head[:nul])
	kind, size, ok := strings.Cut(hdr, " ")
	t, terr := plumbing.ParseObjectType(kind)
	sz, nerr := strconv.ParseInt(size, 10, 64)
	if !ok || terr != nil || nerr != nil || sz < 0 || sz > 1<<31 {
		return plumbing.InvalidObject, nil, fmt.Errorf("loose object %s: bad header %q", hex, hdr)
	}
	b := make([]byte, sz)
	got := copy(b, head[nul+1:n])
	if _, err := io.ReadFull(in.zr, b[got:]); err != nil {
		return plumbing.InvalidObject, nil, fmt.Errorf("loose object %s: %w", hex, err)
	}
	return t, b, nil
}

// fallbackLocked returns go-git's storage of the repository, for objects
// the Store cannot find itself. Absolute alternates paths (what git clone
// --shared writes) resolve from the file system's root. The caller holds
// fallbackMu.
func (s *Store) fallbackLocked() *filesystem.Storage {
	if s.fallback == nil {
		s.fallback = filesystem.NewStorageWithOptions(osfs.New(filepath.Dir(s.objectsDir)), cache.NewObjectLRU(cache.MiByte),
			filesystem.Options{AlternatesFS: osfs.New(string(filepath.Separator))})
	}
	return s.fallback
}

func (s *Store) readFallback(h plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	s.fallbackMu.Lock()
	defer s.fallbackMu.Unlock()
	o, err := s.fallbackLocked().EncodedObject(plumbing.AnyObject, h)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return plumbing.InvalidObject, nil, fmt.Errorf("object %s: %w", h, ErrNotFound)
	} else if err != nil {
		return plumbing.InvalidObject, nil, err
	}
	r, err := o.Reader()
	if err != nil {
		return plumbing.InvalidObject, nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	return o.Type(), b, err
}

// readPacked reads the object at off in pack p, resolving delta chains.
func (s *Store) readPacked(p *pack, off int64) (plumbing.ObjectType, []byte, error) {
	type link struct {
		off   int64
		delta []byte
	}
	var chain []link
	var base []byte
	var typ plumbing.ObjectType
	for {
		if t, b, ok := s.cache.get(cacheKey{p.id, off}); ok {
			typ, base = t, b
			break
		}
		e, err := s.entry(p, off)
		if err != nil {
			return plumbing.InvalidObject, nil, fmt.Errorf("pack %s offset %d: %w", p.name, off, err)
		}
		if e.kind != typeOfsDelta && e.kind != typeRefDelta {
			typ, base = plumbing.ObjectType(e.kind), e.data
			if len(chain) > 0 {
				s.cache.put(cacheKey{p.id, off}, typ, base)
			}
			break
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
			t, b, err := s.Read(e.ref)
			if err != nil {
				return plumbing.InvalidObject, nil, err
			}
			typ, base = t, b
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
