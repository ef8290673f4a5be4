package gitstore

import (
	"bytes"
	"slices"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// A WAL entry may only add its proposal file: its tree must be its first
// parent's plus proposals/<instance>/<name>.yaml, or for a goal action
// proposals/<lineage>/<shard>/<name>.yaml. A tree diff of the two
// (Store.ChangedFiles) says so, but it reads and decodes both trees along
// the path on every entry, and proposals/ grows with the log. TreeCheck
// checks the same thing by comparing raw tree objects: replay's workers
// read the merge's trees along the path (Read), and its fold
// compares each with the first parent's (AddsOnly), which it still holds
// from the entry before (only the instance's own tree, or its shard's,
// may have to be read). Both trees are parsed and
// sorted, so "identical bytes except one entry" is exactly "the diff is
// that entry". Whatever this does not recognise falls back to the diff.
// A goal action's trees are not read at all when a later tree names its
// blob: AddsOnly computes them (proposalhint.go).

// ProposalTree is the merge's trees along the proposal path, read ahead by a
// worker; ok is false when they could not be read or the path is neither
// <dir>/<instance>/<file> nor <dir>/<instance>/<shard>/<file>. <dir>
// (proposals/) grows with the log, so
// Read does not parse it: it finds the instance's entry by its bytes,
// a hint AddsOnly then checks against the parent's parsed tree.
//
// Its trees are AddsOnly's alone: once the entry after it has been checked
// their memory may hold another entry's trees (TreeCheck reuses what its
// cache replaced), so nothing outside AddsOnly may read them; OK, Hinted
// and Blob are all a ProposalTree shows.
type ProposalTree struct {
	ok                  bool
	dir, instance, file string
	shard               string // "" for a flat path
	root, inst, leaf    *gitobj.Tree
	propsRaw            []byte
	propsHash, instHash plumbing.Hash
	shardHash           plumbing.Hash
	blob                plumbing.Hash
	// hinted: blob was taken from a later tree (TreeCheck.HintFrom), and
	// inst, leaf and shardHash are left for AddsOnly to compute.
	hinted bool
}

// OK reports whether the trees were read; a ProposalTree that is not OK
// proves nothing.
func (f ProposalTree) OK() bool { return f.ok }

// Hinted reports whether the blob was taken from a later tree (see
// TreeCheck.HintFrom) rather than read from the merge's: until AddsOnly
// says true it is not known to be the merge's.
func (f ProposalTree) Hinted() bool { return f.hinted }

// Blob is the proposal file's blob in the merge's tree.
func (f ProposalTree) Blob() plumbing.Hash { return f.blob }

// TreeCheck checks WAL entries' trees against their first parents' by
// comparing raw tree objects (see above). Read is safe for concurrent use;
// AddsOnly is called by one goroutine, in log order, and keeps the first
// parent's trees from the entry before.
type TreeCheck struct {
	read  *FastReader
	hints entryHints    // where Read last found each instance
	trees proposalTrees // main's trees as of the last tree checked
	tip   tipTrees      // a later tree's goal action files (HintFrom)
}

// NewTreeCheck returns a TreeCheck reading through r.
func (r *FastReader) NewTreeCheck() *TreeCheck {
	return &TreeCheck{read: r, trees: proposalTrees{inst: map[string]cachedProposalTree{}}}
}

// Read reads, ahead of AddsOnly, the trees of root tree tree along path
// (<dir>/<instance>/<file>, as proposals/<instance>/<name>.yaml, or
// <dir>/<instance>/<shard>/<file>, as a goal action's
// proposals/<lineage>/<shard>/<name>.yaml).
func (tc *TreeCheck) Read(tree plumbing.Hash, path string) ProposalTree {
	parts := strings.Split(path, "/")
	if (len(parts) != 3 && len(parts) != 4) || slices.Contains(parts, "") {
		return ProposalTree{}
	}
	f := ProposalTree{dir: parts[0], instance: parts[1], file: parts[len(parts)-1]}
	if len(parts) == 4 {
		f.shard = parts[2]
	}
	var small bool
	if f.shard != "" {
		f.blob, small, f.hinted = tc.tip.blob(tc.read, f.dir, f.instance, f.shard, f.file)
		if f.hinted && small {
			// AddsOnly computes every tree along the path.
			f.ok = true
			return f
		}
	}
	var ok bool
	if f.root, ok = tc.read.tree(tree); !ok {
		return ProposalTree{}
	}
	i, found := f.root.Lookup(f.dir, true)
	if !found {
		return ProposalTree{}
	}
	f.propsHash = f.root.Hash(i)
	if f.propsRaw, ok = tc.read.rawTree(f.propsHash); !ok {
		return ProposalTree{}
	}
	// The entry "40000 <instance>\0<object>".
	var buf [128]byte
	entry := append(append(append(buf[:0], gitobj.ModeDir+" "...), f.instance...), 0)
	at := tc.hints.find(f.propsRaw, f.instance, entry)
	if at < 0 || len(f.propsRaw) < at+len(entry)+20 {
		return ProposalTree{}
	}
	copy(f.instHash[:], f.propsRaw[at+len(entry):])
	if f.hinted {
		f.ok = true
		return f
	}
	if f.inst, ok = tc.read.tree(f.instHash); !ok {
		return ProposalTree{}
	}
	f.leaf = f.inst
	if f.shard != "" {
		k, found := f.inst.Lookup(f.shard, true)
		if !found {
			return ProposalTree{}
		}
		f.shardHash = f.inst.Hash(k)
		if f.leaf, ok = tc.read.tree(f.shardHash); !ok {
			return ProposalTree{}
		}
	}
	j, found := f.leaf.Lookup(f.file, false)
	if !found || f.leaf.Mode(j) != gitobj.ModeFile {
		return ProposalTree{}
	}
	f.blob, f.ok = f.leaf.Hash(j), true
	return f
}

// entryHints remembers, per instance, where its entry was in the last
// proposals/ tree searched. Entries only move when an instance sorting
// before it is added, so the offset is nearly always right, and finding
// the entry costs one comparison instead of a scan of a tree that grows
// with the log. Safe for concurrent use.
//
// The bytes found are a hint either way: a match could in principle lie
// inside another entry's object id (20 bytes of SHA-1, so only if
// constructed against SHA-1), but the fold checks the whole tree against
// the parent's (Splice) and falls back to a diff when the hint was wrong.
type entryHints struct {
	mu sync.Mutex
	at map[string]int
}

// find returns the offset of entry, the entry of instance, in raw, or -1.
func (h *entryHints) find(raw []byte, instance string, entry []byte) int {
	h.mu.Lock()
	at, ok := h.at[instance]
	h.mu.Unlock()
	if ok && at+len(entry) <= len(raw) && bytes.Equal(raw[at:at+len(entry)], entry) {
		return at
	}
	if at = bytes.Index(raw, entry); at >= 0 {
		h.mu.Lock()
		if h.at == nil {
			h.at = map[string]int{}
		}
		h.at[strings.Clone(instance)] = at
		h.mu.Unlock()
	}
	return at
}

// cachedProposalTree is a parsed tree and its name.
type cachedProposalTree struct {
	hash plumbing.Hash
	tree *gitobj.Tree
}

// proposalTrees holds main's trees along the proposal paths as of one commit
// tree: the root, proposals/, and the last version of every instance's
// directory and every shard directory seen (keyed "<instance>" and
// "<instance>/<shard>", checked by object name before use).
type proposalTrees struct {
	tree  plumbing.Hash // the root tree described; zero: none
	dir   string        // the directory props is (proposals)
	root  *gitobj.Tree
	props *gitobj.Tree // nil: no proposals directory
	inst  map[string]cachedProposalTree
	// spare are trees AddsOnly computed (gitobj.Tree.Reusable) and then
	// replaced in the cache: nothing holds them, so the next computed
	// trees are made in their memory (spareTrees of them at most).
	spare []*gitobj.Tree
}

// spareTrees bounds proposalTrees.spare: the four trees one entry
// computes, twice over.
const spareTrees = 8

// takeSpare returns a spare tree for gitobj.Tree.WithInto, or nil.
func (tc *proposalTrees) takeSpare() *gitobj.Tree {
	n := len(tc.spare)
	if n == 0 {
		return nil
	}
	t := tc.spare[n-1]
	tc.spare = tc.spare[:n-1]
	return t
}

// giveBack keeps trees the cache no longer holds as spares, those With
// made only: a tree read from the store may share its memory with the
// store's cache.
func (tc *proposalTrees) giveBack(trees ...*gitobj.Tree) {
	for _, t := range trees {
		if t.Reusable() && len(tc.spare) < spareTrees {
			tc.spare = append(tc.spare, t)
		}
	}
}

// subtree returns the directory named name in parent (nil: none, or no
// parent), through the cache under key when it holds that object.
func (tc *proposalTrees) subtree(read *FastReader, parent *gitobj.Tree, name, key string) (*gitobj.Tree, bool) {
	if parent == nil {
		return nil, true
	}
	j, found := parent.Lookup(name, true)
	if !found {
		return nil, true
	}
	h := parent.Hash(j)
	if ct, ok := tc.inst[key]; ok && ct.hash == h {
		return ct.tree, true
	}
	return read.tree(h)
}

// AddsOnly reports whether root tree tree, whose trees along the proposal
// path f holds (Read), is parentTree plus exactly the proposal file. False
// means "not shown", not "tampered": the caller falls back to a diff.
func (c *TreeCheck) AddsOnly(f *ProposalTree, parentTree, tree plumbing.Hash) bool {
	if !f.ok {
		return false
	}
	if parentTree.IsZero() {
		return false
	}
	read, dir, tc := c.read, f.dir, &c.trees
	if (tc.tree != parentTree || tc.dir != dir) && !tc.load(read, parentTree, dir) {
		return false
	}
	if f.hinted && f.root == nil {
		return c.computedAll(f, tree)
	}
	if h, ok := gitobj.ChangedOne(tc.root, f.root, dir, gitobj.ModeDir); !ok || h != f.propsHash {
		return false
	}
	old, ok := tc.subtree(read, tc.props, f.instance, f.instance)
	if !ok {
		return false
	}
	shardKey := f.instance + "/" + f.shard
	if f.hinted {
		// The lineage's and shard's trees computed from the parent's.
		if !c.computed(f, old, false) {
			return false
		}
	} else {
		if f.shard != "" {
			// The instance's tree changes in its shard's entry only, and
			// the shard's in the file's only.
			if h, ok := gitobj.ChangedOne(old, f.inst, f.shard, gitobj.ModeDir); !ok || h != f.shardHash {
				return false
			}
			if old, ok = tc.subtree(read, old, f.shard, shardKey); !ok {
				return false
			}
		}
		if h, ok := gitobj.ChangedOne(old, f.leaf, f.file, gitobj.ModeFile); !ok || h != f.blob {
			return false
		}
	}
	// proposals/ is the largest tree and changes on every entry: the
	// cache's version becomes the merge's in place.
	props, h, ok := tc.props.SpliceInPlace(f.propsRaw, f.instance, gitobj.ModeDir)
	if !ok || h != f.instHash {
		if ok {
			tc.tree, tc.props = plumbing.ZeroHash, nil // consumed: reload next time
		}
		return false
	}
	tc.tree, tc.root, tc.props = tree, f.root, props
	tc.inst[f.instance] = cachedProposalTree{hash: f.instHash, tree: f.inst}
	if f.shard != "" {
		tc.inst[shardKey] = cachedProposalTree{hash: f.shardHash, tree: f.leaf}
	}
	return true
}

// load makes the cache describe root tree h.
func (tc *proposalTrees) load(read *FastReader, h plumbing.Hash, dir string) bool {
	tc.tree = plumbing.ZeroHash
	root, ok := read.tree(h)
	if !ok {
		return false
	}
	var props *gitobj.Tree
	if i, found := root.Lookup(dir, true); found {
		if props, ok = read.tree(root.Hash(i)); !ok {
			return false
		}
	}
	tc.tree, tc.dir, tc.root, tc.props = h, dir, root, props
	return true
}
