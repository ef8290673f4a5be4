package gitstore

import (
	"bytes"
	"encoding/hex"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// FastReader reads what replay needs from the repository: the fast raw
// reader for the common case, the Store (go-git) for anything else, so
// every error a read can give is the Store's own. Safe for concurrent use.
type FastReader struct {
	store *Store
	raw   *gitobj.Store
}

// CommitView is a commit as replay uses it: the headers it checks, the
// message, and what its signature covers. Exactly one of raw and full is
// set.
type CommitView struct {
	Hash    plumbing.Hash
	Tree    plumbing.Hash
	Parents []plumbing.Hash
	Message string
	raw     *gitobj.Commit
	full    *object.Commit
}

// Commit reads and parses commit h: from its raw bytes when it can, else
// through the Store (whose errors it then gives).
func (r *FastReader) Commit(h plumbing.Hash) (*CommitView, error) {
	if r.raw != nil {
		if b, err := r.raw.ReadLimited(h, plumbing.CommitObject, MaxCommitSize); err == nil {
			if c, err := gitobj.ParseCommit(b); err == nil {
				return &CommitView{Hash: h, Tree: c.Tree, Parents: c.Parents, Message: c.Message, raw: c}, nil
			}
		}
	}
	c, err := r.store.Commit(h)
	if err != nil {
		return nil, err
	}
	return ViewOf(c), nil
}

func ViewOf(c *object.Commit) *CommitView {
	return &CommitView{Hash: c.Hash, Tree: c.TreeHash, Parents: c.ParentHashes, Message: c.Message, full: c}
}

// Author decodes the commit's author.
func (c *CommitView) Author() object.Signature {
	if c.full != nil {
		return c.full.Author
	}
	var s object.Signature
	s.Decode(c.raw.Author)
	return s
}

// Decoded returns the commit as go-git decoded it, or nil when it was
// read from its raw bytes (then Signed gives what its signature covers).
func (c *CommitView) Decoded() *object.Commit { return c.full }

// Signed returns, for a commit read from its raw bytes, what its
// signature covers (the object without its gpgsig header), the signature
// ("" when unsigned) and the committer, whose time is the claimed signing
// time. ok is false for a commit go-git decoded (see Decoded).
func (c *CommitView) Signed() (payload []byte, signature string, committer object.Signature, ok bool) {
	if c.raw == nil {
		return nil, "", object.Signature{}, false
	}
	committer.Decode(c.raw.Committer)
	return c.raw.Payload(), c.raw.Signature, committer, true
}

// tree reads and parses tree h; ok is false when the fast reader cannot
// (the caller then takes the Store's slower path).
func (r *FastReader) tree(h plumbing.Hash) (*gitobj.Tree, bool) {
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
func (r *FastReader) rawTree(h plumbing.Hash) ([]byte, bool) {
	if r.raw == nil {
		return nil, false
	}
	b, err := r.raw.ReadType(h, plumbing.TreeObject)
	return b, err == nil
}

// Blob reads blob h, a proposal file, through the fast reader; one over
// MaxFileSize is left to the Store's read, which says so.
func (r *FastReader) Blob(h plumbing.Hash) ([]byte, bool) {
	if r.raw == nil {
		return nil, false
	}
	b, err := r.raw.ReadLimited(h, plumbing.BlobObject, MaxFileSize)
	return b, err == nil
}

// Lookup walks directories dirs and a final file (mode 100644) down from
// tree root through the fast reader, returning the file's blob; ok is false
// when it cannot (the caller then reads through the Store).
func (r *FastReader) Lookup(root plumbing.Hash, dirs []string, file string) (plumbing.Hash, bool) {
	_, h, ok := r.lookup(root, dirs, file)
	return h, ok
}

func (r *FastReader) lookup(root plumbing.Hash, dirs []string, file string) ([]*gitobj.Tree, plumbing.Hash, bool) {
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

// FirstParents returns the first-parent chain from `from` back to, but
// excluding, `stop`, oldest first (a zero stop walks to the root). A stop
// that is not on the chain gives an error wrapping ErrNotOnChain.
// It reads only each commit's headers.
func (r *FastReader) FirstParents(from, stop plumbing.Hash) ([]plumbing.Hash, error) {
	chain, _, err := r.FirstParentsVisit(from, stop, nil, false)
	return chain, err
}

// FirstParentsVisit is FirstParents, also calling visit (when not nil)
// with each commit as the walk passes it, newest first. With useGraph it
// takes each commit's first parent from the repository's commit-graph
// where that holds the commit (reading no object), and says whether it
// did: the chain is then a hint that the caller must check against the
// commits (replay's fold does).
func (r *FastReader) FirstParentsVisit(from, stop plumbing.Hash, visit func(plumbing.Hash), useGraph bool) ([]plumbing.Hash, bool, error) {
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
			return nil, false, fmt.Errorf("walk first parent from %s: stop %s: %w", from, stop, ErrNotOnChain)
		}
		parent, hinted := plumbing.ZeroHash, false
		if seen != nil {
			if _, again := seen[h]; again {
				return r.FirstParentsVisit(from, stop, nil, false)
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
func (r *FastReader) firstParent(h plumbing.Hash) (plumbing.Hash, error) {
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

// FastReader returns the Store's fast reader, shared with the Store's own
// reads (and its cache of delta bases with them); without one (an unusual
// layout) every read goes through go-git.
func (s *Store) FastReader() *FastReader {
	return &FastReader{store: s, raw: s.raw}
}

// IsRaw reports whether the commit was read from its raw bytes (not
// through go-git).
func (c *CommitView) IsRaw() bool { return c.raw != nil }

// PlainReader is a FastReader that reads every object through go-git (the
// Store's own reads), as when the Store has no fast reader.
func (s *Store) PlainReader() *FastReader { return &FastReader{store: s} }
