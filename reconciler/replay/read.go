package replay

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/gitobj"
	"github.com/writ-dev/writ/gitstore/signing"
)

// objectReader reads what replay needs from the repository: the fast raw
// reader for the common case, the Store (go-git) for anything else, so
// every error a read can give is the Store's own. Safe for concurrent use.
type objectReader struct {
	store *gitstore.Store
	raw   *gitobj.Store
}

// commitView is a commit as replay uses it: the headers it checks, the
// message, and what its signature covers. Exactly one of raw and full is
// set.
type commitView struct {
	Hash    plumbing.Hash
	Tree    plumbing.Hash
	Parents []plumbing.Hash
	Message string
	raw     *gitobj.Commit
	full    *object.Commit
}

// commit reads and parses commit h.
func (r *objectReader) commit(h plumbing.Hash) (*commitView, error) {
	if r.raw != nil {
		if b, err := r.raw.ReadLimited(h, plumbing.CommitObject, gitstore.MaxCommitSize); err == nil {
			if c, err := gitobj.ParseCommit(b); err == nil {
				return &commitView{Hash: h, Tree: c.Tree, Parents: c.Parents, Message: c.Message, raw: c}, nil
			}
		}
	}
	c, err := r.store.Commit(h)
	if err != nil {
		return nil, err
	}
	return viewOf(c), nil
}

func viewOf(c *object.Commit) *commitView {
	return &commitView{Hash: c.Hash, Tree: c.TreeHash, Parents: c.ParentHashes, Message: c.Message, full: c}
}

// author decodes the commit's author.
func (c *commitView) author() object.Signature {
	if c.full != nil {
		return c.full.Author
	}
	var s object.Signature
	s.Decode(c.raw.Author)
	return s
}

// verify checks the commit's signature against ring exactly as
// signing.VerifyCommitSeen(c, ring, seen) does: the payload is the object
// without its gpgsig header, the claimed signing time the committer time,
// seen (zero: none) the time the caller attests, and errors name the
// commit.
func (c *commitView) verify(ring *signing.KeyRing, seen time.Time) (signing.Verified, error) {
	if c.full != nil {
		return signing.VerifyCommitSeen(c.full, ring, seen)
	}
	short := c.Hash.String()[:12]
	if c.raw.Signature == "" {
		return signing.Verified{}, fmt.Errorf("commit %s: %w", short, signing.ErrUnsigned)
	}
	var committer object.Signature
	committer.Decode(c.raw.Committer)
	v, err := signing.VerifyPayloadTimes(c.raw.Payload(), c.raw.Signature, ring, signing.Times{Claimed: committer.When, Seen: seen})
	if err != nil {
		return signing.Verified{}, fmt.Errorf("commit %s: %w", short, err)
	}
	return v, nil
}

// tree reads and parses tree h; ok is false when the fast reader cannot
// (the caller then takes the Store's slower path).
func (r *objectReader) tree(h plumbing.Hash) (*gitobj.Tree, bool) {
	if r.raw == nil {
		return nil, false
	}
	b, err := r.raw.ReadType(h, plumbing.TreeObject)
	if err != nil {
		return nil, false
	}
	t, err := gitobj.ParseTree(b)
	return t, err == nil
}

// rawTree reads tree h through the fast reader without parsing it.
func (r *objectReader) rawTree(h plumbing.Hash) ([]byte, bool) {
	if r.raw == nil {
		return nil, false
	}
	b, err := r.raw.ReadType(h, plumbing.TreeObject)
	return b, err == nil
}

// blob reads blob h, a proposal file, through the fast reader; one over
// gitstore.MaxFileSize is left to the Store's read, which says so.
func (r *objectReader) blob(h plumbing.Hash) ([]byte, bool) {
	if r.raw == nil {
		return nil, false
	}
	b, err := r.raw.ReadLimited(h, plumbing.BlobObject, gitstore.MaxFileSize)
	return b, err == nil
}

