package gitstore

import (
	"sync"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// Reading a goal action's lineage and shard trees out of the pack is what
// grew with a long lineage: git stores the newest version of a tree whole
// and older ones as deltas towards it, so reading history oldest-first
// rebuilds a delta chain per read, and a lineage's 256 shards interleave.
// A goal action file is only ever added, so the tree of a later commit
// (the tip being replayed) names the blob the entry adds; with it the fold
// computes what the entry's lineage and shard trees must be (its parent's
// plus that file) and compares the lineage tree's object name with the one
// the merge's proposals/ tree records. Equal names are equal trees, so the
// check proves what reading both trees did; a hint that does not hold (the
// file changed later, or is gone) only makes the check fail over to
// reading.

// HintFrom makes Read take a goal action file's blob from root tree tip (a
// later tree of the same log, normally the head being replayed) instead of
// reading the merge's lineage and shard trees; AddsOnly then checks it by
// computing those trees. A zero tip turns hints off. Call it before Read.
// The tip may be a commit anyone with push access wrote: its trees are
// read once per object, however many names it gives one, and at most
// MaxHintTreeBytes of them in all; past that, hints stop and Read takes
// the trees of the merge itself.
func (tc *TreeCheck) HintFrom(tip plumbing.Hash) {
	tc.tip.mu.Lock()
	defer tc.tip.mu.Unlock()
	tc.tip.root, tc.tip.loaded, tc.tip.props = tip, false, nil
	tc.tip.dirs, tc.tip.read, tc.tip.full = map[plumbing.Hash]*gitobj.Tree{}, 0, false
}

// tipTrees holds the tip's trees along goal action paths, each read once:
// proposals/ and every lineage and shard tree asked for, keyed by object
// name (one object under many names is one tree). Safe for concurrent use.
type tipTrees struct {
	mu     sync.Mutex
	root   plumbing.Hash // zero: no hints
	loaded bool          // props read (or found missing)
	props  *gitobj.Tree
	dir    string
	dirs   map[plumbing.Hash]*gitobj.Tree
	read   int  // raw tree bytes read since HintFrom, props included
	full   bool // read reached hintTreeBytes: no more hints
}

// hintTreeBytes is MaxHintTreeBytes, a variable so that tests reach it.
var hintTreeBytes = MaxHintTreeBytes

// smallProps bounds the proposals/ tree whose every version AddsOnly
// computes (hashes) rather than compares with the merge's as read: for a
// larger one (a log of many instances) the merge's root and proposals/
// trees are read, and only the lineage's and shard's computed. (A
// variable so that tests take both ways.)
var smallProps = 64 << 10

// blob returns the blob the tip holds at dir/instance/shard/file, if any,
// and whether the tip's proposals/ tree is small (smallProps).
func (t *tipTrees) blob(read *FastReader, dir, instance, shard, file string) (h plumbing.Hash, small, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.root.IsZero() || t.full {
		return plumbing.ZeroHash, false, false
	}
	if !t.loaded || t.dir != dir {
		t.loaded, t.dir, t.props = true, dir, nil
		clear(t.dirs)
		root, ok := t.tree(read, t.root)
		if !ok {
			return plumbing.ZeroHash, false, false
		}
		if i, found := root.Lookup(dir, true); found {
			t.props, _ = t.tree(read, root.Hash(i))
		}
	}
	inst := t.dir1(read, t.props, instance)
	leaf := t.dir1(read, inst, shard)
	if leaf == nil {
		return plumbing.ZeroHash, false, false
	}
	j, found := leaf.Lookup(file, false)
	if !found || leaf.Mode(j) != gitobj.ModeFile {
		return plumbing.ZeroHash, false, false
	}
	return leaf.Hash(j), t.props != nil && len(t.props.Raw()) <= smallProps, true
}

// dir1 returns directory name of parent (nil: none, or not read), each
// object read once.
func (t *tipTrees) dir1(read *FastReader, parent *gitobj.Tree, name string) *gitobj.Tree {
	if parent == nil {
		return nil
	}
	i, found := parent.Lookup(name, true)
	if !found {
		return nil
	}
	h := parent.Hash(i)
	if d, ok := t.dirs[h]; ok {
		return d
	}
	d, _ := t.tree(read, h)
	if d != nil {
		t.dirs[h] = d
	}
	return d
}

// tree reads tree h, counting its bytes against hintTreeBytes; past
// that it sets full and returns false.
func (t *tipTrees) tree(read *FastReader, h plumbing.Hash) (*gitobj.Tree, bool) {
	if t.full {
		return nil, false
	}
	d, ok := read.tree(h)
	if !ok {
		return nil, false
	}
	if t.read += len(d.Raw()); t.read > hintTreeBytes {
		t.full, t.props = true, nil
		clear(t.dirs)
		return nil, false
	}
	return d, true
}

// computed completes f, whose lineage and shard trees were not read (a
// hinted blob), from the parent's: the shard is the parent's shard plus
// the file, the lineage the parent's lineage with that shard. It reports
// whether the lineage tree so computed is the one the merge's proposals/
// records (f.instHash), or with setInst sets f.instHash to it, left for
// the caller to check further up.
func (c *TreeCheck) computed(f *ProposalTree, oldInst *gitobj.Tree, setInst bool) bool {
	tc := &c.trees
	oldLeaf, ok := tc.subtree(c.read, oldInst, f.shard, f.instance+"/"+f.shard)
	if !ok {
		return false
	}
	leaf, ok := oldLeaf.WithInto(tc.takeSpare(), f.file, gitobj.ModeFile, f.blob)
	if !ok {
		return false
	}
	shardHash := gitobj.TreeHash(leaf.Raw())
	inst, ok := oldInst.WithInto(tc.takeSpare(), f.shard, gitobj.ModeDir, shardHash)
	if !ok {
		return false
	}
	if h := gitobj.TreeHash(inst.Raw()); setInst {
		f.instHash = h
	} else if h != f.instHash {
		return false
	}
	f.inst, f.leaf, f.shardHash = inst, leaf, shardHash
	return true
}

// computedAll checks an entry whose blob was hinted and whose trees were
// not read at all: from the parent's trees it computes the shard, the
// lineage, proposals/ and the root the entry must have, and reports
// whether that root is tree. Then f and the cache describe tree.
func (c *TreeCheck) computedAll(f *ProposalTree, tree plumbing.Hash) bool {
	tc := &c.trees
	oldInst, ok := tc.subtree(c.read, tc.props, f.instance, f.instance)
	if !ok {
		return false
	}
	if !c.computed(f, oldInst, true) {
		return false
	}
	props, ok := tc.props.WithInto(tc.takeSpare(), f.instance, gitobj.ModeDir, f.instHash)
	if !ok {
		return false
	}
	f.propsHash = gitobj.TreeHash(props.Raw())
	root, ok := tc.root.WithInto(tc.takeSpare(), f.dir, gitobj.ModeDir, f.propsHash)
	if !ok || gitobj.TreeHash(root.Raw()) != tree {
		return false
	}
	f.root = root
	instKey, shardKey := f.instance, f.instance+"/"+f.shard
	replaced := []*gitobj.Tree{tc.root, tc.props, tc.inst[instKey].tree, tc.inst[shardKey].tree}
	tc.tree, tc.root, tc.props = tree, root, props
	tc.inst[instKey] = cachedProposalTree{hash: f.instHash, tree: f.inst}
	tc.inst[shardKey] = cachedProposalTree{hash: f.shardHash, tree: f.leaf}
	// The trees these replaced are held by nothing now (a ProposalTree's
	// trees are AddsOnly's alone, and its entry is done with them).
	tc.giveBack(replaced...)
	return true
}
