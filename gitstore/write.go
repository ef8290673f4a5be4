package gitstore

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// CommitRequest describes one commit for WriteCommit.
type CommitRequest struct {
	// Parents in order; for a WAL entry, Parents[0] is the previous main and
	// Parents[1] the proposal's head (a reject entry has only Parents[0]).
	// Every parent must exist.
	Parents []plumbing.Hash
	// BaseTree is the tree the changes apply to. Zero means the tree of
	// Parents[0], or the empty tree when there are no parents. The empty
	// tree's own name is a base too, stored or not, as in git.
	BaseTree plumbing.Hash
	// Files adds or replaces regular files (mode 100644). Paths are
	// slash-separated and relative; missing directories are created, and a
	// file in the way of a new directory is replaced by it.
	Files map[string][]byte
	// Delete removes files or whole directories; each must exist in the
	// base tree and must not overlap a path in Files. Directories left empty
	// disappear, as in git.
	Delete []string
	// Message is the full commit message, stored verbatim.
	Message string
	// Author and Committer need a name, an email and a time after 1970.
	Author, Committer object.Signature
	// Signer signs the commit (gpgsig header) when not nil.
	Signer git.Signer
}

// WriteCommit writes the trees, blobs and commit object described by req
// and returns the commit's hash. It moves no refs: publish the commit with
// CompareAndSwap. Unchanged subtrees are reused, objects that already exist
// are not rewritten, and the result passes `git fsck --strict`. The same
// request gives the same hash (signatures aside: only deterministic signers,
// such as ed25519 SSH keys, give the same signed bytes).
//
// When Signer is set, it is called with the commit encoded without its
// signature, exactly the bytes git verifies, and its output is stored in
// the gpgsig header. The Store's mutex is not held while the signer runs.
func (s *Store) WriteCommit(req CommitRequest) (plumbing.Hash, error) {
	if err := sigCheck("author", req.Author); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write commit: %w", err)
	}
	if err := sigCheck("committer", req.Committer); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write commit: %w", err)
	}
	changes, err := planChanges(req.Files, req.Delete)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write commit: %w", err)
	}

	s.mu.Lock()
	tree, err := s.buildRootLocked(req, changes)
	s.mu.Unlock()
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write commit: %w", err)
	}

	c := &object.Commit{
		Author:       req.Author,
		Committer:    req.Committer,
		Message:      req.Message,
		TreeHash:     tree,
		ParentHashes: append([]plumbing.Hash(nil), req.Parents...),
	}
	if req.Signer != nil {
		unsigned := &plumbing.MemoryObject{}
		if err := c.EncodeWithoutSignature(unsigned); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("write commit: encode: %w", err)
		}
		r, err := unsigned.Reader()
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("write commit: %w", err)
		}
		sig, err := req.Signer.Sign(r)
		r.Close()
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("write commit: sign: %w", err)
		}
		if len(sig) == 0 || bytes.IndexByte(sig, 0) >= 0 {
			return plumbing.ZeroHash, fmt.Errorf("write commit: signer returned an empty or binary signature")
		}
		c.PGPSignature = string(sig)
	}
	o := &plumbing.MemoryObject{}
	if err := c.Encode(o); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write commit: encode: %w", err)
	}
	raw, err := readAllObject(o)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write commit: encode: %w", err)
	}
	if len(raw) > MaxCommitSize {
		// No Store would read it back.
		return plumbing.ZeroHash, fmt.Errorf("write commit: %w", &TooLargeError{Kind: "commit", Size: int64(len(raw)), Limit: MaxCommitSize})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, err := s.storeLocked(plumbing.CommitObject, raw)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write commit: %w", err)
	}
	return h, nil
}

// buildRootLocked checks the parents, finds the base tree and writes the
// new root tree.
func (s *Store) buildRootLocked(req CommitRequest, changes *dirChange) (plumbing.Hash, error) {
	base := req.BaseTree
	for i, p := range req.Parents {
		tree, err := s.commitTreeHashLocked(p)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("parent %d: %w", i, err)
		}
		if i == 0 && base.IsZero() {
			base = tree
		}
	}
	if !req.BaseTree.IsZero() {
		if _, err := s.treeLocked(req.BaseTree); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("base tree: %w", err)
		}
	}
	h, _, err := s.buildTreeLocked("", base, changes)
	return h, err
}

// dirChange is the set of changes below one directory.
type dirChange struct {
	files   map[string][]byte
	dirs    map[string]*dirChange
	deletes map[string]bool
}

func newDirChange() *dirChange {
	return &dirChange{files: map[string][]byte{}, dirs: map[string]*dirChange{}, deletes: map[string]bool{}}
}

