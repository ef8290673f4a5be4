package reconciler

import (
	"fmt"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/outcome"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// recordWait writes, on top of the batch, the wait entry of a proposal the
// gate judged waiting for a human (core.KindWait): once per proposal
// content, so a rerun, or a run after a crash, that finds the wait on main
// writes none (the reducer answers StatusDuplicate), and a push of new
// content records a new wait. A proposal whose path holds another
// content's wait is put off until the round has read its proposals
// (recordBehind): it records its wait only when no proposal the run may
// carry (not a held one) still holds that content. It writes nothing for a candidate its source
// holds back (a run that may not push, a fork, a draft) or did not judge,
// while main holds foreign commits, when the policy is satisfied and only a
// window or freeze holds the proposal, or when the reducer does not record
// the wait (a rule change, a goal action: waits are recorded for workflow
// transitions only). The entry is published with the others of the batch
// by one compare-and-swap.
func (r *run) recordWait(item gated, signer git.Signer, reconcilerID string) (bool, error) {
	g := item.gate
	if item.cand.Hold != "" || item.cand.Waiting != "" || r.foreign != nil ||
		g.Entry.Kind != core.KindTransition || g.Outcome.Status != core.StatusWaiting || g.Pending.Path == "" {
		return false, nil
	}
	if pol := g.Outcome.Policy; pol == nil || pol.Status == policies.StatusSatisfied {
		// Only a window or freeze holds it: nobody needs to act, so no
		// wait is recorded and no timeout runs; it applies once the
		// window opens. (A recorded wait whose policy became satisfied
		// meanwhile is not timed out either.)
		return false, nil
	}
	if w, ok := r.next.WaitOf(g.Pending.Path); ok && w.Content == g.Entry.Subject.Content {
		// Already recorded: timed out yet? Else escalated yet?
		if wrote, err := r.recordTimeout(item, w, signer, reconcilerID); wrote || err != nil {
			return wrote, err
		}
		return r.recordEscalate(item, w, signer, reconcilerID)
	}
	if _, ok := r.next.WaitOf(g.Pending.Path); ok {
		// Another content waits at this path: judged once the round has
		// read every proposal (recordBehind).
		r.behind = append(r.behind, item)
		return false, nil
	}
	return r.writeWait(item, signer, reconcilerID)
}

// writeWait writes, on top of the batch, the wait entry of item (see
// recordWait), when the reducer records it.
func (r *run) writeWait(item gated, signer git.Signer, reconcilerID string) (bool, error) {
	g := item.gate
	entry := core.WaitEntry(g.Entry, g.Pending.Path)
	entry.HLC = core.NextHLC(r.next.Clock().HLC, r.e.now().UnixMilli())
	next, out, err := core.Apply(r.next, entry)
	if err != nil {
		return false, fmt.Errorf("proposal %s: record its wait: %w", g.Pending.Branch, err)
	}
	if out.Status != core.StatusAwaiting {
		return false, nil
	}
	wg := g
	wg.Entry, wg.Outcome, wg.Next, wg.Base, wg.Reason = entry, out, next, r.next.Hash(), out.Reason
	rec := record(wg, out, r.next, next)
	w, _ := next.WaitOf(g.Pending.Path)
	rec.WaitingFor = wal.FormatWaitingFor(w)
	msg, err := wal.Encode(rec)
	if err != nil {
		return false, fmt.Errorf("proposal %s: %w", g.Pending.Branch, err)
	}
	return true, r.writeOne(item, wg, msg, signer, reconcilerID)
}

// noteOpen records, for recordBehind, that the round read item: its
// content is open at its path while the gate says it waits or is ready
// ("" when the run could not judge it), held when the run never carries
// its wait to its end (waitHeld).
func (r *run) noteOpen(item gated) {
	if r.read == nil {
		r.read, r.openAt = map[string]bool{}, map[string][]core.OpenProposal{}
	}
	r.read[item.cand.Name] = true
	g := item.gate
	switch {
	case g.Pending.Path == "" || g.Pending.Merged:
	case item.cand.Waiting != "":
		r.openAt[g.Pending.Path] = append(r.openAt[g.Pending.Path], core.OpenProposal{Held: item.cand.Hold != ""})
	case g.Verdict == intake.VerdictWaiting || g.Verdict == intake.VerdictReady:
		r.openAt[g.Pending.Path] = append(r.openAt[g.Pending.Path],
			core.OpenProposal{Content: g.Pending.Subject.Content, Held: waitHeld(item)})
	}
}

// waitHeld says whether the loop never carries a wait of item, judged
// waiting or ready, to its end (core.OpenProposal's Held): its source
// holds it back (recordWait writes nothing for it, the apply step holds
// it), or it waits as something no wait is recorded for (a rule change, a
// goal action), so no run times it out or escalates it. A ready proposal
// that may be written applies, which ends its wait.
func waitHeld(item gated) bool {
	g := item.gate
	return item.cand.Hold != "" || (g.Verdict == intake.VerdictWaiting && g.Entry.Kind != core.KindTransition)
}

// recordBehind writes, after the round read its proposals, the waits that
// recordWait put off because another content's wait is recorded at the
// same path: one only where no proposal the run carries holds that
// content (core.State.WaitBehind), so two open proposals of one path never
// undo each other's wait, and a held one (a fork's or a draft pull request
// re-opening a superseded commit) never keeps a wait no run times out. A
// proposal left behind is noted in the report.
func (r *run) recordBehind(signer git.Signer, reconcilerID string) error {
	behind := r.behind
	r.behind = nil
	for _, item := range behind {
		path := item.gate.Pending.Path
		w, wait := r.next.WaitBehind(path, item.gate.Pending.Subject.Content, r.openAt[path], r.readAllAt(path))
		if wait {
			r.rep.Note(fmt.Sprintf("waiting %s: %s", item.gate.Pending.Branch, core.BehindReason(w)))
			continue
		}
		if r.opts.Batch > 0 && len(r.batch) == r.opts.Batch {
			r.more = true
			return nil
		}
		if _, err := r.writeWait(item, signer, reconcilerID); err != nil {
			return err
		}
	}
	return nil
}

// readAllAt says whether the round read every candidate that may add
// path and whose wait a run may carry: a branch names its proposal's
// path, a pull request read from its commits may add any; one its source
// holds back carries no wait, read or not (over the per-run cap).
func (r *run) readAllAt(path string) bool {
	for _, c := range r.candidates {
		if r.read[c.Name] || c.Hold != "" {
			continue
		}
		if at, err := schemas.ProposalPathOfBranch(c.Name); c.FromCommits || err != nil || at == path {
			return false
		}
	}
	return true
}

// recordTimeout writes, on top of the batch, the timeout entry of a
// proposal whose recorded wait w has outlasted the timeout its transition
// or policy declares (core.KindTimeout, on_timeout: reject), once the
// engine's clock (Engine.Now) is past the deadline; nothing before, or
// when nothing declares a timeout. Like a rejection the entry closes the
// proposal: one parent, the proposal file added to main, its commits kept
// under the rejected ref, published with the batch.
func (r *run) recordTimeout(item gated, w core.Wait, signer git.Signer, reconcilerID string) (bool, error) {
	g := item.gate
	deadline, _, ok := core.Deadline(r.next.Rules(), w)
	now := r.e.now().UnixMilli()
	if !ok || now < deadline.Wall {
		return false, nil
	}
	entry := core.TimeoutEntry(core.WaitEntry(g.Entry, g.Pending.Path), core.NextHLC(r.next.Clock().HLC, now))
	next, out, err := core.Apply(r.next, entry)
	if err != nil {
		return false, fmt.Errorf("proposal %s: record its timeout: %w", g.Pending.Branch, err)
	}
	if out.Status != core.StatusRejected {
		return false, nil
	}
	wg := g
	wg.Entry, wg.Outcome, wg.Next, wg.Base, wg.Reason, wg.Verdict = entry, out, next, r.next.Hash(), out.Reason, intake.VerdictRejected
	msg, err := wal.Encode(record(wg, out, r.next, next))
	if err != nil {
		return false, fmt.Errorf("proposal %s: %w", g.Pending.Branch, err)
	}
	return true, r.writeOne(item, wg, msg, signer, reconcilerID)
}

// recordEscalate writes, on top of the batch, the escalate entry of a
// proposal whose recorded wait w reached its next escalation step
// (core.KindEscalate), once the engine's clock (Engine.Now) is past the
// step's due time; nothing before, or when no step is left. One step per
// run and proposal: a clock past several steps takes them in later runs
// (each entry's clock is checked against its own step). Like a wait it
// has one parent and adds no file.
func (r *run) recordEscalate(item gated, w core.Wait, signer git.Signer, reconcilerID string) (bool, error) {
	g := item.gate
	step, ok := core.NextEscalation(r.next.Rules(), w)
	now := r.e.now().UnixMilli()
	if !ok || now < step.At.Wall {
		return false, nil
	}
	entry := core.EscalateEntry(core.WaitEntry(g.Entry, g.Pending.Path), core.NextHLC(r.next.Clock().HLC, now))
	next, out, err := core.Apply(r.next, entry)
	if err != nil {
		return false, fmt.Errorf("proposal %s: record its escalation: %w", g.Pending.Branch, err)
	}
	if out.Status != core.StatusAwaiting {
		return false, nil
	}
	wg := g
	wg.Entry, wg.Outcome, wg.Next, wg.Base, wg.Reason = entry, out, next, r.next.Hash(), out.Reason
	msg, err := wal.Encode(record(wg, out, r.next, next))
	if err != nil {
		return false, fmt.Errorf("proposal %s: %w", g.Pending.Branch, err)
	}
	return true, r.writeOne(item, wg, msg, signer, reconcilerID)
}

// writeOne writes the entry of wg (a wait or a timeout entry, one parent:
// the batch's last entry) with message msg, and adds it to the batch.
func (r *run) writeOne(item gated, wg intake.GateResult, msg string, signer git.Signer, reconcilerID string) error {
	files, _ := entryFiles(wg)
	if wg.Entry.Kind.RecordsWait() {
		files = nil // a wait adds nothing to main
	}
	commit, err := r.e.Store.WriteCommit(gitstore.CommitRequest{
		Parents:   []plumbing.Hash{r.nextHead},
		Files:     files,
		Message:   msg,
		Author:    r.e.signature(r.next.Rules(), reconcilerID),
		Committer: r.e.signature(r.next.Rules(), reconcilerID),
		Signer:    signer,
	})
	if err != nil {
		return fmt.Errorf("proposal %s: write its %s entry: %w", wg.Pending.Branch, wg.Entry.Kind, err)
	}
	if err := r.opts.crash(CrashAfterCommitBeforeCAS); err != nil {
		return err
	}
	r.batch = append(r.batch, outcome.Applied{Commit: commit, Gate: wg, BranchHead: item.cand.Head})
	r.next, r.nextHead = wg.Next, commit
	return nil
}

// published splits the published batch into the report's entries that
// applied or closed a proposal (Applied) and its waits (Waited).
func published(rep *outcome.Report, batch []outcome.Applied) {
	for _, a := range batch {
		if a.Gate.Entry.Kind.RecordsWait() {
			rep.Waited = append(rep.Waited, a)
		} else {
			rep.Applied = append(rep.Applied, a)
		}
	}
}
