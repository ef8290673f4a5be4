package reconciler

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/outcome"
	"github.com/writ-dev/writ/reconciler/replay"
)

// entryParents returns the parents of the entry a gate result becomes:
// main and the proposal's head for an applied proposal (its signed
// commits stay reachable from main), main alone for a rejection or a
// withdrawal (core.EntryKind.Closes), so that such a proposal's head never
// becomes part of main (a forge would show its pull request merged). Its
// commits are kept under replay.ClosedRef instead (rejectedRefs).
func entryParents(main plumbing.Hash, g intake.GateResult) []plumbing.Hash {
	if g.Entry.Kind.Closes() {
		return []plumbing.Hash{main}
	}
	return []plumbing.Hash{main, g.Pending.Head}
}

// entryFiles returns the files the entry a gate result becomes adds to and
// deletes from main: everything the proposal changes when it applies, only
// its proposal file when the entry closes it (reject, withdraw), so that
// a rule change that is closed changes no rules on main.
func entryFiles(g intake.GateResult) (map[string][]byte, []string) {
	if !g.Entry.Kind.Closes() {
		return g.Pending.Files, g.Pending.Deleted
	}
	raw, ok := g.Pending.Files[g.Pending.Path]
	if !ok {
		return nil, nil
	}
	return map[string][]byte{g.Pending.Path: raw}, nil
}

// rejectedRefs returns, for the reject and withdraw entries of a batch,
// the refs that keep their proposals' commits: replay.ClosedRef(kind,
// path) → head.
func rejectedRefs(batch []outcome.Applied) (map[string]plumbing.Hash, error) {
	var out map[string]plumbing.Hash
	for _, a := range batch {
		g := a.Gate
		if !g.Entry.Kind.Closes() {
			continue
		}
		ref, err := replay.ClosedRef(g.Entry.Kind, g.Pending.Path)
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
// happens to their branches. It returns what each ref held before (the
// zero hash: absent), for unkeepRejected.
func (e *Engine) keepRejected(refs map[string]plumbing.Hash) (map[string]plumbing.Hash, error) {
	prev := make(map[string]plumbing.Hash, len(refs))
	for ref, head := range refs {
		cur, err := e.Store.Ref(ref)
		switch {
		case errors.Is(err, gitstore.ErrNoRef):
			cur = plumbing.ZeroHash
		case err != nil:
			return prev, fmt.Errorf("keep rejected proposal %s: %w", ref, err)
		case cur == head:
			continue
		}
		if err := e.Store.CompareAndSwap(ref, cur, head); err != nil {
			return prev, fmt.Errorf("keep rejected proposal %s: %w", ref, err)
		}
		prev[ref] = cur
	}
	return prev, nil
}

// unkeepRejected puts back the refs keepRejected moved (prev, what they
// held before; refs, what it set) when their entries were not published:
// an evidence ref names the head its entry judged, and replay refuses an
// entry that a present evidence ref contradicts, so a ref left by a push
// that lost the race would contradict the winner's entry for the same
// proposal. A ref moved since is left alone. Failing is a note.
func (e *Engine) unkeepRejected(prev, refs map[string]plumbing.Hash) error {
	created := map[string]plumbing.Hash{}
	var errs []error
	for ref, old := range prev {
		if old.IsZero() {
			created[ref] = refs[ref]
			continue
		}
		if err := e.Store.CompareAndSwap(ref, refs[ref], old); err != nil {
			errs = append(errs, err)
		}
	}
	if len(created) > 0 {
		if _, err := e.Store.DeleteRefs(created); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("put back the evidence refs of an unpublished batch (delete them if they name another head than main's entries): %w", err)
	}
	return nil
}

// followRemoteEvidence points each local evidence ref (refs/writ/rejected/,
// refs/writ/withdrawn/) that the remote also holds, at another commit, at
// the remote's (fetched under refs/writ/remotes/<remote>/): the remote's
// evidence refs name the heads of the entries on its main and are never
// moved, while a local one that differs was left by a run that stopped
// before it published (see unkeepRejected) and would contradict the
// remote's entry. Local refs the remote lacks are left alone. Failing is
// a note.
func (e *Engine) followRemoteEvidence(remote string) error {
	var errs []error
	for _, dir := range []string{"rejected/", "withdrawn/"} {
		tracking := "refs/writ/remotes/" + remote + "/" + dir
		theirs, err := e.Store.RefsUnder(tracking)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(theirs) == 0 {
			continue
		}
		ours, err := e.Store.RefsUnder("refs/writ/" + dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for name, h := range theirs {
			local := "refs/writ/" + dir + strings.TrimPrefix(name, tracking)
			if cur, ok := ours[local]; ok && cur != h {
				if err := e.Store.CompareAndSwap(local, cur, h); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("follow the evidence refs of remote %s: %w", remote, err)
	}
	return nil
}
