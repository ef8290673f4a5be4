package bench

import (
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/schemas"
)

// mainTree is main's tree as the builder keeps it in memory: the root's
// entries, proposals/ and every instance directory, each a sorted list, so
// adding a proposal file rewrites three trees without reading any.
type mainTree struct {
	root  []object.TreeEntry
	props []object.TreeEntry            // proposals/<instance>
	inst  map[string][]object.TreeEntry // proposals/<instance>/<file>
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
	return &mainTree{root: append([]object.TreeEntry(nil), t.Entries...), inst: map[string][]object.TreeEntry{}}, nil
}

// add puts the file proposals/<instance>/<file> into the tree, stores the
// blob and the three changed trees in p, and returns the new root tree.
func (t *mainTree) add(p *packBuf, instance, path string, raw []byte) (plumbing.Hash, error) {
	in, name, _, err := schemas.ParseProposalPath(path)
	if err != nil || in != instance {
		return plumbing.ZeroHash, fmt.Errorf("proposal path %q is not %s", path, schemas.ProposalFile(instance, "<name>"))
	}
	file := name + schemas.ProposalSuffix
	blob := p.add(plumbing.BlobObject, raw)
	files := put(t.inst[instance], object.TreeEntry{Name: file, Mode: filemode.Regular, Hash: blob})
	t.inst[instance] = files
	dir := p.addTree(schemas.ProposalsDir+"/"+instance, encodeTree(files))
	t.props = put(t.props, object.TreeEntry{Name: instance, Mode: filemode.Dir, Hash: dir})
	props := p.addTree(schemas.ProposalsDir, encodeTree(t.props))
	t.root = put(t.root, object.TreeEntry{Name: schemas.ProposalsDir, Mode: filemode.Dir, Hash: props})
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
