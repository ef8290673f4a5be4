package gitstore

import (
	"errors"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// Sentinel errors of the gitstore package. They are always returned wrapped
// with context (which ref, commit or path); test for them with errors.Is.
var (
	// ErrNoRef means the named reference does not exist (for HEAD: the
	// branch it points to is unborn).
	ErrNoRef = errors.New("no such ref")

	// ErrRefMoved means a compare-and-swap lost: the ref no longer holds the
	// expected value. The caller must re-read and re-evaluate, never retry
	// blindly.
	ErrRefMoved = errors.New("ref moved")

	// ErrRefLocked means another writer held the ref's lock file for longer
	// than the lock timeout: a live writ process (named by its pid), or a
	// "<ref>.lock" that is still changing or too young to be judged
	// abandoned. It is transient: a lock left by a killed writer is
	// recovered by the next update (see reflock.go).
	ErrRefLocked = errors.New("ref locked")

	// ErrNotFound means an object or a path in a tree does not exist.
	ErrNotFound = errors.New("not found")

	// ErrNotRegular means a path in a tree is not a regular, non-executable
	// file (mode 100644): a symlink, an executable file or a submodule
	// (gitlink). writ never reads such an entry as a control-repo file.
	ErrNotRegular = errors.New("not a regular file (mode 100644)")

	// ErrInvalidPath means a path is not a clean, relative, slash-separated
	// path that git accepts (no "", ".", ".." or ".git" components).
	ErrInvalidPath = errors.New("invalid path")

	// ErrNotOnChain means the stop commit of a first-parent walk is not on
	// the first-parent chain of the start commit: for the WAL, history was
	// rewritten (or the caller passed the wrong commit).
	ErrNotOnChain = errors.New("not on first-parent chain")

	// ErrTooLarge means an object is over its size limit (MaxFileSize,
	// MaxCommitSize): it was refused from its header, without being read.
	// The error is a *TooLargeError.
	ErrTooLarge = gitobj.ErrTooLarge

	// ErrDiffTooLarge means a diff of two trees stopped at one of its
	// limits (MaxDiffEntries, MaxDiffDepth, MaxDiffPathBytes,
	// MaxDiffTreeBytes): the change is larger than any proposal's. The
	// error is a *DiffLimitError.
	ErrDiffTooLarge = errors.New("change too large")

	// ErrTooManyCommits means a branch walk given a limit
	// (BranchCommitsUntil) found more commits of the branch than that,
	// and stopped reading.
	ErrTooManyCommits = errors.New("too many commits")

	// ErrBadCheckpoint means the checkpoint ref points at a commit that is
	// not a well-formed checkpoint.
	ErrBadCheckpoint = errors.New("bad checkpoint")

	// ErrAuth means the remote demanded credentials writ did not have,
	// refused the ones it sent (HTTP 401), or refused them the operation
	// (HTTP 403). Retrying does not help: a human must give credentials
	// (see Credentials). The error says where the credentials came from,
	// never what they are.
	ErrAuth = errors.New("remote refused access")

	// ErrShallow means a read reached past the history of a shallow clone
	// (its .git/shallow lists commits whose parents it lacks). Fetch
	// deepens a shallow clone by itself; the error says what to do
	// otherwise (actions/checkout's fetch-depth: 0). It comes with
	// ErrNotFound.
	ErrShallow = errors.New("shallow clone")
)
