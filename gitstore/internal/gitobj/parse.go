package gitobj

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// ErrNotCanonical means a commit is laid out in a way ParseCommit does not
// take apart (headers beyond tree, parents, author, committer and one
// gpgsig). The caller decodes it with go-git instead.
var ErrNotCanonical = errors.New("commit is not in canonical layout")

// Commit is a commit in the canonical layout git and go-git write: tree,
// parents, author, committer, at most one gpgsig header, a blank line, the
// message.
type Commit struct {
	Tree      plumbing.Hash
	Parents   []plumbing.Hash
	Author    []byte // the author header's value
	Committer []byte
	// Signature is the gpgsig header's value with continuation lines
	// joined, as go-git's Commit.PGPSignature holds it; "" when unsigned.
	Signature string
	Message   string

	raw              []byte
	sigStart, sigEnd int
}

// Payload returns what the commit's signature covers: the object without
// its gpgsig header, byte for byte (what git and go-git verify).
func (c *Commit) Payload() []byte {
	if c.sigEnd == 0 {
		return c.raw
	}
	out := make([]byte, 0, len(c.raw)-(c.sigEnd-c.sigStart))
	return append(append(out, c.raw[:c.sigStart]...), c.raw[c.sigEnd:]...)
}

// ParseCommit takes apart a commit object in the canonical layout, or
// returns ErrNotCanonical (or a malformation error).
func ParseCommit(raw []byte) (*Commit, error) {
	c := &Commit{raw: raw}
	rest := raw
	line := func() ([]byte, bool) {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return nil, false
		}
		l := rest[:i]
		rest = rest[i+1:]
		return l, true
	}
	hashField := func(l []byte, key string) (plumbing.Hash, bool) {
		var h plumbing.Hash
		v, ok := bytes.CutPrefix(l, []byte(key+" "))
		if !ok || len(v) != 40 {
			return h, false
		}
		if _, err := hex.Decode(h[:], v); err != nil {
			return h, false
		}
		return h, true
	}
	l, ok := line()
	if !ok {
		return nil, ErrNotCanonical
	}
	if c.Tree, ok = hashField(l, "tree"); !ok {
		return nil, ErrNotCanonical
	}
	for {
		if l, ok = line(); !ok {
			return nil, ErrNotCanonical
		}
		p, isParent := hashField(l, "parent")
		if !isParent {
			break
		}
		c.Parents = append(c.Parents, p)
	}
	if c.Author, ok = bytes.CutPrefix(l, []byte("author ")); !ok {
		return nil, ErrNotCanonical
	}
	if l, ok = line(); !ok {
		return nil, ErrNotCanonical
	}
	if c.Committer, ok = bytes.CutPrefix(l, []byte("committer ")); !ok {
		return nil, ErrNotCanonical
	}
	start := len(raw) - len(rest)
	if l, ok = line(); !ok {
		return nil, ErrNotCanonical
	}
	if v, isSig := bytes.CutPrefix(l, []byte("gpgsig ")); isSig {
		var sig strings.Builder
		sig.Grow(signatureLen(v, rest))
		sig.Write(v)
		sig.WriteByte('\n')
		for {
			if l, ok = line(); !ok {
				return nil, ErrNotCanonical
			}
			if len(l) == 0 || l[0] != ' ' {
				break
			}
			sig.Write(l[1:])
			sig.WriteByte('\n')
		}
		c.Signature = sig.String()
		c.sigStart, c.sigEnd = start, len(raw)-len(rest)-len(l)-1
	}
	if len(l) != 0 {
		return nil, ErrNotCanonical
	}
	c.Message = string(rest)
	return c, nil
}

// signatureLen is the length of the signature whose header line's value
// is first and whose continuation lines (" "-prefixed) begin rest, once
// unfolded: each line without its space, ending in a newline.
func signatureLen(first, rest []byte) int {
	n := len(first) + 1
	for {
		i := bytes.IndexByte(rest, '\n')
		if i <= 0 || rest[0] != ' ' {
			return n
		}
		n += i // the line less its space, plus its newline
		rest = rest[i+1:]
	}
}

// Tree is a parsed tree object: its raw bytes and where each entry starts.
// ParseTree only returns trees whose entries are well formed and strictly
// sorted in git's order, so lookups can bisect.
type Tree struct {
	data             []byte
	offs             []int32 // entry starts, plus len(data) at the end
	modeEnd, nameEnd []int32
	// made is the array the three tables are carved from when With made
	// the tree (nil otherwise): its memory, and data's, are the tree's
	// own, for WithInto to reuse.
	made []int32
}

