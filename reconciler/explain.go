package reconciler

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/audit"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/plan"
	"github.com/writ-dev/writ/reconciler/replay"
	"github.com/writ-dev/writ/schemas"
)

// ErrAmbiguous: a name `writ show` is given names both a proposal and a
// WAL entry.
var ErrAmbiguous = errors.New("ambiguous")

// ShowTarget says what a `writ show` argument names: a proposal (Proposal
// true) or the WAL entry Entry.
type ShowTarget struct {
	Proposal bool
	Entry    plumbing.Hash
}

// ResolveShow decides what arg names. A proposal is named by its branch:
// INSTANCE/NAME or proposals/INSTANCE/NAME (a slash in it, a proposal
// branch of that name existing: local, or on a remote in a clone). A WAL entry is any revision git
// resolves (a full or abbreviated hash, main~2, a tag) to a commit on
// main's first-parent history. An argument that names both is refused
// with ErrAmbiguous (give the entry's full hash, or the proposal as
// proposals/INSTANCE/NAME when the hash is what collides); one that names
// neither is an error saying why each reading failed.
func (e *Engine) ResolveShow(arg string) (ShowTarget, error) {
	proposal := false
	if strings.Contains(arg, "/") {
		_, err := e.reader().ProposalRef(arg)
		proposal = err == nil
	}
	entry, entryErr := e.EntryCommit(arg)
	switch {
	case proposal && entryErr == nil:
		return ShowTarget{}, fmt.Errorf("%w: %q names both the proposal branch %s%s and the WAL entry %s; "+
			"to show the entry, give its full hash (%s)", ErrAmbiguous, arg, schemas.ProposalBranchPrefix,
			strings.TrimPrefix(arg, schemas.ProposalBranchPrefix), entry, entry)
	case proposal:
		return ShowTarget{Proposal: true}, nil
	case entryErr == nil:
		return ShowTarget{Entry: entry}, nil
	case strings.Contains(arg, "/"):
		return ShowTarget{}, fmt.Errorf("%q is neither a proposal (no branch %s%s) nor a WAL entry (%v)",
			arg, schemas.ProposalBranchPrefix, strings.TrimPrefix(strings.TrimSuffix(arg, schemas.ProposalSuffix), schemas.ProposalBranchPrefix), entryErr)
	}
	return ShowTarget{}, fmt.Errorf("%q is not a proposal (a proposal is named INSTANCE/NAME) nor a WAL entry: %w", arg, entryErr)
}

// EntryCommit resolves rev to a commit on main's first-parent history
// (the WAL); its error says which of the two failed.
func (e *Engine) EntryCommit(rev string) (plumbing.Hash, error) {
	h, err := e.Store.ResolveRevision(rev)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("git does not resolve %q to a commit: %w", rev, err)
	}
	main, err := e.Store.Ref(gitstore.MainRef)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read main: %w", err)
	}
	if h == main {
		return h, nil
	}
	if _, err := e.Store.FastReader().FirstParents(main, h); err != nil {
		if errors.Is(err, gitstore.ErrNotOnChain) {
			return plumbing.ZeroHash, fmt.Errorf("commit %s is not on main's first-parent history, so it is not a WAL entry "+
				"(a proposal or decision commit is shown with its proposal: writ show INSTANCE/NAME)", h)
		}
		return plumbing.ZeroHash, fmt.Errorf("walk main: %w", err)
	}
	return h, nil
}

