package gitstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Ref locks and their recovery.
//
// Every ref writ writes (CompareAndSwap, and the refs a fetch moves or
// prunes) is written under git's own "<ref>.lock", created exclusively,
// so git clients and writ exclude each other. A writer killed while
// holding it leaves the file behind, empty or holding the value it was
// about to write, and git never removes such a file by itself. writ does,
// under one rule that a live writer cannot fall foul of:
//
//   - writ takes a ref lock only while holding the repository's writer
//     lock, an OS file lock (flock) on writerLockFile. The kernel drops it
//     when its holder exits, SIGKILL included, and the holder's pid is
//     written in the file for error messages.
//   - A "<ref>.lock" found by a writ process that holds the writer lock
//     therefore belongs to no live writ process: it is a dead writ's, or a
//     git client's. It is removed only once its file has not changed for
//     staleLockAge (git clients hold ref locks for milliseconds: they write
//     the value and rename the file in one transaction, and give up waiting
//     for someone else's lock after core.filesRefLockTimeout, 100 ms by
//     default).
//   - Removal renames the file aside and checks it is the file judged
//     stale before deleting it; a new lock taken meanwhile is put back.
//
// Dropping a stale lock loses nothing: its writer never renamed it, so the
// ref still holds its old value, and that writer's update never happened.

// writerLockFile is the per-repository file whose flock every writ ref
// writer holds while it holds a ref lock. It is never deleted.
const writerLockFile = "writ-ref-writer"

// defaultStaleLockAge is how long a "<ref>.lock" must stay unchanged, with
// no writ writer alive, before it is judged abandoned.
const defaultStaleLockAge = 2 * time.Second

// refLock is a held "<ref>.lock" and the writer lock it was taken under.
type refLock struct {
	ref, path string   // the ref and its loose file
	file      *os.File // path + ".lock", created exclusively
	writer    *os.File // writerLockFile, flocked
}

// lockRef takes ref's lock file, waiting for live writers and recovering
// an abandoned lock (see above) until the Store's lock timeout, after
// which it returns ErrRefLocked naming who holds it. It takes no Store
// mutex, so go-git may call it through the storage while holding one.
func (s *Store) lockRef(ref string) (*refLock, error) {
	path := filepath.Join(s.gitDir, filepath.FromSlash(ref))
	lockPath := path + ".lock"
	deadline := time.Now().Add(s.lockTimeout)
	wait := 100 * time.Microsecond
	for {
		w, holder, err := s.writerLock()
		if err != nil {
			return nil, fmt.Errorf("update %s: %w", ref, err)
		}
		if w != nil {
			// Under the writer lock: no writ writer removes an empty
			// directory (unlockPruning) between this and the lock file.
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				w.Close()
				return nil, fmt.Errorf("update %s: %w", ref, err)
			}
			f, err := os.OpenFile(lockPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err == nil {
				return &refLock{ref: ref, path: path, file: f, writer: w}, nil
			}
			broke := false
			if errors.Is(err, os.ErrExist) {
				broke, err = s.breakStaleLock(lockPath)
			}
			w.Close() // releases the writer lock
			if err != nil {
				return nil, fmt.Errorf("update %s: lock: %w", ref, err)
			}
			if broke {
				continue
			}
			holder = fmt.Sprintf("%s exists (a git client's, or a crashed writer's, removed once unchanged for %v)", lockPath, s.staleLockAge)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("update %s: %w: %s after %v", ref, ErrRefLocked, holder, s.lockTimeout)
		}
		time.Sleep(wait)
		if wait < 20*time.Millisecond {
			wait *= 2
		}
	}
}

// writerLock tries to take the repository's writer lock without waiting.
// It returns the locked file, or nil and a description of the live
// holder.
func (s *Store) writerLock() (*os.File, string, error) {
	path := filepath.Join(s.gitDir, writerLockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, "", fmt.Errorf("writer lock: %w", err)
	}
	ok, err := tryFlock(f)
	if err != nil {
		f.Close()
		return nil, "", fmt.Errorf("writer lock %s: %w", path, err)
	}
	if !ok {
		b := make([]byte, 64)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		pid := strings.TrimSpace(string(b[:n]))
		if pid == "" {
			pid = "?"
		}
		return nil, fmt.Sprintf("writ process pid %s holds the repository's writer lock %s", pid, path), nil
	}
	// For error messages only: who holds it.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, "", nil
}

