package gitstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-git/go-billy/v5"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// Well-known refs of a control repo.
const (
	// MainRef is the WAL: its first-parent history is the log.
	MainRef = "refs/heads/main"
	// CheckpointRef holds the chain of state snapshots (see WriteCheckpoint).
	// It is never an ancestor of MainRef.
	CheckpointRef = "refs/writ/checkpoint"
)

// defaultLockTimeout bounds how long CompareAndSwap waits for another
// writer's ref lock before returning ErrRefLocked.
const defaultLockTimeout = 5 * time.Second

// Store is a control repository on disk, read and written through go-git.
//
// Object reads go through a gitobj.Store (internal/gitobj) before go-git.
//
// Concurrency: a Store is safe for concurrent use by multiple goroutines.
// go-git's object storage is not, so every object read or write is
// serialised by an internal mutex (callbacks such as WalkFirstParent's fn
// run without it). Ref updates (CompareAndSwap) use git's own lock-file
// protocol and are atomic across goroutines, processes and the git client.
// Commits returned by the Store are snapshots: their methods that load more
// objects (Tree, Parents, Files, ...) bypass the mutex, so prefer the
// Store's methods when the Store is shared.
type Store struct {
	dir          string // the directory passed to Init/Open
	gitDir       string // where refs and objects live
	lockTimeout  time.Duration
	staleLockAge time.Duration // see reflock.go
	durable      *objectSyncer // flushed before every ref update

	mu    sync.Mutex // guards repo's object storage and loose
	repo  *git.Repository
	raw   *gitobj.Store // nil: go-git reads and writes every object
	loose *looseWriter  // set on first write when raw is set
	trees treeCache     // parsed trees by hash

	authMu  sync.Mutex  // guards creds and secrets
	creds   Credentials // see SetCredentials
	secrets []string    // never printed: see redact.go
}

// Init creates a non-bare repository in dir (which may exist but must not
// already hold a repository) whose HEAD is the unborn refs/heads/main.
func Init(dir string) (*Store, error) {
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.ReferenceName(MainRef)},
	})
	if err != nil {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	return wrapRepo(dir, repo)
}

// Open opens the existing repository in dir (a worktree with .git, or a
// bare repository).
func Open(dir string) (*Store, error) {
	repo, err := git.PlainOpen(dir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	return wrapRepo(dir, repo)
}

// wrapRepo reopens repo on its storage with refs written under git's lock
// files (objectStorage's ref methods, refstore.go) and object reads served by gitobj (see
// objectStorage); when gitobj cannot index the repository, go-git reads
// every object.
func wrapRepo(dir string, repo *git.Repository) (*Store, error) {
	fs, ok := repo.Storer.(*filesystem.Storage)
	if !ok {
		return nil, fmt.Errorf("open %s: storage %T is not on a filesystem", dir, repo.Storer)
	}
	s := &Store{dir: dir, gitDir: fs.Filesystem().Root(), lockTimeout: defaultLockTimeout, staleLockAge: defaultStaleLockAge}
	s.durable = newObjectSyncer(filepath.Join(s.gitDir, "objects"))
	raw, err := openObjects(s.gitDir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	var worktree billy.Filesystem
	if wt, err := repo.Worktree(); err == nil {
		worktree = wt.Filesystem
	} else if !errors.Is(err, git.ErrIsBareRepository) {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	if s.repo, err = git.Open(&objectStorage{Storage: fs, raw: raw, s: s}, worktree); err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	s.raw = raw
	return s, nil
}

// Dir returns the directory the Store was opened with.
func (s *Store) Dir() string { return s.dir }

// GitDir returns the repository's git directory (".git" of a worktree).
func (s *Store) GitDir() string { return s.gitDir }

// Ref returns the commit a ref points to, resolving symbolic refs such as
// HEAD. A missing ref (or an unborn branch) gives ErrNoRef.
func (s *Store) Ref(name string) (plumbing.Hash, error) {
	rn := plumbing.ReferenceName(name)
	if name != "HEAD" {
		if err := validateRefName(name); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	s.mu.Lock()
	ref, err := s.repo.Reference(rn, true)
	s.mu.Unlock()
	if err != nil {
		if errors.Is(err, plumbing.ErrReferenceNotFound) {
			return plumbing.ZeroHash, fmt.Errorf("ref %s: %w", name, ErrNoRef)
		}
		return plumbing.ZeroHash, fmt.Errorf("ref %s: %w", name, err)
	}
	return ref.Hash(), nil
}

// Commit decodes the commit object h. A missing object gives ErrNotFound
// (and ErrShallow, with what to do, in a shallow clone);
// a commit over MaxCommitSize is refused from its header, without being
// read (a *TooLargeError).
func (s *Store) Commit(h plumbing.Hash) (*object.Commit, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commitLocked(h)
}

func (s *Store) commitLocked(h plumbing.Hash) (*object.Commit, error) {
	if s.raw == nil { // objectStorage checks the size itself
		if err := s.checkSizeLocked(h, "commit", MaxCommitSize); err != nil {
			return nil, fmt.Errorf("commit %s: %w", short(h), err)
		}
	}
	c, err := object.GetCommit(s.repo.Storer, h)
	if err != nil {
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return nil, s.missingCommitLocked(h)
		}
		return nil, fmt.Errorf("commit %s: %w", short(h), err)
	}
	return c, nil
}

// storeLocked writes the object of type t and content data unless an
// object with its hash already exists, and returns its hash. With a raw
// reader it writes the loose object itself (see looseWriter), at the
// repository's loose compression level: go-git compresses at zlib's
// default level, several times slower for git's default of best speed.
// Existence is checked without a new look for packs (gitobj's Known): an
// object packed meanwhile is at worst written loose again.
func (s *Store) storeLocked(t plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	h := plumbing.ComputeHash(t, data)
	if s.raw != nil {
		if ok, err := s.raw.Known(h); err == nil && ok && !s.emptyLooseLocked(h) {
			return h, nil
		}
		if s.loose == nil {
			s.loose = s.newLooseWriterLocked()
		}
		if err := s.loose.write(h, t, data); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("write %s %s: %w", t, short(h), err)
		}
		return h, nil
	}
	if err := s.repo.Storer.HasEncodedObject(h); err == nil {
		return h, nil
	}
	o := &plumbing.MemoryObject{}
	o.SetType(t)
	if _, err := o.Write(data); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s %s: %w", t, short(h), err)
	}
	if _, err := s.repo.Storer.SetEncodedObject(o); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s %s: %w", t, short(h), err)
	}
	return h, nil
}

// emptyLooseLocked reports whether h is an empty loose object file: a
// name that survived a power loss without its content (see objectSyncer).
// It is removed, so the caller writes the object again.
func (s *Store) emptyLooseLocked(h plumbing.Hash) bool {
	hex := h.String()
	p := filepath.Join(s.gitDir, "objects", hex[:2], hex[2:])
	if fi, err := os.Stat(p); err != nil || fi.Size() > 0 {
		return false
	}
	return os.Remove(p) == nil
}

// newLooseWriterLocked returns a loose-object writer at the compression
// level the repository's configuration asks of git (an unreadable
// configuration gives git's default).
func (s *Store) newLooseWriterLocked() *looseWriter {
	get := func(string) string { return "" }
	if cfg, err := s.repo.Storer.Config(); err == nil && cfg.Raw != nil {
		get = cfg.Raw.Section("core").Option
	}
	return &looseWriter{objectsDir: filepath.Join(s.gitDir, "objects"), level: looseLevel(get), durable: s.durable}
}

func short(h plumbing.Hash) string { return h.String()[:12] }
