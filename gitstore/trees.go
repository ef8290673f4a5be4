package gitstore

import (
	"errors"
	"fmt"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// emptyTree is the tree of no entries (a zero commit's tree).
var emptyTree, _ = gitobj.ParseTree(nil)

// emptyTreeHash names the empty tree, which git holds without storing it;
// so does the Store (treeLocked), so a CommitRequest may build on it.
var emptyTreeHash = plumbing.ComputeHash(plumbing.TreeObject, nil)

// readObjectLocked returns the content of object h of type t. A missing
// object, or one of another type, gives ErrNotFound; one over its limit
// (limitFor) a *TooLargeError. The bytes may be
// shared with the object reader's cache: callers must not modify them.
func (s *Store) readObjectLocked(t plumbing.ObjectType, h plumbing.Hash) ([]byte, error) {
	if limit := limitFor(t); limit > 0 && s.raw == nil { // objectStorage checks the size itself
		if err := s.checkSizeLocked(h, t.String(), limit); err != nil {
			return nil, err
		}
	}
	o, err := s.repo.Storer.EncodedObject(t, h)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, err
	}
	if r, ok := o.(*rawObject); ok {
		return r.data, nil
	}
	return readAllObject(o)
}

// treeLocked reads the tree object h and parses it with gitobj.ParseTree,
// which keeps the raw bytes and bisects lookups instead of decoding every
// entry. A tree git would not write (entries out of order, zero-padded
// modes) is decoded by go-git and re-encoded as git writes it first, which
// is what the tree builder has always done with such trees.
//
// Parsed trees are kept in a small cache (see treeCache).
func (s *Store) treeLocked(h plumbing.Hash) (*gitobj.Tree, error) {
	if h == emptyTreeHash {
		return emptyTree, nil
	}
	if t, ok := s.trees.get(h); ok {
		return t, nil
	}
	b, err := s.readObjectLocked(plumbing.TreeObject, h)
	if err != nil {
		return nil, fmt.Errorf("tree %s: %w", short(h), err)
	}
	t, err := gitobj.ParseTree(b)
	if err != nil || !t.Canonical() {
		if t, err = canonicalTree(b); err != nil {
			return nil, fmt.Errorf("tree %s: %w", short(h), err)
		}
	}
	s.trees.put(h, t)
	return t, nil
}

// treeCacheBytes bounds the raw size of the trees a Store keeps parsed.
const treeCacheBytes = 4 << 20

// treeCache keeps the trees a Store parsed last, by hash, up to
// treeCacheBytes of raw tree: one reconcile reads the same large trees
// (proposals/ holds an entry per instance) several times, and a loose
// tree is inflated again on every read. The zero value is an empty cache;
// the Store's mutex guards it.
type treeCache struct {
	m     map[plumbing.Hash]*gitobj.Tree
	order []plumbing.Hash // oldest first
	size  int
}

func (c *treeCache) get(h plumbing.Hash) (*gitobj.Tree, bool) {
	t, ok := c.m[h]
	return t, ok
}

// put adds t, dropping the oldest trees to stay within treeCacheBytes.
func (c *treeCache) put(h plumbing.Hash, t *gitobj.Tree) {
	n := len(t.Raw())
	if n > treeCacheBytes/4 {
		return
	}
	if c.m == nil {
		c.m = map[plumbing.Hash]*gitobj.Tree{}
	}
	if _, ok := c.m[h]; ok {
		return
	}
	for c.size+n > treeCacheBytes && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		c.size -= len(c.m[old].Raw())
		delete(c.m, old)
	}
	c.m[h] = t
	c.order = append(c.order, h)
	c.size += n
}

// canonicalTree decodes raw with go-git and returns it sorted and encoded
// as git writes trees.
func canonicalTree(raw []byte) (*gitobj.Tree, error) {
	o := &plumbing.MemoryObject{}
	o.SetType(plumbing.TreeObject)
	if _, err := o.Write(raw); err != nil {
		return nil, err
	}
	t := &object.Tree{}
	if err := t.Decode(o); err != nil {
		return nil, err
	}
	sort.Stable(object.TreeEntrySorter(t.Entries))
	enc := &plumbing.MemoryObject{}
	if err := t.Encode(enc); err != nil {
		return nil, err
	}
	b, err := readAllObject(enc)
	if err != nil {
		return nil, err
	}
	return gitobj.ParseTree(b)
}

// commitTreeLocked returns the root tree of commit h; a zero h gives an
// empty tree.
func (s *Store) commitTreeLocked(h plumbing.Hash) (*gitobj.Tree, error) {
	if h.IsZero() {
		return emptyTree, nil
	}
	tree, err := s.commitTreeHashLocked(h)
	if err != nil {
		return nil, err
	}
	return s.treeLocked(tree)
}

// commitTreeHashLocked returns the tree of commit h from the commit's
// first line, without decoding the rest (signature, message); a commit
// that does not start with a tree line is left to go-git. A missing
// object, or one that is not a commit, gives ErrNotFound, as commitLocked.
func (s *Store) commitTreeHashLocked(h plumbing.Hash) (plumbing.Hash, error) {
	b, err := s.readObjectLocked(plumbing.CommitObject, h)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("commit %s: %w", short(h), err)
	}
	if len(b) >= 46 && string(b[:5]) == "tree " && b[45] == '\n' {
		if tree, ok := parseHash(string(b[5:45])); ok {
			return tree, nil
		}
	}
	c, err := s.commitLocked(h)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return c.TreeHash, nil
}

// entryMode returns entry i's mode as go-git's type.
func entryMode(t *gitobj.Tree, i int) filemode.FileMode {
	m, err := filemode.New(t.Mode(i))
	if err != nil {
		return filemode.Empty
	}
	return m
}

// isDir reports whether entry i is a directory.
func isDir(t *gitobj.Tree, i int) bool { return t.Mode(i) == gitobj.ModeDir }

// cloneBytes copies b; unlike bytes.Clone it never returns nil.
func cloneBytes(b []byte) []byte { return append(make([]byte, 0, len(b)), b...) }
