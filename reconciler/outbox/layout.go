package outbox

import (
	"fmt"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
)

// maxRootEntries bounds the root of an outbox commit's tree: at the
// widest layout, one state and one effects file per two hex digits of the
// key.
const maxRootEntries = 2 * 256

// layout is the files of one outbox commit, read from its root tree alone:
// writ writes nothing below the root, so a tree of any other shape (a
// directory, a file of another name or mode, files of two widths, more
// than maxRootEntries entries) is not an outbox writ wrote, and is refused
// at the cost of one tree object, however many paths its subtrees name.
type layout struct {
	// width is the file width (widthFor): 0 for state.tsv, else the
	// length of the bucket names.
	width int
	// files are the root's file names, sorted.
	files []string
}

// layoutAt reads and checks the layout of outbox commit h (cached).
func (b *Book) layoutAt(h plumbing.Hash) (*layout, error) {
	if l, ok := b.layouts[h]; ok {
		return l, nil
	}
	es, err := b.store.RootEntries(h, maxRootEntries)
	if err != nil {
		return nil, fmt.Errorf("outbox: %s at %s: %w", Ref, h, err)
	}
	l := &layout{width: -1}
	for _, e := range es {
		name, _ := bucketOfPath(e.Name)
		if e.Mode != "100644" || e.Name != statePath(name) && e.Name != effectPath(name) || !hexBucket(name) {
			return nil, fmt.Errorf("outbox: %s at %s: %q (mode %s) is not a file of the outbox's layout (state.tsv, effects.json, or state-<hex>.tsv and effects-<hex>.json of one or two hex digits)",
				Ref, h, clip(e.Name), e.Mode)
		}
		if l.width >= 0 && l.width != len(name) {
			return nil, fmt.Errorf("outbox: %s at %s: files of two widths (%q)", Ref, h, clip(e.Name))
		}
		l.width = len(name)
		l.files = append(l.files, e.Name)
	}
	l.width = max(l.width, 0)
	sort.Strings(l.files)
	b.layouts[h] = l
	return l, nil
}

// hexBucket reports whether name can name a bucket: at most two
// lowercase hex digits.
func hexBucket(name string) bool {
	if len(name) > 2 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// emptyTree is git's empty tree: the base of a save that replaces a
// refused commit's tree whole.
var emptyTree = plumbing.ComputeHash(plumbing.TreeObject, nil)
