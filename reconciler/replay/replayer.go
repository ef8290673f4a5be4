package replay

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
)

// Replayer verifies and folds a control repo's WAL (see Replay). It never
// writes.
type Replayer struct {
	Store *gitstore.Store
	// Progress, when set, is told how far a long replay has got.
	Progress func(done, total int)
	// Restored, when set, is told each checkpoint a replay restored after
	// checking its head and signature.
	Restored func(gitstore.Checkpoint)
}

// Sentinel errors; each is wrapped with the commit at fault.
var (
	// ErrTampered: the WAL does not verify (foreign commit, bad signature,
	// edited trailer, wrong state hash).
	ErrTampered = errors.New("wal does not verify")
	// ErrRewritten: the checkpoint is no longer on main's history.
	ErrRewritten = errors.New("history rewritten")
	// ErrForeign: main's first-parent history holds, after its last
	// verified entry, commits that no recovery entry quarantines (see
	// ForeignError).
	ErrForeign = errors.New("main holds commits writ did not write")
)

func (e *Replayer) setVerified(cp gitstore.Checkpoint) {
	if e.Restored != nil {
		e.Restored(cp)
	}
}

// mainHead returns main's head, or the zero hash when main has no commits.
func (e *Replayer) mainHead() (plumbing.Hash, error) {
	h, err := e.Store.Ref(gitstore.MainRef)
	if errors.Is(err, gitstore.ErrNoRef) {
		return plumbing.ZeroHash, nil
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read main: %w", err)
	}
	return h, nil
}

// FirstParents returns the first-parent chain from stop (exclusive; zero:
// the root) to from, oldest first; gitstore.ErrNotOnChain when stop is not
// on from's first-parent history.
func (e *Replayer) FirstParents(from, stop plumbing.Hash) ([]plumbing.Hash, error) {
	return e.Store.FastReader().FirstParents(from, stop)
}

func shortHash(h string) string {
	if len(h) > 7 {
		return h[:7]
	}
	return h
}
