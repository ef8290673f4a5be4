package replay

import (
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// A WAL entry may only add its proposal file: its tree must be its first
// parent's plus proposals/<instance>/<name>.yaml (a goal action's:
// proposals/<lineage>/<shard>/<name>.yaml). A tree diff of the two
// (Store.ChangedFiles) says so, but it reads and decodes both trees along
// the path on every entry, and proposals/ grows with the log. Replay
// checks the same thing through gitstore.TreeCheck, which compares raw
// tree objects: the workers read the merge's trees along the path (Read),
// and the fold compares each with the first parent's (AddsOnly). Whatever
// that does not recognise falls back to the diff.

// splitPath splits a proposal path ParseProposalPath accepts,
// proposals/<instance>/<name>.yaml or a goal action's
// proposals/<lineage>/<shard>/<name>.yaml, into its directories and file
// name.
func splitPath(path string) ([]string, string, bool) {
	if _, _, _, err := schemas.ParseProposalPath(path); err != nil {
		return nil, "", false
	}
	dirs := strings.Split(path, "/")
	return dirs[:len(dirs)-1], dirs[len(dirs)-1], true
}

// checkTree fails unless the entry's tree is its first parent's plus the
// proposal file (rules entries may change governed paths too), every file it
// adds or changes being a regular file; a rules entry's ChangedFiles are
// set to that diff. When the raw
// comparison could not show it, the worker's tree facts are unproven:
// they are dropped.
func (r *replayer) checkTree(p *prepared, parentTree plumbing.Hash) error {
	rec := p.rec
	if rec.Entry.Kind != core.KindRules && r.fastTreeCheck(p, parentTree) {
		return nil
	}
	p.tree = gitstore.ProposalTree{}
	r.stats.TreeDiffs++
	// The entry's signature verified as the reconciler's (apply), which
	// wrote it within the diff limits: the diff is not bounded, so that
	// entries written before them replay as they did.
	changed, err := r.engine.Store.ChangedFilesTrusted(p.c.Parents[0], p.c.Hash)
	if err != nil {
		return fmt.Errorf("diff against main: %w", err)
	}
	if rec.Entry.Kind == core.KindRules {
		if err := checkRulesPaths(changed, rec.ProposalPath); err != nil {
			return err
		}
		// The governance policy's changed_files predicates judge what the
		// gate judged: every path the change adds, changes or removes
		// (intake.Pending.ChangedFiles), which is this diff.
		p.rec.Entry.ChangedFiles = changed
	} else if len(changed) != 1 || changed[0] != rec.ProposalPath {
		return fmt.Errorf("changes %v; a WAL entry may only add %s", changed, rec.ProposalPath)
	}
	if err := intake.RegularFiles(r.engine.Store, p.c.Hash, rec.ProposalPath, changed); err != nil {
		return fmt.Errorf("merges %w", err)
	}
	return nil
}

// fastTreeCheck reports whether the merge's tree is its first parent's
// (parentTree, zero when unknown) plus exactly the proposal file. False
// means "not shown", not "tampered": the caller falls back to a diff.
func (r *replayer) fastTreeCheck(p *prepared, parentTree plumbing.Hash) bool {
	if !p.tree.OK() {
		return false
	}
	if parentTree.IsZero() {
		h, err := r.treeOf(p.c.Parents[0])
		if err != nil {
			return false
		}
		parentTree = h
	}
	if !r.trees.AddsOnly(&p.tree, parentTree, p.c.Tree) {
		return false
	}
	if p.tree.Hinted() {
		r.stats.TreeHints++
	}
	return true
}

// treeOf returns the tree of commit h.
func (r *replayer) treeOf(h plumbing.Hash) (plumbing.Hash, error) {
	c, err := r.read.Commit(h)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read commit %s: %w", h, err)
	}
	return c.Tree, nil
}
