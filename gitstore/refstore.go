package gitstore

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage"
)

// objectStorage's ref methods: the Store's refs as go-git sees them (its
// fetch moves and prunes refs through them). go-git's own file system storage rewrites a ref file
// in place (truncate, then write, under flock), ignoring git's
// "<ref>.lock": a writer killed in between leaves an empty ref, and a
// concurrent git client is not excluded. It also lists every file under
// refs/ as a ref, so a lock file fails the listing ("ref file is empty")
// or shows up as a ref, which a fetch with pruning then deletes. Here:
//
//   - refs are written as git writes them: under "<ref>.lock" (lockRef,
//     with its stale-lock recovery), renamed into place, after the
//     objects they name are durable (the refs themselves are not flushed:
//     see writeRef);
//   - listing skips "*.lock" files (git refuses such names as refs) and
//     ignores a broken loose ref, as `git for-each-ref` does;
//   - a ref is deleted under its lock.

var _ storer.ReferenceStorer = (*objectStorage)(nil)

// SetReference implements storer.ReferenceStorer.
func (o *objectStorage) SetReference(r *plumbing.Reference) error {
	return o.writeRef(r, nil)
}

// CheckAndSetReference implements storer.ReferenceStorer: new is written
// only if the ref holds old (nil old: no check).
func (o *objectStorage) CheckAndSetReference(new, old *plumbing.Reference) error {
	return o.writeRef(new, old)
}

// RemoveReference implements storer.ReferenceStorer.
func (o *objectStorage) RemoveReference(name plumbing.ReferenceName) error {
	if !strings.HasPrefix(name.String(), "refs/") {
		return o.Storage.RemoveReference(name)
	}
	l, err := o.s.lockRef(name.String())
	if err != nil {
		return err
	}
	defer l.unlock()
	return o.Storage.RemoveReference(name)
}

// IterReferences implements storer.ReferenceIter: HEAD, the loose refs
// and the packed ones, sorted by name, without lock files.
func (o *objectStorage) IterReferences() (storer.ReferenceIter, error) {
	refs, err := listRefs(o.s.gitDir)
	if err != nil {
		return nil, err
	}
	return storer.NewReferenceSliceIter(refs), nil
}

// writeRef writes r under its lock; with old set, only if the ref holds
// old's value (storage.ErrReferenceHasChanged otherwise).
func (o *objectStorage) writeRef(r, old *plumbing.Reference) error {
	s := o.s
	name := r.Name().String()
	if name != "HEAD" {
		if err := validateRefName(name); err != nil {
			return err
		}
	}
	var value string
	switch r.Type() {
	case plumbing.HashReference:
		value = r.Hash().String() + "\n"
	case plumbing.SymbolicReference:
		value = "ref: " + r.Target().String() + "\n"
	default:
		return fmt.Errorf("update %s: invalid reference", name)
	}
	if err := s.durable.sync(); err != nil {
		return fmt.Errorf("update %s: %w", name, err)
	}
	l, err := s.lockRef(name)
	if err != nil {
		return err
	}
	if old != nil {
		cur, err := o.Storage.Reference(old.Name())
		if err != nil || cur.Hash() != old.Hash() || cur.Target() != old.Target() {
			l.unlock()
			return storage.ErrReferenceHasChanged
		}
	}
	// go-git writes refs here only when it fetches: copies of the
	// remote's refs, fetched again if lost. They are renamed into place,
	// never torn, but not flushed one by one (git's default core.fsync
	// does not flush refs either); the objects they name are.
	return l.commit(value, false)
}

// listRefs reads HEAD, the loose refs under refs/ and packed-refs; a loose
// ref hides its packed value. Lock files and broken loose refs are
// skipped.
func listRefs(gitDir string) ([]*plumbing.Reference, error) {
	refs, err := listRefsUnder(gitDir, "refs/")
	if err != nil {
		return nil, err
	}
	out := make([]*plumbing.Reference, 0, len(refs)+1)
	if head := readLooseRef(filepath.Join(gitDir, "HEAD"), plumbing.HEAD); head != nil {
		out = append(out, head)
	}
	return append(out, refs...), nil
}

// listRefsUnder reads the refs whose names start with prefix (which starts
// with "refs/"), sorted by name: the loose ones in prefix's directory
// only, so a listing of refs/heads/proposals/ never walks refs/writ/ or
// refs/remotes/, and the packed ones; a loose ref hides its packed value.
// Lock files and broken loose refs are skipped.
func listRefsUnder(gitDir, prefix string) ([]*plumbing.Reference, error) {
	seen := map[plumbing.ReferenceName]*plumbing.Reference{}
	root := filepath.Join(gitDir, filepath.FromSlash(prefix[:strings.LastIndexByte(prefix, '/')+1]))
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed meanwhile, or no such directory
			}
			return err
		}
		if d.IsDir() || strings.HasSuffix(d.Name(), ".lock") {
			return nil
		}
		rel, err := filepath.Rel(gitDir, path)
		if err != nil {
			return err
		}
		name := plumbing.ReferenceName(filepath.ToSlash(rel))
		if !strings.HasPrefix(name.String(), prefix) {
			return nil
		}
		if r := readLooseRef(path, name); r != nil {
			seen[name] = r
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list refs: %w", err)
	}
	packed, err := os.ReadFile(filepath.Join(gitDir, "packed-refs"))
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("list refs: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(packed))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || line[0] == '^' {
			continue
		}
		h, n, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(n, prefix) {
			continue
		}
		hash, valid := parseHash(h)
		name := plumbing.ReferenceName(n)
		if !valid || seen[name] != nil {
			continue
		}
		seen[name] = plumbing.NewHashReference(name, hash)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("list refs: packed-refs: %w", err)
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n.String())
	}
	sort.Strings(names)
	out := make([]*plumbing.Reference, 0, len(names))
	for _, n := range names {
		out = append(out, seen[plumbing.ReferenceName(n)])
	}
	return out, nil
}

// readLooseRef reads one loose ref file; nil when it is unreadable, empty
// or malformed (git ignores such a broken ref when listing).
func readLooseRef(path string, name plumbing.ReferenceName) *plumbing.Reference {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	line := strings.TrimSpace(string(b))
	if target, ok := strings.CutPrefix(line, "ref: "); ok {
		return plumbing.NewSymbolicReference(name, plumbing.ReferenceName(target))
	}
	h, ok := parseHash(line)
	if !ok {
		return nil
	}
	return plumbing.NewHashReference(name, h)
}
