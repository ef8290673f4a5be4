package gitobj

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// Edit is one change to a tree for Tree.Edit: the entry Name gets Mode and
// Hash, or with Delete it goes.
type Edit struct {
	Name   string
	Mode   string // ModeFile, ModeDir, ...: octal digits, no leading zero; ignored with Delete
	Hash   plumbing.Hash
	Delete bool
}

// Edit returns the bytes of the tree t with edits applied: each edit first
// removes every entry named Name (of either kind), then, unless it is a
// Delete, inserts its own entry where git's order puts it. The entries
// between edits are copied as they are, so the cost grows with the tree's
// size in bytes and the number of edits, not with decoding its entries;
// for a tree ParseTree accepted, the result is byte for byte the tree git
// writes for the same entries. Names must be distinct, non-empty and free
// of '/' and NUL. A nil t is the empty tree. Edit does not modify t.
func (t *Tree) Edit(edits []Edit) ([]byte, error) {
	if t == nil {
		t = &Tree{offs: []int32{0}}
	}
	type insert struct {
		pos int
		dir bool
		e   *Edit
	}
	var ins []insert
	var rem []int
	seen := make(map[string]bool, len(edits))
	grow := 0
	for i := range edits {
		e := &edits[i]
		if e.Name == "" || strings.ContainsAny(e.Name, "/\x00") {
			return nil, fmt.Errorf("tree edit: bad name %q", e.Name)
		}
		if seen[e.Name] {
			return nil, fmt.Errorf("tree edit: %q edited twice", e.Name)
		}
		seen[e.Name] = true
		for _, dir := range []bool{false, true} {
			if j, ok := t.find(e.Name, dir); ok {
				rem = append(rem, j)
			}
		}
		if e.Delete {
			continue
		}
		if !validMode(e.Mode) {
			return nil, fmt.Errorf("tree edit %q: bad mode %q", e.Name, e.Mode)
		}
		dir := e.Mode == ModeDir
		pos, _ := t.find(e.Name, dir)
		ins = append(ins, insert{pos, dir, e})
		grow += len(e.Mode) + len(e.Name) + 22
	}
	slices.Sort(rem)
	slices.SortFunc(ins, func(a, b insert) int {
		return compareEntries([]byte(a.e.Name), a.dir, []byte(b.e.Name), b.dir)
	})
	out := make([]byte, 0, len(t.data)+grow)
	cur := 0 // the next entry of t to copy
	for len(ins) > 0 || len(rem) > 0 {
		if len(ins) > 0 && (len(rem) == 0 || ins[0].pos <= rem[0]) {
			in := ins[0]
			ins = ins[1:]
			out = append(out, t.data[t.offs[cur]:t.offs[in.pos]]...)
			cur = in.pos
			out = append(out, in.e.Mode...)
			out = append(out, ' ')
			out = append(out, in.e.Name...)
			out = append(out, 0)
			out = append(out, in.e.Hash[:]...)
			continue
		}
		out = append(out, t.data[t.offs[cur]:t.offs[rem[0]]]...)
		cur = rem[0] + 1
		rem = rem[1:]
	}
	return append(out, t.data[t.offs[cur]:]...), nil
}

func validMode(m string) bool {
	if m == "" || m[0] == '0' {
		return false
	}
	for i := 0; i < len(m); i++ {
		if m[i] < '0' || m[i] > '7' {
			return false
		}
	}
	return true
}

// Find returns the index of the entry named name, of either kind: a
// non-directory first, as it sorts first (a tree git accepts has at most
// one of the two).
func (t *Tree) Find(name string) (int, bool) {
	if i, ok := t.find(name, false); ok {
		return i, true
	}
	return t.find(name, true)
}

// Canonical reports whether every entry's mode is written as git writes
// it, without leading zeros (old git wrote directories as "040000").
func (t *Tree) Canonical() bool {
	for i := 0; i < t.Len(); i++ {
		if t.data[t.offs[i]] == '0' {
			return false
		}
	}
	return true
}

