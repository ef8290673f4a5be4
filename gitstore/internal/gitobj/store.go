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
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
// error wrapping ErrNotFound. It reads objects of any size: where the
// object may come from someone else, use ReadLimited.
func (s *Store) Read(h plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	return s.read(h, bounds{})
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
