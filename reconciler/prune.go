package reconciler

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/outcome"
	"github.com/writ-dev/writ/reconciler/replay"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// prune deletes, in a local run (no remote, ReconcileOptions.KeepBranches
// unset), the proposal branches whose proposal this run found closed:
//
//   - applied, rejected or withdrawn by an entry of this run, or by an
//     earlier one (merged: the proposal file is on main). An applied
//     proposal's commits stay reachable from main, a rejected or withdrawn
//     one's from its replay.ClosedRef (its decisions, the withdrawal
//     included, are on its head);
//   - refused for good: stale (its base_state is no longer the
//     instance's or the rules' hash) or duplicate (its idem_key is
//     consumed). Nothing can make such a proposal apply; the reason says
//     how to propose it afresh, and the head named in the report brings
//     the branch back (git branch NAME HEAD).
//
// Nothing is pruned while main holds foreign commits (a run that ends
// with a *ForeignError). A branch that waits, or is refused for a reason its proposer can fix
// (a bad signature, a guard), stays. A branch is deleted only if it still
// points at the head the run judged (gitstore.Store.DeleteRefs), so a
// proposer who pushed meanwhile keeps their work. Deleting costs one
// packed-refs rewrite per run, and the next runs no longer list those
// branches: what a reconcile reads follows the open proposals, not the
// history. Failing to prune is a note, never an error.
func (r *run) prune(_ context.Context) error {
	// While main holds commits writ did not write, the run applies nothing
	// but their recovery, and deletes nothing either.
	if r.opts.Remote != "" || r.opts.KeepBranches || r.rep.Err != nil || r.foreign != nil {
		return nil
	}
	rep := r.rep
	why := map[string]outcome.Pruned{}
	add := func(g intake.GateResult, reason string) {
		b := g.Pending.Branch
		if !strings.HasPrefix(b, schemas.ProposalBranchPrefix) || g.Pending.Head.IsZero() {
			return
		}
		why["refs/heads/"+b] = outcome.Pruned{Branch: b, Head: g.Pending.Head, Reason: reason}
	}
	for _, a := range rep.Applied {
		if k := a.Gate.Entry.Kind; k.Closes() {
			ref, _ := replay.ClosedRef(k, a.Gate.Pending.Path)
			verb := map[core.EntryKind]string{core.KindReject: "rejected", core.KindWithdraw: "withdrawn"}[k]
			add(a.Gate, fmt.Sprintf("%s by entry %s (its commits are kept under %s)", verb, shortHash(a.Commit.String()), ref))
			continue
		}
		add(a.Gate, "applied by entry "+shortHash(a.Commit.String()))
	}
	for _, g := range rep.Merged {
		add(g, "closed by an earlier entry: its proposal file is on main")
	}
	for _, g := range rep.Skipped {
		switch g.Outcome.Status {
		case core.StatusStale, core.StatusDuplicate:
			add(g, string(g.Outcome.Status)+": "+g.Reason)
		}
	}
	if len(why) == 0 {
		return nil
	}
	refs := make(map[string]plumbing.Hash, len(why))
	for ref, p := range why {
		refs[ref] = p.Head
	}
	deleted, err := r.e.Store.DeleteRefs(refs)
	for _, ref := range deleted {
		rep.Pruned = append(rep.Pruned, why[ref])
	}
	if err != nil {
		rep.Note("proposal branches not pruned (the next run tries again): " + err.Error())
	}
	r.pruneDecisionRefs(deleted)
	return nil
}

// pruneDecisionRefs deletes the decision refs (wal.DecisionRef) of the
// proposal branches just pruned (refs "refs/heads/<branch>"). Every
// decision an entry counted is reachable without them: from main for an
// applied proposal (its head, or the keep commit the entry merged), from
// the replay.ClosedRef of a rejected or withdrawn one (which points at
// the same head). A proposal later opened under the same name starts
// without the old decisions. Failing is a note, as for branches.
func (r *run) pruneDecisionRefs(pruned []string) {
	refs := map[string]plumbing.Hash{}
	for _, ref := range pruned {
		d := wal.DecisionRef(strings.TrimPrefix(ref, "refs/heads/"))
		if tip, err := r.e.Store.Ref(d); err == nil {
			refs[d] = tip
		}
	}
	if len(refs) == 0 {
		return
	}
	if _, err := r.e.Store.DeleteRefs(refs); err != nil {
		r.rep.Note("decision refs not pruned: " + err.Error())
	}
}
