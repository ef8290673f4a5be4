package engine

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/wal"
)

// maxRaceRetries bounds how often one reconcile re-reads main after losing
// a compare-and-swap race.
const maxRaceRetries = 8

// AppliedEntry is one WAL entry a reconcile wrote.
type AppliedEntry struct {
	Commit plumbing.Hash
	Gate   GateResult
}

// ReconcileReport says what a reconcile did and why the rest waits.
type ReconcileReport struct {
	Applied []AppliedEntry
	// Skipped are proposals left alone, with the gate's explanation.
	Skipped []GateResult
	// Races counts lost compare-and-swap races that forced a re-read.
	Races int
	State reconciler.State
	Head  plumbing.Hash
}

// Reconcile applies every ready proposal, one signed WAL entry each, in
// branch-name order, and records eligible rejections. main moves only by
// compare-and-swap: when another writer moved it, Reconcile re-reads the
// log and re-evaluates everything. At the end it writes a checkpoint.
func (e *Engine) Reconcile() (*ReconcileReport, error) {
	rep := &ReconcileReport{}
	for attempt := 0; ; attempt++ {
		err := e.reconcileOnce(rep)
		if err == nil {
			return rep, nil
		}
		if !errors.Is(err, gitstore.ErrRefMoved) || attempt >= maxRaceRetries {
			return rep, err
		}
		rep.Races++
	}
}

func (e *Engine) reconcileOnce(rep *ReconcileReport) error {
	res, err := e.Replay(ReplayOptions{FromCheckpoint: true})
	if err != nil {
		return fmt.Errorf("load state: %w", err)
	}
	state, head := res.State, res.Head
	signer, err := e.Keys.Signer(state.Rules().Config.Reconciler.Identity)
	if err != nil {
		return fmt.Errorf("reconciler key: %w", err)
	}
	pending, err := e.ListPending(state.Rules(), head)
	if err != nil {
		return err
	}
	rep.Skipped = rep.Skipped[:0]
	for _, p := range pending {
		g := Gate(state, p, reconciler.NextHLC(state.Clock().HLC, e.now().UnixMilli()))
		if g.Verdict != VerdictReady && g.Verdict != VerdictRejected {
			if g.Verdict != VerdictMerged {
				rep.Skipped = append(rep.Skipped, g)
			}
			continue
		}
		next, out := reconciler.Apply(state, g.Entry)
		if !out.Status.Changed() {
			// Gate and Apply ran on the same state; they cannot disagree.
			return fmt.Errorf("proposal %s: gate said %s but apply says %s: %s", p.Branch, g.Verdict, out.Status, out.Reason)
		}
		msg, err := wal.Encode(record(g, out, state, next))
		if err != nil {
			return fmt.Errorf("proposal %s: %w", p.Branch, err)
		}
		reconcilerID := state.Rules().Config.Reconciler.Identity
		commit, err := e.Store.WriteCommit(gitstore.CommitRequest{
			Parents:   []plumbing.Hash{head, p.Head},
			Files:     p.Files,
			Delete:    p.Deleted,
			Message:   msg,
			Author:    e.signature(state.Rules(), reconcilerID),
			Committer: e.signature(state.Rules(), reconcilerID),
			Signer:    signer,
		})
		if err != nil {
			return fmt.Errorf("proposal %s: write entry: %w", p.Branch, err)
		}
		if err := e.Store.CompareAndSwap(gitstore.MainRef, head, commit); err != nil {
			return fmt.Errorf("proposal %s: %w", p.Branch, err)
		}
		g.Outcome = out
		rep.Applied = append(rep.Applied, AppliedEntry{Commit: commit, Gate: g})
		state, head = next, commit
	}
	rep.State, rep.Head = state, head
	if head != res.Head {
		if err := e.Store.SyncWorktree(res.Head, head); err != nil {
			return err
		}
	}
	if res.CheckpointAt != head {
		if err := e.checkpoint(state, head); err != nil {
			return err
		}
	}
	return nil
}

// record assembles the WAL record of an applied gate result.
func record(g GateResult, out reconciler.Outcome, pre, post reconciler.State) wal.Record {
	r := wal.Record{
		Entry:        g.Entry,
		ProposalPath: g.Pending.Path,
		ProposalHead: g.Pending.Head.String(),
		Guards:       out.Guards,
		Summary:      out.Reason,
		StatePre:     pre.Hash(),
		StatePost:    post.Hash(),
		InstancePre:  out.InstancePre,
		InstancePost: out.InstancePost,
		Override:     out.Override,
	}
	if g.Entry.Kind == reconciler.KindRules {
		r.RulesHash = post.RulesHash()
	}
	if out.Policy != nil {
		r.Policy = fmt.Sprintf("%s %s", out.Policy.Name, out.Policy.Status)
		r.Roles = map[string]string{}
		for _, v := range out.Policy.CountedApprovals() {
			r.Roles[v.Identity] = v.Role
		}
		for _, b := range blockers(*out.Policy) {
			r.Roles[b.Identity] = b.Role
		}
	}
	return r
}

// checkpoint writes a signed snapshot of state at main commit at.
func (e *Engine) checkpoint(state reconciler.State, at plumbing.Hash) error {
	snap, err := state.Snapshot()
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	id := state.Rules().Config.Reconciler.Identity
	signer, err := e.Keys.Signer(id)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if _, err := e.Store.WriteCheckpoint(at, snap, signer, e.signature(state.Rules(), id)); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// blockers collects the blocking rejections anywhere in a policy tree.
func blockers(r policies.Result) []policies.Vote {
	out := append([]policies.Vote(nil), r.Blockers...)
	for _, c := range r.Children {
		out = append(out, blockers(c)...)
	}
	return out
}