// ExplainEntry replays and verifies main up to WAL entry h (a commit on
// main's first-parent history, see EntryCommit) and returns the entry as
// replay verified it with the state before it. It reads the repository
// alone (a clone, offline) and checks the whole history up to h, not the
// checkpoint; an h that does not verify is an error saying so (a foreign
// commit wraps ErrForeign).
func (e *Engine) ExplainEntry(h plumbing.Hash) (Verified, core.State, error) {
	var (
		found  bool
		v      Verified
		before core.State
	)
	_, err := e.Replay(ReplayOptions{Head: h, IgnoreCheckpoint: true, OnApply: func(s core.State, got Verified) {
		if got.Commit == h {
			found, v, before = true, got, s
		}
	}})
	switch {
	case err != nil && !found:
		return Verified{}, core.State{}, fmt.Errorf("entry %s does not verify: %w", h, err)
	case err != nil:
		return Verified{}, core.State{}, err
	case !found:
		return Verified{}, core.State{}, fmt.Errorf("entry %s: replay did not reach it", h)
	}
	return v, before, nil
}

// EntryFiles reads, for a rules entry, what plan.EntryInput needs for its
// diffs: the bytes in the entry's first parent of every governed path it
// changed or deleted (old), and in the entry of every path it added or
// changed (files). It returns nil maps for other entries. Its error names
// the path that could not be read.
func (e *Engine) EntryFiles(v Verified) (old, files map[string][]byte, err error) {
	if v.Record.Entry.Kind != core.KindRules {
		return nil, nil, nil
	}
	c, err := e.Store.Commit(v.Commit)
	if err != nil {
		return nil, nil, fmt.Errorf("read entry %s: %w", v.Commit, err)
	}
	var parent plumbing.Hash
	if len(c.ParentHashes) > 0 {
		parent = c.ParentHashes[0]
	}
	old, files = map[string][]byte{}, map[string][]byte{}
	for _, path := range v.Record.Entry.ChangedFiles {
		for _, side := range []struct {
			at  plumbing.Hash
			out map[string][]byte
		}{{parent, old}, {v.Commit, files}} {
			if side.at.IsZero() {
				continue
			}
			b, err := e.Store.ReadFile(side.at, path)
			switch {
			case errors.Is(err, gitstore.ErrNotFound):
			case err != nil:
				return nil, nil, fmt.Errorf("entry %s: %w", shortHash(v.Commit.String()), err)
			default:
				side.out[path] = b
			}
		}
	}
	return old, files, nil
}

// AuditEntry explains WAL entry h from the repository alone: audit.Of in
// the state before it, and the plan its deciders were shown re-rendered
// (plan.FromEntry, with the diff of every governed file a rules change
// changed). Genesis has no plan.
func (e *Engine) AuditEntry(h plumbing.Hash) (audit.Entry, error) {
	v, before, err := e.ExplainEntry(h)
	if err != nil {
		return audit.Entry{}, err
	}
	en, err := audit.Of(before, v)
	if err != nil {
		return audit.Entry{}, fmt.Errorf("entry %s: %w", h, err)
	}
	if v.Record.Entry.Proposal == nil || v.Record.Entry.Kind == core.KindGenesis {
		return en, nil
	}
	old, files, err := e.EntryFiles(v)
	if err != nil {
		return audit.Entry{}, err
	}
	view, err := plan.FromEntry(plan.EntryInput{Before: before, Record: v.Record, Proposer: v.Proposer, Old: old, Files: files})
	if err != nil {
		return audit.Entry{}, fmt.Errorf("entry %s: %w", h, err)
	}
	en.Shown = &view
	return en, nil
}

// AuditLog replays and verifies main and explains every verified entry
// for which keep returns true (nil: all), in log order (audit.Of). Like
// Replay it returns the entries verified before foreign commits together
// with the *ForeignError.
func (e *Engine) AuditLog(keep func(replay.Verified) bool) ([]audit.Entry, *ReplayResult, error) {
	var (
		out  []audit.Entry
		aerr error
	)
	res, err := e.Replay(ReplayOptions{OnApply: func(before core.State, v Verified) {
		if aerr != nil || (keep != nil && !keep(v)) {
			return
		}
		en, err := audit.Of(before, v)
		if err != nil {
			aerr = fmt.Errorf("entry %s: %w", v.Commit, err)
			return
		}
		out = append(out, en)
	}})
	if aerr != nil {
		return nil, nil, aerr
	}
	return out, res, err
}
