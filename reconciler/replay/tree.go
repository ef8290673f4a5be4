package replay

import (
	"bytes"
	"fmt"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/gitobj"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// A WAL entry may only add its proposal file: its tree must be its first
// parent's plus proposals/<instance>/<name>.yaml. A tree diff of the two
// (Store.ChangedFiles) says so, but it reads and decodes both trees along
// the path on every entry, and proposals/ grows with the log. Replay checks
// the same thing by comparing raw tree objects: the workers read the
// merge's three trees along the path, and the fold compares each with the
// first parent's, which it still holds from the entry before (only the
// instance's own tree may have to be read). Both trees are parsed and
// sorted, so "identical bytes except one entry" is exactly "the diff is
// that entry". Whatever this does not recognise falls back to the diff.

// treeFacts are the merge's trees along the proposal path, read ahead by a
// worker; ok is false when they could not be read or the path is not
// proposals/<instance>/<file>. proposals/ grows with the log, so the
// worker does not parse it: it finds the instance's entry by its bytes,
// a hint the fold then checks against the parent's parsed tree.
type treeFacts struct {
	ok                  bool
	instance, file      string
	root, inst          *gitobj.Tree
	propsRaw            []byte
	propsHash, instHash plumbing.Hash
	blob                plumbing.Hash
}

// splitPath splits proposals/<instance>/<name>.yaml into its directories
// and file name.
func splitPath(path string) ([]string, string, bool) {
	instance, name, _, err := schemas.ParseProposalPath(path)
	if err != nil {
		return nil, "", false
	}
	return []string{schemas.ProposalsDir, instance}, name + schemas.ProposalSuffix, true
}

func (r *replayer) treeFacts(c *commitView, path string) treeFacts {
	dirs, file, ok := splitPath(path)
	if !ok {
		return treeFacts{}
	}
	f := treeFacts{instance: dirs[1], file: file}
	if f.root, ok = r.read.tree(c.Tree); !ok {
		return treeFacts{}
	}
	i, found := f.root.Lookup(schemas.ProposalsDir, true)
	if !found {
		return treeFacts{}
	}
	f.propsHash = f.root.Hash(i)
	if f.propsRaw, ok = r.read.rawTree(f.propsHash); !ok {
		return treeFacts{}
	}
	// The entry "40000 <instance>\0<object>".
	var buf [128]byte
	entry := append(append(append(buf[:0], gitobj.ModeDir+" "...), f.instance...), 0)
	at := r.hints.find(f.propsRaw, f.instance, entry)
	if at < 0 || len(f.propsRaw) < at+len(entry)+20 {
		return treeFacts{}
	}
	copy(f.instHash[:], f.propsRaw[at+len(entry):])
	if f.inst, ok = r.read.tree(f.instHash); !ok {
		return treeFacts{}
	}
	j, found := f.inst.Lookup(file, false)
	if !found || f.inst.Mode(j) != gitobj.ModeFile {
		return treeFacts{}
	}
	f.blob, f.ok = f.inst.Hash(j), true
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

// checkTree fails unless the entry's tree is its first parent's plus the
// proposal file (rules entries may change the rules too), every file it
// adds or changes being a regular file. When the raw
// comparison could not show it, the worker's tree facts are unproven:
// they are dropped.
func (r *replayer) checkTree(p *prepared, parentTree plumbing.Hash) error {
	rec := p.rec
	if rec.Entry.Kind != core.KindRules && r.fastTreeCheck(p, parentTree) {
		return nil
	}
	p.tree = treeFacts{}
	r.stats.TreeDiffs++
	changed, err := r.engine.Store.ChangedFiles(p.c.Parents[0], p.c.Hash)
	if err != nil {
		return fmt.Errorf("diff against main: %w", err)
	}
	if rec.Entry.Kind == core.KindRules {
		return checkRulesPaths(changed, rec.ProposalPath)
	}
	if len(changed) != 1 || changed[0] != rec.ProposalPath {
		return fmt.Errorf("changes %v; a WAL entry may only add %s", changed, rec.ProposalPath)
	}
	if err := intake.RegularFiles(r.engine.Store, p.c.Hash, rec.ProposalPath, changed); err != nil {
		return fmt.Errorf("merges %w", err)
	}
	return nil
}

// cachedTree is a parsed tree and its name.
type cachedTree struct {
	hash plumbing.Hash
	tree *gitobj.Tree
}

// treeCache holds main's trees along the proposal paths as of one commit
// tree: the root, proposals/, and the last version of every instance's
// directory seen (checked by name before use).
type treeCache struct {
	tree  plumbing.Hash // the root tree described; zero: none
	root  *gitobj.Tree
	props *gitobj.Tree // nil: no proposals directory
	inst  map[string]cachedTree
}

// fastTreeCheck reports whether the merge's tree is its first parent's
// (parentTree, zero when unknown) plus exactly the proposal file. False
// means "not shown", not "tampered": the caller falls back to a diff.
func (r *replayer) fastTreeCheck(p *prepared, parentTree plumbing.Hash) bool {
	f := &p.tree
	if !f.ok {
		return false
	}
	if parentTree.IsZero() {
		h, err := r.treeOf(p.c.Parents[0])
		if err != nil {
			return false
		}
		parentTree = h
	}
	tc := &r.trees
	if tc.tree != parentTree && !tc.load(r.read, parentTree) {
		return false
	}
	if h, ok := gitobj.ChangedOne(tc.root, f.root, schemas.ProposalsDir, gitobj.ModeDir); !ok || h != f.propsHash {
		return false
	}
	var old *gitobj.Tree
	if tc.props != nil {
		if j, found := tc.props.Lookup(f.instance, true); found {
			h := tc.props.Hash(j)
			if ct, ok := tc.inst[f.instance]; ok && ct.hash == h {
				old = ct.tree
			} else if old, ok = r.read.tree(h); !ok {
				return false
			}
		}
	}
	if h, ok := gitobj.ChangedOne(old, f.inst, f.file, gitobj.ModeFile); !ok || h != f.blob {
		return false
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
	tc.tree, tc.root, tc.props = p.c.Tree, f.root, props
	tc.inst[f.instance] = cachedTree{hash: f.instHash, tree: f.inst}
	return true
}

// load makes the cache describe root tree h.
func (tc *treeCache) load(read *objectReader, h plumbing.Hash) bool {
	tc.tree = plumbing.ZeroHash
	root, ok := read.tree(h)
	if !ok {
		return false
	}
	var props *gitobj.Tree
	if i, found := root.Lookup(schemas.ProposalsDir, true); found {
		if props, ok = read.tree(root.Hash(i)); !ok {
			return false
		}
	}
	tc.tree, tc.root, tc.props = h, root, props
	return true
}

// treeOf returns the tree of commit h.
func (r *replayer) treeOf(h plumbing.Hash) (plumbing.Hash, error) {
	c, err := r.read.commit(h)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read commit %s: %w", h, err)
	}
	return c.Tree, nil
}
