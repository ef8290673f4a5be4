// Package gitobj reads the raw content of git objects from a repository's
// pack files and loose objects, for writ's hot paths: gitstore's object
// reads and the engine's replay. It differs from go-git's object storage in
// what those need: lookups bisect the pack indexes as git does (go-git
// decodes a whole index into maps on first use), reads are safe for concurrent use (positional reads on shared pack files, pooled
// inflaters), a read allocates little beyond its result, and reconstructed
// delta bases are kept in a bounded cache shared by all readers. Objects it
// cannot find in the packs it indexed at Open or as loose objects
// (alternates, packs with an old index format) are read through go-git.
//
// It parses only what replay checks: commit headers (ParseCommit) and tree
// entries (ParseTree). It never writes.
package gitobj

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
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
type Store struct {
	objectsDir string
	packs      []*pack
	cache      *lru
	inflaters  sync.Pool

	fallbackMu sync.Mutex
	fallback   *filesystem.Storage
}

// Open indexes the packs of the repository whose git directory is gitDir.
// cacheBytes bounds the cache of reconstructed objects (0: no cache).
func Open(gitDir string, cacheBytes int) (*Store, error) {
	s := &Store{objectsDir: filepath.Join(gitDir, "objects"), cache: newLRU(cacheBytes)}
	idxs, err := filepath.Glob(filepath.Join(s.objectsDir, "pack", "pack-*.idx"))
	if err != nil {
		return nil, err
	}
	for _, idx := range idxs {
		p, err := openPack(idx)
		if errors.Is(err, errOldIndex) || errors.Is(err, os.ErrNotExist) {
			continue // read through the fallback
		}
		if err != nil {
			s.Close()
			return nil, err
		}
		s.packs = append(s.packs, p)
	}
	return s, nil
}

// Close releases the pack files.
func (s *Store) Close() error {
	var first error
	for _, p := range s.packs {
		if err := p.f.Close(); err != nil && first == nil {
			first = err
		}
	}
	s.packs = nil
	return first
}

// Read returns an object's type and content.
func (s *Store) Read(h plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	for i, p := range s.packs {
		if off, ok := p.find(h); ok {
			return s.readPacked(i, off)
		}
	}
	t, b, err := s.readLoose(h)
	if errors.Is(err, ErrNotFound) {
		return s.readFallback(h)
	}
	return t, b, err
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
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return plumbing.InvalidObject, nil, fmt.Errorf("loose object %s: %w", hex, err)
	}
	defer zr.Close()
	br := bufio.NewReader(zr)
	hdr, err := br.ReadString(0)
	if err != nil {
		return plumbing.InvalidObject, nil, fmt.Errorf("loose object %s: header: %w", hex, err)
	}
	kind, size, ok := strings.Cut(strings.TrimSuffix(hdr, "\x00"), " ")
	t, terr := plumbing.ParseObjectType(kind)
	n, nerr := strconv.ParseInt(size, 10, 64)
	if !ok || terr != nil || nerr != nil || n < 0 || n > 1<<31 {
		return plumbing.InvalidObject, nil, fmt.Errorf("loose object %s: bad header %q", hex, hdr)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(br, b); err != nil {
		return plumbing.InvalidObject, nil, fmt.Errorf("loose object %s: %w", hex, err)
	}
	return t, b, nil
}

func (s *Store) readFallback(h plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	s.fallbackMu.Lock()
	defer s.fallbackMu.Unlock()
	if s.fallback == nil {
		s.fallback = filesystem.NewStorage(osfs.New(filepath.Dir(s.objectsDir)), cache.NewObjectLRU(cache.MiByte))
	}
	o, err := s.fallback.EncodedObject(plumbing.AnyObject, h)
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

// readPacked reads the object at off in pack i, resolving delta chains.
func (s *Store) readPacked(i int, off int64) (plumbing.ObjectType, []byte, error) {
	p := s.packs[i]
	type link struct {
		off   int64
		delta []byte
	}
	var chain []link
	var base []byte
	var typ plumbing.ObjectType
	for {
		if t, b, ok := s.cache.get(cacheKey{i, off}); ok {
			typ, base = t, b
			break
		}
		e, err := s.entry(p, off)
		if err != nil {
			return plumbing.InvalidObject, nil, fmt.Errorf("pack %s offset %d: %w", filepath.Base(p.f.Name()), off, err)
		}
		if e.kind != typeOfsDelta && e.kind != typeRefDelta {
			typ, base = plumbing.ObjectType(e.kind), e.data
			if len(chain) > 0 {
				s.cache.put(cacheKey{i, off}, typ, base)
			}
			break
		}
		chain = append(chain, link{off, e.data})
		if len(chain) > maxChain {
			return plumbing.InvalidObject, nil, fmt.Errorf("pack %s offset %d: delta chain too long", filepath.Base(p.f.Name()), off)
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
		out, err := packfile.PatchDelta(base, chain[j].delta)
		if err != nil {
			return plumbing.InvalidObject, nil, fmt.Errorf("pack %s offset %d: %w", filepath.Base(p.f.Name()), chain[j].off, err)
		}
		base = out
		s.cache.put(cacheKey{i, chain[j].off}, typ, base)
	}
	return typ, base, nil
}
