package intake

import (
	"fmt"
	"sort"
	"strings"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// Verdict is what the gate says about one proposal.
type Verdict string

// Gate verdicts. The CLI maps them to exit codes.
const (
	// VerdictReady: every guard passes and the policy is satisfied.
	VerdictReady Verdict = "ready"
	// VerdictWaiting: a human still has to approve.
	VerdictWaiting Verdict = "waiting"
	// VerdictRejected: an eligible approver rejected; reconcile records it.
	VerdictRejected Verdict = "rejected"
	// VerdictWithdrawn: its proposer, or governance, withdrew it; reconcile
	// records it (core.KindWithdraw).
	VerdictWithdrawn Verdict = "withdrawn"
	// VerdictRefused: invalid, unsigned, unauthorized, stale or duplicate.
	VerdictRefused Verdict = "refused"
	// VerdictMerged: already on main.
	VerdictMerged Verdict = "merged"
)

// GateResult explains the verdict on one proposal.
type GateResult struct {
	Pending Pending
	Verdict Verdict
	Reason  string
	// Entry is the WAL entry the proposal would become; Outcome what Apply
	// says about it against the current state.
	Entry   core.Entry
	Outcome core.Outcome
	// Next is the state after Entry, as Apply gave it, when the verdict is
	// ready or rejected (the zero State otherwise); Base is the hash of the
	// state the gate judged. Applying the entry is taking Next: it needs no
	// second Apply, and holds only on a state whose hash is Base.
	Next core.State
	Base string
	// Plan is what the entry does to its instance by the workflow (before
	// and after, regions included), whatever the verdict: the move a
	// waiting proposal makes once approved, none for a rejection; nil for
	// a rule change or a proposal the gate could not read.
	Plan *core.Plan
}

// Gate judges a proposal against a state. It is pure: it runs Apply once
// (core.Judge: a transition an eligible approver rejected is judged as
// the rejection it becomes) on a copy of the state and never writes. hlc
// is the timestamp the entry would carry; signatures are judged again at
// its time (see Pending.holdAt). The error means s lacks the snapshot
// bucket of p's instance (restore p.Needs(s) first, see
// Engine.RestoreBuckets); it is not a verdict.
func Gate(s core.State, p Pending, hlc core.HLC) (GateResult, error) {
	p = p.holdAt(hlc)
	r := GateResult{Pending: p, Base: s.Hash()}
	switch {
	case p.Merged:
		r.Verdict, r.Reason = VerdictMerged, "closed: "+p.Path+" is already on main (applied, rejected or withdrawn; a proposal name is used once: propose under another name)"
		return r, nil
	case len(p.Problems) > 0:
		r.Verdict, r.Reason = VerdictRefused, strings.Join(p.Problems, "; ")
		return r, nil
	}
	r.Entry = core.Entry{
		Kind: p.EntryKind(), HLC: hlc, Signer: p.Proposer, CoAuthors: p.CoAuthors, IdemKey: p.Proposal.IdemKey,
		Proposal: p.Proposal, Subject: p.Subject, Decisions: p.Decisions, ChangedFiles: p.ChangedFiles(),
		Grants: p.Grants,
	}
	if r.Entry.Kind == core.KindTransition && core.IsGoalAction(s.Rules(), p.Proposal) {
		r.Entry.Kind = core.KindGoal
	}
	if r.Entry.Kind == core.KindTransition && p.Proposal.Trigger == nil && p.Trigger != nil {
		// The proposal's own trigger wins: its source's is recorded only
		// when it names none (Apply keeps the instance's first).
		tr := *p.Trigger
		r.Entry.Trigger = &tr
	}
	switch r.Entry.Kind {
	case core.KindRules:
		r.Entry.Rules = p.Rules
	case core.KindRecover:
		r.Entry.Quarantine = p.Quarantine
	}
	if w, ok, err := gateWithdraw(s, &r); err != nil || ok {
		return w, err
	}
	entry, next, out, err := core.Judge(s, r.Entry)
	if err != nil {
		return r, fmt.Errorf("gate %s: %w", p.Branch, err)
	}
	r.Entry, r.Outcome, r.Reason = entry, out, out.Reason
	if plan, ok, err := core.PlanOf(s, entry); err != nil {
		return r, fmt.Errorf("gate %s: %w", p.Branch, err)
	} else if ok {
		r.Plan = &plan
	}
	switch out.Status {
	case core.StatusApplied:
		r.Verdict, r.Next = VerdictReady, next
	case core.StatusRejected:
		r.Verdict, r.Next = VerdictRejected, next
		r.Reason = "rejected: " + out.Policy.Description
	case core.StatusWaiting:
		r.Verdict = VerdictWaiting
	case core.StatusStale:
		r.Verdict = VerdictRefused
		if hint := RefreshHint(p); hint != "" {
			r.Reason += "; " + hint
		}
	default:
		r.Verdict = VerdictRefused
	}
	return r, nil
}

// Needs returns the snapshot buckets Gate(s, p, …) needs that s has not
// restored (the bucket of p's instance): restore them with
// Engine.RestoreBuckets before calling Gate.
func (p Pending) Needs(s core.State) []byte {
	if p.Proposal == nil {
		return nil
	}
	return s.Missing(p.Proposal.Instance)
}

// ChangedFiles lists every path the proposal adds, changes or removes,
// sorted.
func (p Pending) ChangedFiles() []string {
	out := append([]string(nil), p.Deleted...)
	for f := range p.Files {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Ignored lists every decision that does not count, with its reason: the
// decision commits that did not verify (Pending.Ignored), then the
// decisions the policy set aside as a whole (an override that does not
// stand, a decision no applicable rule counts), as policies.Evaluate
// judged them.
func (g GateResult) Ignored() []Ignored {
	out := append([]Ignored(nil), g.Pending.Ignored...)
	if g.Outcome.Policy != nil {
		for _, v := range g.Outcome.Policy.Ignored {
			out = append(out, Ignored{Commit: v.Ref, Identity: v.Identity, Reason: string(v.Verdict) + ": " + v.Reason})
		}
	}
	return out
}

// EntryKind is the kind of WAL entry p becomes when it applies: a rules
// change, a recovery or a transition (which the gate may judge a
// rejection).
func (p Pending) EntryKind() core.EntryKind {
	switch {
	case p.IsRules():
		return core.KindRules
	case p.IsRecovery():
		return core.KindRecover
	}
	return core.KindTransition
}

// PlanDigest is the digest of the plan a decider of p is shown under the
// rules in force, whose hash is rulesHash: what a decision on p records
// (core.PlanContextOf; the gate reports the same as Outcome.Plan).
func (p Pending) PlanDigest(rules *schemas.Bundle, rulesHash string) string {
	return core.PlanContextOf(rules, rulesHash, p.EntryKind(), p.Proposal, p.Subject.Content).Digest()
}
