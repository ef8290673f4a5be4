package reconciler

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/wal"
)

// DecisionRefs are the refs that publish the decisions on a proposal
// branch (proposals/<instance>/<name>): the branch, which carries them
// until a rebase, and its decision ref (wal.DecisionRef), which keeps them
// across one.
func DecisionRefs(branch string) []string {
	return []string{"refs/heads/" + branch, wal.DecisionRef(branch)}
}

// PushDecisionHint is the git command that publishes the decisions on
// branch to remote by hand: both refs of DecisionRefs in one atomic push,
// which git refuses, moving neither, when either is not a fast-forward.
func PushDecisionHint(remote, branch string) string {
	refs := DecisionRefs(branch)
	return "git push --atomic " + remote + " " + refs[0] + " " + refs[1]
}

// ApproveAndPush is ApproveWith followed by publishing the decision on
// remote, so that a reconciler working against the remote counts it (and
// keeps counting it after the proposer rebases the branch there).
//
// Before anything is written it checks that the remote's branch is the
// local one, the proposal the decider is looking at: otherwise it refuses
// (ErrRefused, nothing written) and says how to look at the remote's. The
// remote's decision ref, when it holds decisions the local one lacks, is
// fetched and joined under the local one (a keep commit). Then the branch
// and the decision ref move together on the remote, each by
// compare-and-swap from the value just read, atomically where the server
// allows it (gitstore.Store.PushRefs). When that push fails the decision
// stays recorded locally and the error wraps ErrNotPublished (and
// gitstore.ErrRefMoved when someone pushed in between) with the command
// that publishes it.
func (e *Engine) ApproveAndPush(ctx context.Context, l *Loaded, req ApproveRequest, remote string) (plumbing.Hash, error) {
	p, err := e.PendingWith(l, req.Proposal)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	refs := DecisionRefs(p.Branch)
	adv, err := e.Store.RemoteRefs(ctx, remote)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read %s before deciding (nothing written): %w", remote, err)
	}
	theirs, kept := adv[refs[0]], adv[refs[1]]
	if theirs != p.Head {
		return plumbing.ZeroHash, fmt.Errorf("%w: %s on %s is %s, but your %s is %s, so you would decide on another branch than the one the remote holds; nothing written. "+
			"If yours only adds decisions you recorded without --push, publish them first (%s); "+
			"else run `git fetch %s && git branch -f %s %s/%s`, look at it again (writ show %s) and decide again",
			ErrRefused, p.Branch, remote, describeHash(theirs), p.Branch, describeHash(p.Head), PushDecisionHint(remote, p.Branch),
			remote, p.Branch, remote, p.Branch, req.Proposal)
	}
	if !kept.IsZero() {
		if _, err := e.Store.Commit(kept); err != nil {
			spec := "+" + refs[1] + ":" + trackingDecisionRef(remote, p.Branch)
			if err := e.Store.Fetch(ctx, remote, spec); err != nil {
				return plumbing.ZeroHash, fmt.Errorf("fetch the decisions of %s from %s (nothing written): %w", p.Branch, remote, err)
			}
		}
		req.join = []plumbing.Hash{kept}
	}
	commit, err := e.ApproveWith(l, req)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	tip, err := e.Store.Ref(refs[1])
	if err != nil {
		return commit, fmt.Errorf("%w: %w", ErrNotPublished, err)
	}
	err = e.Store.PushRefs(ctx, remote, []gitstore.RefUpdate{
		{Name: refs[0], Old: theirs, New: commit},
		{Name: refs[1], Old: kept, New: tip},
	})
	if err != nil {
		return commit, fmt.Errorf("%w: %w; publish it with `%s` (after `git fetch %s` if someone pushed meanwhile)",
			ErrNotPublished, err, PushDecisionHint(remote, p.Branch), remote)
	}
	// As git push does: the tracking refs follow what was pushed.
	for ref, h := range map[string]plumbing.Hash{"refs/remotes/" + remote + "/" + p.Branch: commit, trackingDecisionRef(remote, p.Branch): tip} {
		cur, err := e.Store.Ref(ref)
		if err != nil && !errors.Is(err, gitstore.ErrNoRef) {
			continue
		}
		_ = e.Store.CompareAndSwap(ref, cur, h)
	}
	return commit, nil
}

// describeHash names a commit briefly, or says the ref does not exist.
func describeHash(h plumbing.Hash) string {
	if h.IsZero() {
		return "missing"
	}
	return shortHash(h.String())
}
