package gitstore

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// DeleteRefs deletes each ref of refs that still holds the value given
// for it (compare-and-delete, as `git update-ref -d REF OLD` does) and
// returns the names it deleted, sorted. A ref that moved or no longer
// exists is left alone and not listed: whoever moved it keeps it.
//
// Each loose ref is checked and removed under its own lock (lockRef),
// one at a time, with the directories it leaves empty (as git removes
// them: a pruned refs/heads/proposals/<instance>/ leaves nothing for later
// listings to walk); packed-refs is then rewritten once, under git's
// "packed-refs.lock", without the deleted names, so deleting n refs
// costs one rewrite, not n. A packed value is dropped only for a ref
// whose loose value was deleted here (it is older, and would otherwise
// come back) or that has no loose value and holds the expected one.
// The error names the ref or file that failed; refs deleted before it
// stay deleted and are listed.
func (s *Store) DeleteRefs(refs map[string]plumbing.Hash) ([]string, error) {
	names := make([]string, 0, len(refs))
	for n := range refs {
		if err := validateRefName(n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	sort.Strings(names)
	packed, err := s.packedRefs()
	if err != nil {
		return nil, err
	}
	var deleted []string
	drop := map[string]bool{}      // packed lines to remove
	looseGone := map[string]bool{} // refs whose loose value was deleted here
	for _, n := range names {
		want := refs[n]
		path := filepath.Join(s.gitDir, filepath.FromSlash(n))
		if _, err := os.Lstat(path); err != nil {
			// Packed only: dropped below if it holds want.
			if h, ok := packed[n]; ok && h == want {
				drop[n] = true
			}
			continue
		}
		gone, err := s.deleteLoose(n, path, want)
		if err != nil {
			return deleted, err
		}
		if gone {
			deleted = append(deleted, n)
			if _, ok := packed[n]; ok {
				drop[n], looseGone[n] = true, true
			}
		}
	}
	if len(drop) > 0 {
		if err := s.dropPacked(drop, looseGone, refs); err != nil {
			return deleted, err
		}
		for n := range drop {
			if !containsName(deleted, n) {
				deleted = append(deleted, n)
			}
		}
		sort.Strings(deleted)
	}
	return deleted, nil
}

func containsName(list []string, n string) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

// deleteLoose removes the loose ref file at path under the ref's lock if
// it holds want, and the directories that leaves empty; false when it
// holds something else.
func (s *Store) deleteLoose(ref, path string, want plumbing.Hash) (bool, error) {
	l, err := s.lockRef(ref)
	if err != nil {
		return false, err
	}
	r := readLooseRef(path, plumbing.ReferenceName(ref))
	if r == nil || r.Type() != plumbing.HashReference || r.Hash() != want {
		l.unlock()
		return false, nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		l.unlock()
		return false, fmt.Errorf("delete %s: %w", ref, err)
	}
	l.unlockPruning(s.gitDir)
	return true, nil
}

// packedRefs reads packed-refs' hash values by name (empty without the
// file).
func (s *Store) packedRefs() (map[string]plumbing.Hash, error) {
	b, err := os.ReadFile(filepath.Join(s.gitDir, "packed-refs"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read packed-refs: %w", err)
	}
	out := map[string]plumbing.Hash{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || line[0] == '^' {
			continue
		}
		h, n, ok := strings.Cut(line, " ")
		if hash, valid := parseHash(h); ok && valid {
			out[n] = hash
		}
	}
	return out, sc.Err()
}

// dropPacked rewrites packed-refs without the names in drop (and their
// peeled "^" lines), under "packed-refs.lock" taken exclusively: a line
// goes when its ref's loose value was deleted here (looseGone) or when it
// still holds refs[name]; one rewritten meanwhile is kept.
func (s *Store) dropPacked(drop, looseGone map[string]bool, refs map[string]plumbing.Hash) error {
	path := filepath.Join(s.gitDir, "packed-refs")
	lockPath := path + ".lock"
	lock, err := os.OpenFile(lockPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("rewrite packed-refs: %w (another git process may be packing refs; try again)", err)
	}
	ok := false
	defer func() {
		if !ok {
			lock.Close()
			os.Remove(lockPath)
		}
	}()
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("rewrite packed-refs: %w", err)
	}
	var out bytes.Buffer
	skipping := false
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line == "" {
			continue
		}
		if line[0] == '^' {
			if !skipping {
				out.WriteString(line)
			}
			continue
		}
		skipping = false
		if line[0] != '#' {
			h, n, _ := strings.Cut(strings.TrimRight(line, "\n"), " ")
			if drop[n] {
				if hash, _ := parseHash(h); hash == refs[n] || looseGone[n] {
					skipping = true
					continue
				}
			}
		}
		out.WriteString(line)
	}
	if _, err := lock.Write(out.Bytes()); err != nil {
		return fmt.Errorf("rewrite packed-refs: %w", err)
	}
	if err := lock.Sync(); err != nil {
		return fmt.Errorf("rewrite packed-refs: %w", err)
	}
	if err := lock.Close(); err != nil {
		return fmt.Errorf("rewrite packed-refs: %w", err)
	}
	if err := os.Rename(lockPath, path); err != nil {
		return fmt.Errorf("rewrite packed-refs: %w", err)
	}
	ok = true
	return nil
}