// breakStaleLock removes lockPath if it has not changed for staleLockAge.
// The caller holds the writer lock, so no writ process holds lockPath. It
// reports whether the lock is gone.
func (s *Store) breakStaleLock(lockPath string) (bool, error) {
	fi, err := os.Lstat(lockPath)
	if os.IsNotExist(err) {
		return true, nil // released meanwhile
	} else if err != nil {
		return false, err
	}
	if time.Since(fi.ModTime()) < s.staleLockAge {
		return false, nil
	}
	aside := filepath.Join(s.gitDir, fmt.Sprintf("writ-stale-%d.lock", os.Getpid()))
	if err := os.Rename(lockPath, aside); err != nil {
		if os.IsNotExist(err) {
			return true, nil
		}
		return false, err
	}
	moved, err := os.Lstat(aside)
	if err == nil && !os.SameFile(fi, moved) {
		// A git client released the judged lock and took a new one in
		// between: give it back (without replacing a newer one).
		if os.Link(aside, lockPath) == nil {
			os.Remove(aside)
		}
		return false, nil
	}
	if err := os.Remove(aside); err != nil && !os.IsNotExist(err) {
		return false, err
	}
	return true, nil
}

// commit writes value into the lock file and renames it over the ref,
// then releases the locks. With flush, the value and the rename are made
// durable (fsync of the lock file and of the ref's directory).
func (l *refLock) commit(value string, flush bool) error {
	defer l.writer.Close()
	ok := false
	defer func() {
		if !ok {
			l.file.Close()
			os.Remove(l.file.Name())
		}
	}()
	if _, err := l.file.WriteString(value); err != nil {
		return fmt.Errorf("update %s: write lock: %w", l.ref, err)
	}
	if flush {
		if err := l.file.Sync(); err != nil {
			return fmt.Errorf("update %s: sync lock: %w", l.ref, err)
		}
	}
	if err := l.file.Close(); err != nil {
		return fmt.Errorf("update %s: close lock: %w", l.ref, err)
	}
	if err := os.Rename(l.file.Name(), l.path); err != nil {
		return fmt.Errorf("update %s: %w", l.ref, err)
	}
	ok = true
	if !flush {
		return nil
	}
	if err := syncDir(filepath.Dir(l.path)); err != nil { // persist the rename
		return fmt.Errorf("update %s: %w", l.ref, err)
	}
	return nil
}

// unlock removes the lock file without updating the ref, then releases
// the writer lock. The lock file goes first: a writ ref lock never
// outlives its writer lock.
func (l *refLock) unlock() {
	l.file.Close()
	os.Remove(l.file.Name())
	l.writer.Close()
}

// unlockPruning is unlock after deleting the ref: it also removes the
// directories the ref leaves empty, up to but not including refs/<kind>/
// (refs/heads/proposals/web-1/ after proposals/web-1/ship), as git does,
// so that deleted refs leave nothing for later listings to walk. It runs
// before the writer lock is released, so no writ writer is between
// creating such a directory and its lock file (lockRef).
func (l *refLock) unlockPruning(gitDir string) {
	l.file.Close()
	os.Remove(l.file.Name())
	keep := filepath.Join(gitDir, "refs")
	for dir := filepath.Dir(l.path); ; dir = filepath.Dir(dir) {
		rel, err := filepath.Rel(keep, dir)
		if err != nil || !strings.Contains(filepath.ToSlash(rel), "/") || strings.HasPrefix(rel, "..") {
			break // refs/ and refs/<kind>/ stay
		}
		if os.Remove(dir) != nil {
			break // not empty (or gone)
		}
	}
	l.writer.Close()
}
