package gitstore

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// CompareAndSwap moves ref from old to new atomically. A zero old means the
// ref must not exist yet. When the ref holds anything else it returns an
// error wrapping ErrRefMoved that names the expected and the actual value;
// the caller must re-read and re-evaluate. new must be an existing commit.
//
// It follows git's lock-file protocol: create "<ref>.lock" exclusively,
// compare the current value under the lock, write the new value into the
// lock file, fsync, and rename it over the loose ref. So it is atomic
// against other goroutines, other processes and the git client (which takes
// the same lock), and readers never see a partially written ref. A lock
// held by another writer is waited for up to the lock timeout, then
// ErrRefLocked is returned; a lock abandoned by a killed writer is
// recovered (see reflock.go for the rule). Before the lock is taken, the
// objects written so far are made durable (fsync), so the ref never names
// an object a power loss could take away.
//
// go-git's storer CheckAndSetReference is deliberately not used: with a nil
// old ref it does not check at all (so "must not exist" cannot be
// expressed), and it rewrites the ref file in place under flock, so
// concurrent readers can observe an empty ref and git's own lock is ignored.
func (s *Store) CompareAndSwap(ref string, old, new plumbing.Hash) error {
	if err := validateRefName(ref); err != nil {
		return err
	}
	if new.IsZero() {
		return fmt.Errorf("update %s: new value is the zero hash (deleting refs is not supported)", ref)
	}
	s.mu.Lock()
	_, err := s.commitLocked(new)
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("update %s: %w", ref, err)
	}

	if err := s.durable.sync(); err != nil {
		return fmt.Errorf("update %s: %w", ref, err)
	}
	lock, err := s.lockRef(ref)
	if err != nil {
		return err
	}
	cur, err := s.readRefUnresolved(ref)
	if err != nil && !errors.Is(err, ErrNoRef) {
		lock.unlock()
		return fmt.Errorf("update %s: %w", ref, err)
	}
	if cur != old {
		lock.unlock()
		return fmt.Errorf("update %s: %w: expected %s, found %s", ref, ErrRefMoved, describe(old), describe(cur))
	}
	return lock.commit(new.String()+"\n", true)
}

// readRefUnresolved reads a ref (loose or packed) without following
// symbolic refs; a symbolic ref is an error.
func (s *Store) readRefUnresolved(ref string) (plumbing.Hash, error) {
	s.mu.Lock()
	r, err := s.repo.Storer.Reference(plumbing.ReferenceName(ref))
	s.mu.Unlock()
	switch {
	case errors.Is(err, plumbing.ErrReferenceNotFound):
		return plumbing.ZeroHash, ErrNoRef
	case err != nil:
		return plumbing.ZeroHash, err
	case r.Type() != plumbing.HashReference:
		return plumbing.ZeroHash, fmt.Errorf("ref %s is symbolic (-> %s)", ref, r.Target())
	}
	return r.Hash(), nil
}

func describe(h plumbing.Hash) string {
	if h.IsZero() {
		return "no ref"
	}
	return h.String()
}

// validateRefName accepts full ref names under refs/ that git accepts.
func validateRefName(name string) error {
	if !strings.HasPrefix(name, "refs/") {
		return fmt.Errorf("ref %q: must start with refs/", name)
	}
	if strings.HasSuffix(name, ".lock") {
		return fmt.Errorf("ref %q: must not end with .lock", name)
	}
	if err := plumbing.ReferenceName(name).Validate(); err != nil {
		return fmt.Errorf("ref %q: %w", name, err)
	}
	return nil
}

// Branch is one branch head.
type Branch struct {
	// Name is the branch name without "refs/heads/" (e.g. "proposals/i-1").
	Name string
	Hash plumbing.Hash
}

// Branches lists the branches whose name (after refs/heads/) starts with
// prefix, loose and packed, sorted by name. Symbolic refs are skipped.
func (s *Store) Branches(prefix string) ([]Branch, error) {
	out, err := s.refsUnder("refs/heads/", prefix)
	if err != nil {
		return nil, fmt.Errorf("branches %q: %w", prefix, err)
	}
	return out, nil
}

// RefsUnder returns the hash refs whose full name starts with prefix
// (for example "refs/writ/decisions/"), loose and packed, by full name.
// It reads the directory of prefix and packed-refs once, where a Ref per
// name would scan packed-refs each time.
func (s *Store) RefsUnder(prefix string) (map[string]plumbing.Hash, error) {
	refs, err := s.refsUnder("", prefix)
	if err != nil {
		return nil, fmt.Errorf("refs %q: %w", prefix, err)
	}
	out := make(map[string]plumbing.Hash, len(refs))
	for _, r := range refs {
		out[r.Name] = r.Hash
	}
	return out, nil
}

// refsUnder lists the hash refs named root+prefix*, loose and packed,
// named without root, sorted by name.
// Only the directory of root+prefix is read (and packed-refs), so what a
// listing costs follows the refs listed, not every ref of the repository.
func (s *Store) refsUnder(root, prefix string) ([]Branch, error) {
	refs, err := listRefsUnder(s.gitDir, root+prefix)
	if err != nil {
		return nil, err
	}
	var out []Branch
	for _, r := range refs {
		if r.Type() == plumbing.HashReference {
			out = append(out, Branch{Name: strings.TrimPrefix(r.Name().String(), root), Hash: r.Hash()})
		}
	}
	return out, nil
}
