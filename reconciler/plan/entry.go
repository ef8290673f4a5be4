package plan

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// EntryInput is what FromEntry re-renders the plan of a WAL entry from:
// the entry as replay verified it and what the caller read beside it.
// FromEntry reads nothing itself.
type EntryInput struct {
	// Before is the state before the entry: the rules in force, the
	// instance it moves.
	Before core.State
	// Record is the entry as decoded (a rules entry's Entry.Rules and
	// ChangedFiles filled in, as replay verified them).
	Record wal.Record
	// Proposer is how the proposal's subject commit verified; zero when
	// it is not in the repository (genesis, an attested rejection).
	Proposer signing.Verified
	// Old are the bytes, in the entry's first parent, of every governed
	// path a rules entry changed or deleted (absent: added); Files the
	// bytes in the entry of every path it added or changed (absent:
	// deleted). Both are nil for other entries.
	Old, Files map[string][]byte
	// MaxDiffLines caps the lines of each file's diff (0: DefaultMaxDiffLines).
	MaxDiffLines int
}

// FromEntry returns the plan the deciders of a WAL entry were shown, as
// `writ show PROPOSAL` rendered it before any decision was recorded: the
// entry's proposal judged without its decisions, at its clock, in the
// state before it, by Build. Whatever of the View is a function of the
// entry's plan context (core.PlanContextOf: the proposal's content, the
// state it moves from, the workflow and policy versions, the rules in
// force) is what every decider saw; the verdict, the reason and what was
// still needed are as they stood before the first decision. A reject
// entry is shown as the transition its deciders rejected. It is pure; the
// error means Before lacks the instance the entry moves (restore it).
func FromEntry(in EntryInput) (View, error) {
	rec := in.Record
	e := rec.Entry
	if e.Proposal == nil {
		return View{}, fmt.Errorf("plan of a %s entry: it has no proposal, so no decider was shown a plan", e.Kind)
	}
	e.Decisions = nil
	if e.Kind == core.KindReject {
		e.Kind = core.KindTransition
	}
	p := intake.Pending{
		Branch: strings.TrimSuffix(rec.ProposalPath, schemas.ProposalSuffix), Path: rec.ProposalPath,
		Proposal: e.Proposal, Proposer: e.Signer, CoAuthors: e.CoAuthors, Subject: e.Subject,
		Rules: e.Rules, Grants: e.Grants, Quarantine: e.Quarantine,
	}
	if e.Kind == core.KindRules {
		p.Files = map[string][]byte{}
		for _, path := range e.ChangedFiles {
			if b, ok := in.Files[path]; ok {
				p.Files[path] = b
			} else {
				p.Deleted = append(p.Deleted, path)
			}
		}
	}
	judged, _, out, err := core.Judge(in.Before, e)
	if err != nil {
		return View{}, fmt.Errorf("plan of entry %s: %w", rec.ProposalPath, err)
	}
	g := intake.GateResult{Pending: p, Entry: judged, Outcome: out, Reason: out.Reason, Base: in.Before.Hash()}
	if pl, ok, err := core.PlanOf(in.Before, judged); err != nil {
		return View{}, fmt.Errorf("plan of entry %s: %w", rec.ProposalPath, err)
	} else if ok {
		g.Plan = &pl
	}
	switch out.Status {
	case core.StatusApplied:
		g.Verdict = intake.VerdictReady
	case core.StatusRejected:
		g.Verdict = intake.VerdictRejected
	case core.StatusWaiting:
		g.Verdict = intake.VerdictWaiting
	default:
		g.Verdict = intake.VerdictRefused
	}
	v := Build(Input{Gate: g, Rules: in.Before.Rules(), RulesHash: in.Before.RulesHash(), Old: in.Old, MaxDiffLines: in.MaxDiffLines})
	if in.Proposer.Identity != "" {
		v.Signer = SignerOf(in.Proposer)
	}
	return v, nil
}

// SignerOf is how a commit's signature verified, as a View shows it.
func SignerOf(sv signing.Verified) *Signer { return signerOf(sv) }

// InputsOf lists a proposal's inputs as a View does: by name, each value
// as canonical JSON; nil when there are none.
func InputsOf(in map[string]any) []NamedValue { return inputsOf(in) }

// InstanceOf is an instance's state and regions as a View shows them;
// nil for nil.
func InstanceOf(in *core.Instance) *InstanceView { return instanceView(in) }
