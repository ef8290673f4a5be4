package reconciler

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/outcome"
	"github.com/writ-dev/writ/reconciler/replay"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// prune deletes the proposal branches whose proposal this run found
// closed, each with its decision ref (wal.DecisionRef), unless
// ReconcileOptions.KeepBranches is set. In a local run they are deleted in
// the local repository; in a run against a remote whose proposals are the
// remote's branches (BranchSource), on the remote (pruneRemote). Closed
// means:
//
//   - applied, rejected or withdrawn by an entry of this run, or by an
//     earlier one (merged: the proposal file is on main). An applied
//     proposal's commits, and the decisions of its decision ref that
//     counted, stay reachable from main; a rejected or withdrawn one's
//     from its replay.ClosedRef (its decisions, the withdrawal included,
//     are on its head);
//   - refused for good: stale (its base_state is no longer the
//     instance's or the rules' hash) or duplicate (its idem_key is
//     consumed). Nothing can make such a proposal apply; the reason says
//     how to propose it afresh, and the head named in the report brings
//     the branch back (git branch NAME HEAD);
//   - withdrawn by its proposer, who could not have made it (the gate
//     refuses the withdrawal on a guard such as capability): no entry
//     records it and no idem_key is consumed.
//
// Nothing is pruned while main holds foreign commits (a run that ends
// with a *ForeignError), nor after a run that failed. A branch that waits,
// or is refused for a reason its proposer can fix (a bad signature, a
// guard), stays, and so does its decision ref. A branch is deleted only
// if it still points at the head the run judged, and its decision ref
// only with it and only if it still holds the tip the run read
// (gitstore.Store.DeleteRefs locally, gitstore.Store.PushRefs on a
// remote), so a proposer who pushed meanwhile keeps their work and a
// decision pushed meanwhile is kept. Deleting costs one packed-refs
// rewrite (or one push) per run, and the next runs no longer list those
// branches: what a reconcile reads follows the open proposals, not the
// history. Failing to prune is a note, never an error.
func (r *run) prune(ctx context.Context) error {
	// While main holds commits writ did not write, the run applies nothing
	// but their recovery, and deletes nothing either.
	if r.opts.KeepBranches || r.rep.Err != nil || r.foreign != nil {
		return nil
	}
	remote := r.opts.Remote
	if _, branches := r.src.(BranchSource); remote != "" && !branches {
		return nil // a forge's source closes its own pull requests
	}
	why := r.closed()
	if len(why) == 0 {
		return nil
	}
	if remote != "" {
		r.pruneRemote(ctx, remote, why)
		return nil
	}
	r.pruneLocal(why)
	return nil
}

// closed lists the proposals this run found closed, by branch ref, each
// with the head judged and the decision ref's tip as read (locally, or as
// fetched from the remote).
func (r *run) closed() map[string]outcome.Pruned {
	rep := r.rep
	why := map[string]outcome.Pruned{}
	// The decision refs are listed once: a lookup per closed branch would
	// scan packed-refs each time, quadratic in the branches pruned.
	var tips map[string]plumbing.Hash
	add := func(b string, head plumbing.Hash, reason string) {
		if !strings.HasPrefix(b, schemas.ProposalBranchPrefix) || head.IsZero() {
			return
		}
		if tips == nil {
			var err error
			if tips, err = r.e.Store.RefsUnder(r.decisionRef(schemas.ProposalBranchPrefix)); err != nil {
				tips = map[string]plumbing.Hash{} // none read: none deleted with the branches
			}
		}
		p := outcome.Pruned{Branch: b, Head: head, Remote: r.opts.Remote, Reason: reason, Decisions: tips[r.decisionRef(b)]}
		why["refs/heads/"+b] = p
	}
	for _, a := range rep.Applied {
		head := a.BranchHead
		if head.IsZero() {
			head = a.Gate.Pending.Head
		}
		if k := a.Gate.Entry.Kind; k.Closes() {
			ref, _ := replay.ClosedRef(k, a.Gate.Pending.Path)
			verb := map[core.EntryKind]string{core.KindReject: "rejected", core.KindWithdraw: "withdrawn", core.KindTimeout: "timed out (rejected)"}[k]
			add(a.Gate.Pending.Branch, head, fmt.Sprintf("%s by entry %s (its commits are kept under %s)", verb, shortHash(a.Commit.String()), ref))
			continue
		}
		add(a.Gate.Pending.Branch, head, "applied by entry "+shortHash(a.Commit.String()))
	}
	for _, g := range rep.Merged {
		add(g.Pending.Branch, g.Pending.Head, "closed by an earlier entry: its proposal file is on main")
	}
	for _, g := range rep.Skipped {
		switch g.Outcome.Status {
		case core.StatusStale, core.StatusDuplicate:
			add(g.Pending.Branch, g.Pending.Head, string(g.Outcome.Status)+": "+g.Reason)
		case core.StatusRefused:
			if g.Entry.Kind == core.KindWithdraw {
				add(g.Pending.Branch, g.Pending.Head, "refused: "+g.Reason)
			}
		}
	}
	return why
}

// decisionRef is where this run reads the decision ref of the proposal on
// branch: the local one, or the remote's as fetched.
func (r *run) decisionRef(branch string) string {
	if r.opts.Remote != "" {
		return trackingDecisionRef(r.opts.Remote, branch)
	}
	return wal.DecisionRef(branch)
}

// pruneLocal deletes the branches of why, then the decision refs of those
// it deleted.
func (r *run) pruneLocal(why map[string]outcome.Pruned) {
	refs := make(map[string]plumbing.Hash, len(why))
	for ref, p := range why {
		refs[ref] = p.Head
	}
	deleted, err := r.e.Store.DeleteRefs(refs)
	if err != nil {
		r.rep.Note("proposal branches not pruned (the next run tries again): " + err.Error())
	}
	kept := map[string]plumbing.Hash{}
	for _, ref := range deleted {
		if p := why[ref]; !p.Decisions.IsZero() {
			kept[wal.DecisionRef(p.Branch)] = p.Decisions
		}
	}
	gone := map[string]bool{}
	if len(kept) > 0 {
		names, err := r.e.Store.DeleteRefs(kept)
		if err != nil {
			r.rep.Note("decision refs of pruned proposals not deleted: " + err.Error())
		}
		for _, n := range names {
			gone[n] = true
		}
	}
	for _, ref := range deleted {
		p := why[ref]
		if !gone[wal.DecisionRef(p.Branch)] {
			p.Decisions = plumbing.ZeroHash
		}
		r.rep.Pruned = append(r.rep.Pruned, p)
	}
}
