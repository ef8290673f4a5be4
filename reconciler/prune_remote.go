package reconciler

import (
	"context"
	"errors"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/outcome"
	"github.com/writ-dev/writ/reconciler/wal"
)

// pruneRemote deletes on remote the branches of why (branch ref → what
// the run judged) and, with each, its decision ref, in one push of
// compare-and-delete updates (gitstore.Store.PushRefs): each ref only if
// the remote still holds the value this run fetched, and all or nothing
// on a server with the atomic capability. When a ref moved meanwhile (a
// proposer pushed, a decider pushed a decision), the remote is listed
// again and the proposals whose refs all still hold what the run judged
// (or are gone already) are pruned in a second push; the others stay, and
// the next run judges them again. The local tracking refs of what was
// deleted go too, as after `git push --delete`. Failures are notes.
func (r *run) pruneRemote(ctx context.Context, remote string, why map[string]outcome.Pruned) {
	branches := make([]string, 0, len(why))
	for ref := range why {
		branches = append(branches, ref)
	}
	sort.Strings(branches)
	err := r.e.Store.PushRefs(ctx, remote, pruneUpdates(why, branches))
	if errors.Is(err, gitstore.ErrRefMoved) {
		var now map[string]plumbing.Hash
		if now, err = r.e.Store.RemoteRefs(ctx, remote); err == nil {
			branches = unmoved(why, branches, now)
			err = r.e.Store.PushRefs(ctx, remote, pruneUpdates(why, branches))
		}
	}
	if err != nil {
		r.rep.Note("proposal branches not pruned on " + remote + " (the next run tries again): " + err.Error())
		return
	}
	tracking := map[string]plumbing.Hash{}
	for _, ref := range branches {
		p := why[ref]
		tracking["refs/remotes/"+remote+"/"+p.Branch] = p.Head
		if !p.Decisions.IsZero() {
			tracking[trackingDecisionRef(remote, p.Branch)] = p.Decisions
		}
		r.rep.Pruned = append(r.rep.Pruned, p)
	}
	if _, err := r.e.Store.DeleteRefs(tracking); err != nil {
		r.rep.Note("tracking refs of pruned proposals not deleted (the next fetch prunes them): " + err.Error())
	}
}

// pruneUpdates are the compare-and-delete updates of the proposals on
// branches: the branch from the head judged, and the decision ref from
// the tip fetched (when there was one).
func pruneUpdates(why map[string]outcome.Pruned, branches []string) []gitstore.RefUpdate {
	var out []gitstore.RefUpdate
	for _, ref := range branches {
		p := why[ref]
		out = append(out, gitstore.RefUpdate{Name: ref, Old: p.Head})
		if !p.Decisions.IsZero() {
			out = append(out, gitstore.RefUpdate{Name: wal.DecisionRef(p.Branch), Old: p.Decisions})
		}
	}
	return out
}

// unmoved keeps the branches whose refs on the remote (now) still hold
// what the run judged, or are gone: a decision ref that appeared after the
// fetch counts as moved.
func unmoved(why map[string]outcome.Pruned, branches []string, now map[string]plumbing.Hash) []string {
	var out []string
	for _, ref := range branches {
		p := why[ref]
		b, d := now[ref], now[wal.DecisionRef(p.Branch)]
		if (b.IsZero() || b == p.Head) && (d.IsZero() || d == p.Decisions) {
			out = append(out, ref)
		}
	}
	return out
}
