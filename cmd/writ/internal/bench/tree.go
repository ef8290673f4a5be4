package bench

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/schemas"
)

// mainTree is main's tree as the builder keeps it in memory: the entries
// of the root and of every directory under proposals/, each a sorted list
// keyed by its path, so adding a proposal file rewrites the trees along
// its path (three, or four for a goal action's sharded file) without
// reading any.
type mainTree struct {
	root []object.TreeEntry
	dirs map[string][]object.TreeEntry // proposals/... -> its entries
}

// readMainTree reads the genesis tree, which has no proposals yet.
func readMainTree(store *gitstore.Store, head plumbing.Hash) (*mainTree, error) {
	c, err := store.Commit(head)
	if err != nil {
		return nil, err
	}
	t, err := c.Tree()
	if err != nil {
		return nil, err
	}
	for _, e := range t.Entries {
		if e.Name == schemas.ProposalsDir {
			return nil, fmt.Errorf("genesis tree already has %s/", schemas.ProposalsDir)
		}
	}
	return &mainTree{root: append([]object.TreeEntry(nil), t.Entries...), dirs: map[string][]object.TreeEntry{}}, nil
}

// add puts the proposal file at path (a path schemas.ParseProposalPath
// accepts) into the tree, stores the blob and the changed trees in p,
// and returns the new root tree.
func (t *mainTree) add(p *packBuf, path string, raw []byte) (plumbing.Hash, error) {
	if _, _, _, err := schemas.ParseProposalPath(path); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("bench tree: %w", err)
	}
	parts := strings.Split(path, "/")
	e := object.TreeEntry{Name: parts[len(parts)-1], Mode: filemode.Regular, Hash: p.add(plumbing.BlobObject, raw)}
	for i := len(parts) - 1; i >= 1; i-- {
		dir := strings.Join(parts[:i], "/")
		entries := put(t.dirs[dir], e)
		t.dirs[dir] = entries
		e = object.TreeEntry{Name: parts[i-1], Mode: filemode.Dir, Hash: p.addTree(dir, encodeTree(entries))}
	}
	t.root = put(t.root, e)
	return p.add(plumbing.TreeObject, encodeTree(t.root)), nil
}

// sortKey is an entry's name as git sorts it (directories as "name/").
func sortKey(e object.TreeEntry) string {
	if e.Mode == filemode.Dir {
		return e.Name + "/"
	}
	return e.Name
}

// put inserts or replaces e in entries, kept in git's order.
func put(entries []object.TreeEntry, e object.TreeEntry) []object.TreeEntry {
	k := sortKey(e)
	i := sort.Search(len(entries), func(i int) bool { return sortKey(entries[i]) >= k })
	if i < len(entries) && entries[i].Name == e.Name {
		entries[i] = e
		return entries
	}
	entries = append(entries, object.TreeEntry{})
	copy(entries[i+1:], entries[i:])
	entries[i] = e
	return entries
}

// encodeTree renders sorted entries as a tree object, as go-git's
// Tree.Encode does.
func encodeTree(entries []object.TreeEntry) []byte {
	var b []byte
	for _, e := range entries {
		b = strconv.AppendUint(b, uint64(e.Mode), 8)
		b = append(b, ' ')
		b = append(b, e.Name...)
		b = append(b, 0)
		b = append(b, e.Hash[:]...)
	}
	return b
}

func readAll(o plumbing.EncodedObject) ([]byte, error) {
	r, err := o.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}
