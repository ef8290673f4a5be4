package reconciler

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/outcome"
	"github.com/writ-dev/writ/reconciler/replay"
)

// entryParents returns the parents of the entry a gate result becomes:
// main and the proposal's head for an applied proposal (its signed
// commits stay reachable from main), main alone for a rejection, so that
// a rejected proposal's head never becomes part of main (a forge would
// show its pull request merged). A rejection's commits are kept under
// replay.RejectedRef instead (rejectedRefs).
func entryParents(main plumbing.Hash, g intake.GateResult) []plumbing.Hash {
	if g.Entry.Kind == core.KindReject {
		return []plumbing.Hash{main}
	}
	return []plumbing.Hash{main, g.Pending.Head}
}

// rejectedRefs returns, for the reject entries of a batch, the refs that
// keep their proposals' commits: replay.RejectedRef(path) → head.
func rejectedRefs(batch []outcome.Applied) (map[string]plumbing.Hash, error) {
	var out map[string]plumbing.Hash
	for _, a := range batch {
		g := a.Gate
		if g.Entry.Kind != core.KindReject {
			continue
		}
		ref, err := replay.RejectedRef(g.Pending.Path)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]plumbing.Hash{}
		}
		out[ref] = g.Pending.Head
	}
	return out, nil
}

// keepRejected points the local refs of refs at their commits, so that
// the local repository keeps the rejected proposals' commits whatever
// happens to their branches.
func (e *Engine) keepRejected(refs map[string]plumbing.Hash) error {
	for ref, head := range refs {
		cur, err := e.Store.Ref(ref)
		switch {
		case errors.Is(err, gitstore.ErrNoRef):
			cur = plumbing.ZeroHash
		case err != nil:
			return fmt.Errorf("keep rejected proposal %s: %w", ref, err)
		case cur == head:
			continue
		}
		if err := e.Store.CompareAndSwap(ref, cur, head); err != nil {
			return fmt.Errorf("keep rejected proposal %s: %w", ref, err)
		}
	}
	return nil
}