// lookup walks a slash-separated path of directories and a final file
// (mode 100644) down from tree root, returning the trees on the way and the
// file's blob.
func (r *objectReader) lookup(root plumbing.Hash, dirs []string, file string) ([]*gitobj.Tree, plumbing.Hash, bool) {
	trees := make([]*gitobj.Tree, 0, len(dirs)+1)
	h := root
	for i := 0; i <= len(dirs); i++ {
		t, ok := r.tree(h)
		if !ok {
			return nil, plumbing.ZeroHash, false
		}
		trees = append(trees, t)
		name, mode := file, gitobj.ModeFile
		if i < len(dirs) {
			name, mode = dirs[i], gitobj.ModeDir
		}
		j, found := t.Lookup(name, mode == gitobj.ModeDir)
		if !found || t.Mode(j) != mode {
			return nil, plumbing.ZeroHash, false
		}
		h = t.Hash(j)
	}
	return trees, h, true
}

// firstParents returns the first-parent chain from `from` back to, but
// excluding, `stop`, oldest first (a zero stop walks to the root). A stop
// that is not on the chain gives an error wrapping gitstore.ErrNotOnChain.
// It reads only each commit's headers.
func (r *objectReader) firstParents(from, stop plumbing.Hash) ([]plumbing.Hash, error) {
	chain, _, err := r.firstParentsVisit(from, stop, nil, false)
	return chain, err
}

// firstParentsVisit is firstParents, also calling visit (when not nil)
// with each commit as the walk passes it, newest first. With useGraph it
// takes each commit's first parent from the repository's commit-graph
// where that holds the commit (reading no object), and says whether it
// did: the chain is then a hint that the caller must check against the
// commits (the fold does; see foldRun.fromGraph).
func (r *objectReader) firstParentsVisit(from, stop plumbing.Hash, visit func(plumbing.Hash), useGraph bool) ([]plumbing.Hash, bool, error) {
	var chain []plumbing.Hash
	fromGraph := false
	// Commit names are hashes of their content, so parents read from the
	// commits cannot loop; a forged commit-graph's positions can. A
	// commit seen twice means the graph is wrong: walk without it.
	var seen map[plumbing.Hash]struct{}
	if useGraph && r.raw != nil {
		seen = map[plumbing.Hash]struct{}{}
	}
	for h := from; h != stop; {
		if h.IsZero() {
			return nil, false, fmt.Errorf("walk first parent from %s: stop %s: %w", from, stop, gitstore.ErrNotOnChain)
		}
		parent, hinted := plumbing.ZeroHash, false
		if seen != nil {
			if _, again := seen[h]; again {
				return r.firstParentsVisit(from, stop, nil, false)
			}
			seen[h] = struct{}{}
			parent, hinted = r.raw.FirstParentHint(h)
		}
		if !hinted {
			var err error
			if parent, err = r.firstParent(h); err != nil {
				return nil, false, fmt.Errorf("walk first parent: %w", err)
			}
		}
		fromGraph = fromGraph || hinted
		chain = append(chain, h)
		if visit != nil {
			visit(h)
		}
		h = parent
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return chain, fromGraph, nil
}

// firstParent returns the first parent of commit h (zero for a root
// commit), reading only its header when it can.
func (r *objectReader) firstParent(h plumbing.Hash) (plumbing.Hash, error) {
	if r.raw != nil {
		// The object's type is checked when the entry itself is read.
		if b, err := r.raw.ReadPrefix(h, 94); err == nil {
			// "tree <hex>\n" then "parent <hex>\n" or another header.
			var p plumbing.Hash
			if len(b) >= 46 && bytes.HasPrefix(b, []byte("tree ")) && b[45] == '\n' {
				rest := b[46:]
				if v, ok := bytes.CutPrefix(rest, []byte("parent ")); ok && len(v) > 40 && v[40] == '\n' {
					if _, err := hex.Decode(p[:], v[:40]); err == nil {
						return p, nil
					}
				} else if bytes.HasPrefix(rest, []byte("author ")) {
					return plumbing.ZeroHash, nil
				}
			}
		}
	}
	c, err := r.store.Commit(h)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if len(c.ParentHashes) == 0 {
		return plumbing.ZeroHash, nil
	}
	return c.ParentHashes[0], nil
}

// openReader uses the Store's fast reader, shared with the Store's own
// reads (and its cache of delta bases with them); without one (an unusual
// layout) every read goes through the Store.
func openReader(store *gitstore.Store) *objectReader {
	return &objectReader{store: store, raw: store.Objects()}
}