// Mode strings of tree entries.
const (
	ModeDir  = "40000"
	ModeFile = "100644"
)

// ParseTree parses and validates a tree object.
func ParseTree(raw []byte) (*Tree, error) {
	if len(raw) > 1<<30 {
		return nil, fmt.Errorf("tree of %d bytes is too large", len(raw))
	}
	n := len(raw)/32 + 1 // most entries are longer than 32 bytes
	t := &Tree{data: raw, offs: make([]int32, 0, n+1), modeEnd: make([]int32, 0, n), nameEnd: make([]int32, 0, n)}
	for i := 0; i < len(raw); {
		sp := bytes.IndexByte(raw[i:], ' ')
		if sp <= 0 {
			return nil, fmt.Errorf("tree entry at %d: no mode", i)
		}
		nul := bytes.IndexByte(raw[i+sp:], 0)
		if nul <= 1 {
			return nil, fmt.Errorf("tree entry at %d: no name", i)
		}
		name := raw[i+sp+1 : i+sp+nul]
		if bytes.IndexByte(name, '/') >= 0 {
			return nil, fmt.Errorf("tree entry at %d: name has a slash", i)
		}
		for _, d := range raw[i : i+sp] {
			if d < '0' || d > '7' {
				return nil, fmt.Errorf("tree entry at %d: bad mode", i)
			}
		}
		end := i + sp + nul + 1 + 20
		if end > len(raw) {
			return nil, fmt.Errorf("tree entry at %d: truncated", i)
		}
		t.offs = append(t.offs, int32(i))
		t.modeEnd = append(t.modeEnd, int32(i+sp))
		t.nameEnd = append(t.nameEnd, int32(i+sp+nul))
		if n := len(t.offs); n > 1 && compareEntries(t.name(n-2), t.isDir(n-2), name, t.isDir(n-1)) >= 0 {
			return nil, fmt.Errorf("tree entry %q: not sorted", name)
		}
		i = end
	}
	t.offs = append(t.offs, int32(len(raw)))
	return t, nil
}

// Raw returns the tree object's bytes.
func (t *Tree) Raw() []byte { return t.data }

// Len returns the number of entries.
func (t *Tree) Len() int { return len(t.offs) - 1 }

func (t *Tree) mode(i int) []byte { return t.data[t.offs[i]:t.modeEnd[i]] }
func (t *Tree) name(i int) []byte { return t.data[t.modeEnd[i]+1 : t.nameEnd[i]] }
func (t *Tree) isDir(i int) bool  { return string(t.mode(i)) == ModeDir }

// Hash returns entry i's object name.
func (t *Tree) Hash(i int) plumbing.Hash {
	var h plumbing.Hash
	copy(h[:], t.data[t.nameEnd[i]+1:t.offs[i+1]])
	return h
}

// Name returns entry i's name.
func (t *Tree) Name(i int) string { return string(t.name(i)) }

// Mode returns entry i's mode string (ModeDir, ModeFile, ...).
func (t *Tree) Mode(i int) string { return string(t.mode(i)) }

// compareEntries orders names as git sorts tree entries: bytewise, a
// directory's name compared as if it ended in '/'.
func compareEntries(a []byte, aDir bool, b []byte, bDir bool) int {
	n := min(len(a), len(b))
	if c := bytes.Compare(a[:n], b[:n]); c != 0 {
		return c
	}
	next := func(s []byte, dir bool) int {
		if len(s) > n {
			return int(s[n])
		}
		if dir {
			return '/'
		}
		return 0
	}
	return next(a, aDir) - next(b, bDir)
}