// planChanges validates paths and arranges them by directory, refusing
// overlaps (a path that is both a file and a directory, or both written
// and deleted).
func planChanges(files map[string][]byte, deletes []string) (*dirChange, error) {
	root := newDirChange()
	touched := map[string]string{} // path -> "write"/"delete"/"dir"
	add := func(p, kind string) error {
		if err := ValidatePath(p); err != nil {
			return err
		}
		if prev, ok := touched[p]; ok {
			return fmt.Errorf("path %q: both %s and %s", p, prev, kind)
		}
		parts := strings.Split(p, "/")
		for i := 1; i < len(parts); i++ {
			dir := strings.Join(parts[:i], "/")
			if prev, ok := touched[dir]; ok && prev != "dir" {
				return fmt.Errorf("path %q: parent %q is also a %s", p, dir, prev)
			}
			touched[dir] = "dir"
		}
		touched[p] = kind
		return nil
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths) // deterministic error messages
	for _, p := range paths {
		if err := add(p, "write"); err != nil {
			return nil, err
		}
	}
	for _, p := range deletes {
		if err := add(p, "delete"); err != nil {
			return nil, err
		}
	}
	for p, kind := range touched {
		if kind == "dir" {
			continue
		}
		d := root
		parts := strings.Split(p, "/")
		for _, part := range parts[:len(parts)-1] {
			next, ok := d.dirs[part]
			if !ok {
				next = newDirChange()
				d.dirs[part] = next
			}
			d = next
		}
		name := parts[len(parts)-1]
		if kind == "write" {
			d.files[name] = files[p]
		} else {
			d.deletes[name] = true
		}
	}
	return root, nil
}

// buildTreeLocked applies ch to the tree base (zero = empty) below prefix
// and writes the result. It reports whether the result is empty; empty
// subtrees are dropped by the caller (the root is written anyway). The new
// tree is base's raw bytes with the changed entries spliced in
// (gitobj.Tree.Edit), so a change to one file of a directory of thousands
// costs a copy of the directory's bytes, not a decode and re-encode.
func (s *Store) buildTreeLocked(prefix string, base plumbing.Hash, ch *dirChange) (plumbing.Hash, bool, error) {
	t := emptyTree
	if !base.IsZero() {
		var err error
		if t, err = s.treeLocked(base); err != nil {
			return plumbing.ZeroHash, false, fmt.Errorf("%s: %w", displayDir(prefix), err)
		}
	}
	// lookup finds name of either kind; of two (which git fsck refuses),
	// the directory, as the builder has always kept the last.
	lookup := func(name string) (int, bool) {
		if i, ok := t.Lookup(name, true); ok {
			return i, true
		}
		return t.Lookup(name, false)
	}
	edits := make([]gitobj.Edit, 0, len(ch.deletes)+len(ch.files)+len(ch.dirs))
	for name := range ch.deletes {
		if _, ok := lookup(name); !ok {
			return plumbing.ZeroHash, false, fmt.Errorf("delete %s: %w", prefix+name, ErrNotFound)
		}
		edits = append(edits, gitobj.Edit{Name: name, Delete: true})
	}
	for name, content := range ch.files {
		h, err := s.storeLocked(plumbing.BlobObject, content)
		if err != nil {
			return plumbing.ZeroHash, false, fmt.Errorf("%s: %w", prefix+name, err)
		}
		edits = append(edits, gitobj.Edit{Name: name, Mode: gitobj.ModeFile, Hash: h})
	}
	for name, sub := range ch.dirs {
		var subBase plumbing.Hash
		i, ok := lookup(name)
		if ok && isDir(t, i) {
			subBase = t.Hash(i)
		} else if ok && len(sub.deletes) > 0 {
			return plumbing.ZeroHash, false, fmt.Errorf("delete below %s: not a directory: %w", prefix+name, ErrNotFound)
		}
		h, empty, err := s.buildTreeLocked(prefix+name+"/", subBase, sub)
		switch {
		case err != nil:
			return plumbing.ZeroHash, false, err
		case empty:
			edits = append(edits, gitobj.Edit{Name: name, Delete: true})
		default:
			edits = append(edits, gitobj.Edit{Name: name, Mode: gitobj.ModeDir, Hash: h})
		}
	}
	raw, err := t.Edit(edits)
	if err != nil {
		return plumbing.ZeroHash, false, fmt.Errorf("%s: %w", displayDir(prefix), err)
	}
	if len(raw) == 0 && prefix != "" {
		return plumbing.ZeroHash, true, nil
	}
	h, err := s.storeLocked(plumbing.TreeObject, raw)
	return h, len(raw) == 0, err
}

func displayDir(prefix string) string {
	if prefix == "" {
		return "root tree"
	}
	return strings.TrimSuffix(prefix, "/")
}

// sigCheck validates an author or committer so the commit passes git fsck.
func sigCheck(role string, sig object.Signature) error {
	if sig.Name == "" || sig.Email == "" {
		return fmt.Errorf("%s: name and email are required", role)
	}
	if strings.ContainsAny(sig.Name, "<>\n\x00") || strings.ContainsAny(sig.Email, "<>\n\x00") {
		return fmt.Errorf("%s %q <%s>: name and email must not contain '<', '>', newline or NUL", role, sig.Name, sig.Email)
	}
	if sig.Name != strings.TrimSpace(sig.Name) || sig.Email != strings.TrimSpace(sig.Email) {
		return fmt.Errorf("%s %q <%s>: leading or trailing whitespace", role, sig.Name, sig.Email)
	}
	if sig.When.IsZero() || sig.When.Unix() < 0 {
		return fmt.Errorf("%s %q: time must be set and after 1970", role, sig.Name)
	}
	return nil
}

// readAllObject reads an encoded object's content.
func readAllObject(o plumbing.EncodedObject) ([]byte, error) {
	r, err := o.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}
