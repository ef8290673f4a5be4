package gitstore

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// Size limits on what a Store reads from a repository others push to.
// Each is checked from the object's header before the object is inflated
// (gitobj.Store.ReadLimited, which bounds the delta bases it is rebuilt
// from too; go-git's EncodedObjectSize where gitobj does not serve the
// read), so an object over its limit costs a few kilobytes to refuse,
// however large it is.
const (
	// MaxFileSize bounds a file ReadFile reads: a proposal, a rules file,
	// any file writ reads from a control repository. It equals
	// schemas.MaxFileSize, the largest file the loader accepts.
	MaxFileSize = 1 << 20
	// MaxCommitSize bounds a commit or tag object: headers, signature and
	// message. A WAL entry carries one proposal (at most MaxFileSize of
	// YAML) as canonical JSON on one line, at most about twice its size,
	// so writ never writes a larger commit, and WriteCommit refuses to.
	MaxCommitSize = 4 << 20
	// MaxTreeSize bounds a tree object. The largest tree of a control
	// repository is proposals/, about 40 bytes per instance: 64 MiB holds
	// well over a million instances.
	MaxTreeSize = 64 << 20
)

// Limits on the work of a diff of trees others push (ChangedFiles,
// ChangedEntriesWhere): a proposal's commit, a pull request's, a decision
// commit, a fork's head. A tree names its subtrees by hash, so a few
// kilobytes of objects can reuse one subtree under 128 names at each of
// four levels: 268 million paths. Skipping identical subtrees does not
// help (the attacker's are all new), so the walk counts what it visits
// and stops at the first limit with a *DiffLimitError (ErrDiffTooLarge).
// A proposal adds one file and a rule change a few; the limits leave
// ample headroom for both. Diffs of trees writ wrote or verified (main's
// entries, syncing a working tree) are not bounded (ChangedFilesTrusted).
const (
	// MaxDiffEntries bounds the tree entries (files and directories) a
	// diff visits below the root that differ, or that lie below a
	// directory only one side has.
	MaxDiffEntries = 10000
	// MaxDiffDepth bounds how many directory levels a changed path has.
	MaxDiffDepth = 64
	// MaxDiffPathBytes bounds the length of a changed path (Linux's
	// PATH_MAX), so that the paths a diff returns stay under
	// MaxDiffEntries times this.
	MaxDiffPathBytes = 4096
	// MaxDiffTreeBytes bounds the raw tree objects a diff reads and
	// compares, both sides and the roots included, counted each time one
	// is read: a subtree of 64 MiB reused under many names otherwise costs
	// 64 MiB per name. main's proposals/ (at most MaxTreeSize) and its
	// counterpart fit twice over.
	MaxDiffTreeBytes = 4 * MaxTreeSize
	// MaxProposalTreeBytes bounds the raw tree objects all the diffs and
	// lookups of one proposal's commits read together (DiffBudget): each
	// diff of a proposal's commit reads main's proposals/ on both sides,
	// so a proposal of several commits on a large main fits, and one of
	// many commits that each read up to MaxDiffTreeBytes does not.
	MaxProposalTreeBytes = 4 * MaxDiffTreeBytes
)

// MaxHintTreeBytes bounds the raw tree objects a TreeCheck reads from
// the later tree it takes goal action files' blobs from (HintFrom), and
// keeps for the whole fold. That tree may be a commit anyone with push
// access wrote, so its trees are read once per object and at most this
// many bytes of them; past it the hints stop and each entry's own trees
// are read, as without hints. A log's proposals/ and lineage and shard
// trees (at most MaxTreeSize for proposals/) fit in it.
const MaxHintTreeBytes = 2 * MaxTreeSize

// limitFor returns the limit on objects of type t read through the
// Store's object storage (0: none; blobs are bounded per read, see
// ReadFile).
func limitFor(t plumbing.ObjectType) int64 {
	switch t {
	case plumbing.CommitObject, plumbing.TagObject:
		return MaxCommitSize
	case plumbing.TreeObject:
		return MaxTreeSize
	}
	return 0
}

// TooLargeError is an object refused from its header for being over its
// limit. It wraps ErrTooLarge. The caller names the object (a path, a
// commit).
type TooLargeError struct {
	// Kind says what the limit is for: "file", "commit".
	Kind  string
	Size  int64
	Limit int64
	// Base: Size is that of a delta or delta base the object is rebuilt
	// from (see gitobj.TooLargeError), not the object's own.
	Base bool
}

func (e *TooLargeError) Error() string {
	if e.Base {
		return fmt.Sprintf("stored as a delta of an object of %d bytes, over the %s limit for the bases of a %s; repack the repository (git repack -adf)",
			e.Size, sizeText(e.Limit), e.Kind)
	}
	return fmt.Sprintf("%d bytes, over the %s limit for a %s; shrink it or split it", e.Size, sizeText(e.Limit), e.Kind)
}

func (e *TooLargeError) Unwrap() error { return ErrTooLarge }

// sizeText renders a limit: "1 MiB", or bytes when not whole mebibytes.
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// tooLarge turns gitobj's refusal into the Store's, for a kind of object;
// nil when err is not one.
func tooLarge(err error, kind string) *TooLargeError {
	var tl *gitobj.TooLargeError
	if !errors.As(err, &tl) {
		return nil
	}
	return &TooLargeError{Kind: kind, Size: tl.Size, Limit: tl.Limit, Base: tl.Base}
}

// checkSizeLocked checks object h against limit from its header through
// go-git (EncodedObjectSize reads only the header, and for a delta the
// delta's), for reads gitobj does not serve. An object whose size cannot
// be read is left to the read that follows.
func (s *Store) checkSizeLocked(h plumbing.Hash, kind string, limit int64) error {
	sizer, ok := s.repo.Storer.(interface {
		EncodedObjectSize(plumbing.Hash) (int64, error)
	})
	if o, isOurs := s.repo.Storer.(*objectStorage); isOurs {
		sizer, ok = o.Storage, true // not objectStorage's, which reads the object
	}
	if !ok {
		return nil
	}
	if n, err := sizer.EncodedObjectSize(h); err == nil && n > limit {
		return &TooLargeError{Kind: kind, Size: n, Limit: limit}
	}
	return nil
}