// find returns the index of the entry named name of the given kind, or
// where it would be inserted.
func (t *Tree) find(name string, dir bool) (int, bool) {
	lo, hi := 0, t.Len()
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		switch c := compareEntries(t.name(mid), t.isDir(mid), []byte(name), dir); {
		case c == 0:
			return mid, true
		case c < 0:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return lo, false
}

// Lookup returns the entry named name; dir says whether to look for a
// directory or a non-directory.
func (t *Tree) Lookup(name string, dir bool) (int, bool) {
	i, ok := t.find(name, dir)
	return i, ok
}

// ChangedOne reports whether new is old with exactly the entry named name
// changed: added with mode, or present in both with mode and a different
// object. No entry of the same name but the other kind may exist in either
// tree. It returns the new entry's object. When it says true, a
// tree diff of old and new (by name, mode and object) finds name and
// nothing else at this level. A nil old is the empty tree.
func ChangedOne(old, new *Tree, name, mode string) (plumbing.Hash, bool) {
	dir := mode == ModeDir
	if old == nil {
		old = &Tree{offs: []int32{0}}
	}
	ni, ok := new.find(name, dir)
	if !ok || new.Mode(ni) != mode {
		return plumbing.ZeroHash, false
	}
	if _, clash := new.find(name, !dir); clash {
		return plumbing.ZeroHash, false
	}
	if _, clash := old.find(name, !dir); clash {
		return plumbing.ZeroHash, false
	}
	oi, present := old.find(name, dir)
	oldEnd := old.offs[oi]
	if present {
		if old.Mode(oi) != mode || old.Hash(oi) == new.Hash(ni) {
			return plumbing.ZeroHash, false
		}
		oldEnd = old.offs[oi+1]
	}
	start := new.offs[ni]
	if start != old.offs[oi] || !bytes.Equal(new.data[:start], old.data[:start]) ||
		!bytes.Equal(new.data[new.offs[ni+1]:], old.data[oldEnd:]) {
		return plumbing.ZeroHash, false
	}
	return new.Hash(ni), true
}

// Splice checks that raw is the tree old with exactly the entry named name
// changed, as ChangedOne does, without parsing raw: where the entry must
// be follows from old, and everything else must be old's bytes. It
// returns raw parsed (its offsets derived from old's) and the new entry's
// object. A nil old is the empty tree.
func (old *Tree) Splice(raw []byte, name, mode string) (*Tree, plumbing.Hash, bool) {
	if old == nil {
		return (*Tree)(nil).SpliceInPlace(raw, name, mode)
	}
	t := &Tree{data: old.data, offs: slices.Clone(old.offs), modeEnd: slices.Clone(old.modeEnd), nameEnd: slices.Clone(old.nameEnd)}
	return t.SpliceInPlace(raw, name, mode)
}

// SpliceInPlace is Splice reusing old's offset tables for the result, for
// a caller that holds one version of a large tree after another: when it
// says true, old must not be used again. When it says false, old is
// unchanged.
func (old *Tree) SpliceInPlace(raw []byte, name, mode string) (*Tree, plumbing.Hash, bool) {
	dir := mode == ModeDir
	if old == nil {
		old = &Tree{offs: []int32{0}}
	}
	if strings.ContainsAny(name, "/\x00") || name == "" {
		return nil, plumbing.ZeroHash, false
	}
	if _, clash := old.find(name, !dir); clash {
		return nil, plumbing.ZeroHash, false
	}
	oi, present := old.find(name, dir)
	start := int(old.offs[oi])
	oldEnd := start
	if present {
		if old.Mode(oi) != mode {
			return nil, plumbing.ZeroHash, false
		}
		oldEnd = int(old.offs[oi+1])
	}
	header := mode + " " + name + "\x00"
	end := start + len(header) + 20
	if len(raw) != len(old.data)-(oldEnd-start)+len(header)+20 || !bytes.Equal(raw[:start], old.data[:start]) ||
		string(raw[start:start+len(header)]) != header || !bytes.Equal(raw[end:], old.data[oldEnd:]) {
		return nil, plumbing.ZeroHash, false
	}
	var h plumbing.Hash
	copy(h[:], raw[end-20:end])
	if present && h == old.Hash(oi) {
		return nil, plumbing.ZeroHash, false
	}
	// Offsets: old's before the entry, the entry, old's after it shifted.
	t := old
	if !present {
		t.offs = slices.Insert(t.offs, oi, 0)
		t.modeEnd = slices.Insert(t.modeEnd, oi, 0)
		t.nameEnd = slices.Insert(t.nameEnd, oi, 0)
	}
	t.data, t.made = raw, nil // raw is the caller's: never reused
	t.offs[oi] = int32(start)
	t.modeEnd[oi] = int32(start + len(mode))
	t.nameEnd[oi] = int32(start + len(header) - 1)
	shift := int32(end - oldEnd)
	for j := oi + 1; j < len(t.modeEnd); j++ {
		t.offs[j] += shift
		t.modeEnd[j] += shift
		t.nameEnd[j] += shift
	}
	t.offs[len(t.offs)-1] = int32(len(raw))
	return t, h, true
}