// Diff calls fn, in git's order, for every entry of a or b that the other
// tree does not hold byte for byte (same name, mode and object): ai and
// bi index the entries in a and b when they have the same name and kind
// (directory or not), and one of them is -1 when only one tree has an
// entry of that name and kind. Equal entries cost a byte comparison each.
// A nil tree is the empty tree. Diff stops at fn's first error.
func Diff(a, b *Tree, fn func(ai, bi int) error) error {
	if a == nil {
		a = &Tree{offs: []int32{0}}
	}
	if b == nil {
		b = &Tree{offs: []int32{0}}
	}
	i, j := 0, 0
	for i < a.Len() || j < b.Len() {
		var c int
		switch {
		case i == a.Len():
			c = 1
		case j == b.Len():
			c = -1
		case bytes.Equal(a.data[a.offs[i]:a.offs[i+1]], b.data[b.offs[j]:b.offs[j+1]]):
			i, j = i+1, j+1
			continue
		default:
			c = compareEntries(a.name(i), a.isDir(i), b.name(j), b.isDir(j))
		}
		var err error
		switch {
		case c < 0:
			err = fn(i, -1)
			i++
		case c > 0:
			err = fn(-1, j)
			j++
		default:
			err = fn(i, j)
			i, j = i+1, j+1
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// With returns t with exactly the entry named name set to mode and object
// h: added, or present with the same mode and another object. It refuses
// (ok false) what ChangedOne would not accept between t and the result: an
// entry of that name of the other kind, one of another mode, or one with
// object h already. The result shares nothing with t that either could
// change. A nil t is the empty tree.
func (t *Tree) With(name, mode string, h plumbing.Hash) (*Tree, bool) {
	return t.WithInto(nil, name, mode, h)
}

// Reusable reports whether t was made by With or WithInto, so that its
// memory may be given to WithInto once nothing holds t.
func (t *Tree) Reusable() bool { return t != nil && t.made != nil }

// WithInto is With building the result in spare's memory where it fits:
// spare must be Reusable, and the caller vouches that nothing holds it or
// will read it again (it is overwritten, and may be the result). A nil,
// too small or not Reusable spare, or t itself, is not used.
func (t *Tree) WithInto(spare *Tree, name, mode string, h plumbing.Hash) (*Tree, bool) {
	if name == "" || strings.ContainsAny(name, "/\x00") || !validMode(mode) {
		return nil, false
	}
	if t == nil {
		t = &Tree{offs: []int32{0}}
	}
	dir := mode == ModeDir
	if _, clash := t.find(name, !dir); clash {
		return nil, false
	}
	i, present := t.find(name, dir)
	start, end := int(t.offs[i]), int(t.offs[i]) // the bytes the entry replaces
	if present {
		if t.Mode(i) != mode || t.Hash(i) == h {
			return nil, false
		}
		end = int(t.offs[i+1])
	}
	entry := len(mode) + 1 + len(name) + 1 + len(h)
	n := t.Len()
	if !present {
		n++
	}
	size := len(t.data) - (end - start) + entry
	var raw []byte
	var tables []int32
	nt := &Tree{}
	if spare.Reusable() && spare != t {
		nt = spare
		if cap(spare.data) >= size {
			raw = spare.data[:0]
		}
		if cap(spare.made) >= 3*n+1 {
			tables = spare.made[:3*n+1]
		}
	}
	if raw == nil {
		raw = make([]byte, 0, size+size/4) // room for later versions made into it
	}
	if tables == nil {
		tables = make([]int32, 3*n+1, 3*n+1+(3*n+1)/4)
	}
	raw = append(raw, t.data[:start]...)
	raw = append(append(append(append(raw, mode...), ' '), name...), 0)
	raw = append(append(raw, h[:]...), t.data[end:]...)
	// Offsets: t's before the entry, the entry, t's after it shifted; the
	// three tables share one array.
	*nt = Tree{data: raw, offs: tables[: n+1 : n+1], modeEnd: tables[n+1 : 2*n+1 : 2*n+1], nameEnd: tables[2*n+1 : 3*n+1 : 3*n+1], made: tables[:cap(tables)]}
	copy(nt.offs, t.offs[:i])
	copy(nt.modeEnd, t.modeEnd[:i])
	copy(nt.nameEnd, t.nameEnd[:i])
	nt.offs[i] = int32(start)
	nt.modeEnd[i] = int32(start + len(mode))
	nt.nameEnd[i] = int32(start + len(mode) + 1 + len(name))
	added := 0 // entries after the one set are t's, one place later when it was added
	if !present {
		added = 1
	}
	shift := int32(start + entry - end)
	for j := i + 1; j < n; j++ {
		k := j - added
		nt.offs[j] = t.offs[k] + shift
		nt.modeEnd[j] = t.modeEnd[k] + shift
		nt.nameEnd[j] = t.nameEnd[k] + shift
	}
	nt.offs[n] = int32(len(raw))
	return nt, true
}

// TreeHash is the object name of a tree whose content is raw.
func TreeHash(raw []byte) plumbing.Hash {
	return plumbing.ComputeHash(plumbing.TreeObject, raw)
}
