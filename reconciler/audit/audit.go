// Package audit explains WAL entries from a clone, offline: who proposed,
// who decided what on which content and which plan, under which policy
// version, which guards passed, and the state before and after. It reads
// nothing: the caller replays main (replay.Options.OnApply gives each
// verified entry with the state before it) and hands the pieces in.
package audit

import (
	"time"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/plan"
	"github.com/writ-dev/writ/reconciler/replay"
	"github.com/writ-dev/writ/schemas"
)

// Entry is one verified WAL entry as an auditor reads it. The fields up to
// Quarantined are what `writ log --json` has always printed; the rest are
// recomputed from the state before the entry.
type Entry struct {
	Commit       string             `json:"commit"`
	Time         time.Time          `json:"time"`
	SignedBy     string             `json:"signed_by"`
	Kind         core.EntryKind     `json:"kind"`
	Summary      string             `json:"summary"`
	Instance     string             `json:"instance,omitempty"`
	Transition   string             `json:"transition,omitempty"`
	IdemKey      string             `json:"idem_key"`
	HLC          string             `json:"hlc"`
	Proposer     string             `json:"proposer"`
	Proposal     string             `json:"proposal,omitempty"`
	ProposalHead string             `json:"proposal_head,omitempty"`
	Subject      policies.Subject   `json:"subject"`
	Decisions    []Decision         `json:"decisions,omitempty"`
	Guards       []core.GuardResult `json:"guards"`
	Policy       string             `json:"policy,omitempty"`
	Override     string             `json:"override,omitempty"`
	StatePre     string             `json:"state_pre"`
	StatePost    string             `json:"state_post"`
	// RulesHash is the hash of the rules a genesis or rules entry installs.
	RulesHash string `json:"rules,omitempty"`
	// Quarantined are the foreign commits a recover entry quarantined.
	Quarantined []Foreign `json:"quarantined,omitempty"`

	// Workflow names the workflow of the move.
	Workflow string `json:"workflow,omitempty"`
	// ProposerSignature is how the signed proposal commit (Subject.Commit)
	// verified; nil when that commit is not in the repository.
	ProposerSignature *plan.Signer `json:"proposer_signature,omitempty"`
	// CoAuthors are the other identities the policy treated as authors.
	CoAuthors []string `json:"co_authors,omitempty"`
	// Trigger is what the entry names as having started the work: the
	// proposal's own trigger (TriggerBy "proposal") or, when it names
	// none, the source trigger the entry records (Writ-Trigger: the pull
	// request that carried the proposal; TriggerBy "reconciler", on the
	// reconciler's word). Whether the instance keeps it is the reducer's
	// rule: the first trigger recorded stays.
	Trigger   *schemas.Trigger `json:"trigger,omitempty"`
	TriggerBy string           `json:"trigger_by,omitempty"`
	// Justification, Evidence and Inputs are the proposal's own words.
	Justification string             `json:"justification,omitempty"`
	Evidence      []schemas.Evidence `json:"evidence,omitempty"`
	Inputs        []plan.NamedValue  `json:"inputs,omitempty"`
	// Before and After are the instance around the entry (names and
	// regions; nil Before: the entry created it), InstancePre and
	// InstancePost their hashes.
	Before       *plan.InstanceView `json:"before,omitempty"`
	After        *plan.InstanceView `json:"after,omitempty"`
	InstancePre  string             `json:"instance_pre,omitempty"`
	InstancePost string             `json:"instance_post,omitempty"`
	// Judge is the policy that judged the entry in the rules in force
	// before it: name, version (core.VersionOf) and the rules hash.
	Judge *plan.Judge `json:"judge,omitempty"`
	// RulesInForce is the hash of the rules in force before the entry.
	RulesInForce string `json:"rules_in_force,omitempty"`
	// Plan is the digest of the entry's plan, recomputed from the state
	// before it (PlanContext); each decision's recorded plan is compared
	// with it.
	Plan        string            `json:"plan,omitempty"`
	PlanContext *core.PlanContext `json:"plan_context,omitempty"`
	// Attested: a rejection whose proposal commits are not in the
	// repository rests on the reconciler's signature.
	Attested bool `json:"attested,omitempty"`
	// Shown is the plan the deciders were shown, re-rendered
	// (plan.FromEntry); only `writ show ENTRY` fills it.
	Shown *plan.View `json:"shown,omitempty"`
}

// Who names an entry's trigger (Entry.TriggerBy).
const (
	TriggerByProposal   = "proposal"
	TriggerByReconciler = "reconciler"
)

// Decision is one decision the entry records.
type Decision struct {
	Identity      string           `json:"identity"`
	Verdict       policies.Verdict `json:"verdict"`
	Role          string           `json:"role,omitempty"`
	Commit        string           `json:"commit"`
	Content       string           `json:"content,omitempty"`
	Ref           string           `json:"ref"`
	Justification string           `json:"justification,omitempty"`
	// Plan is the digest of the plan the decider was shown, as recorded;
	// PlanStatus compares it with the entry's plan.
	Plan       string     `json:"plan,omitempty"`
	PlanStatus PlanStatus `json:"plan_status"`
}

// Foreign is a commit a recover entry quarantined.
type Foreign struct {
	Commit  string `json:"commit"`
	Author  string `json:"author"`
	Subject string `json:"subject"`
	Parents int    `json:"parents"`
}

// Of explains verified entry v, judged in before, the state before it
// (the rules in force and the instance it moves). It is pure; the error
// means before lacks the instance's snapshot bucket.
func Of(before core.State, v replay.Verified) (Entry, error) {
	r := v.Record
	e := r.Entry
	en := Entry{
		Commit: v.Commit.String(), Time: v.Author.When.UTC(), SignedBy: v.Signer.Identity,
		Kind: e.Kind, Summary: v.Outcome.Reason, IdemKey: e.IdemKey, HLC: e.HLC.String(),
		Proposer: e.Signer, Proposal: r.ProposalPath, ProposalHead: r.ProposalHead, Subject: e.Subject,
		Guards: v.Outcome.Guards, Policy: r.Policy, Override: r.Override, StatePre: r.StatePre, StatePost: r.StatePost,
		RulesHash: r.RulesHash, CoAuthors: e.CoAuthors, InstancePre: r.InstancePre, InstancePost: r.InstancePost,
		Attested: v.Attested,
	}
	if v.Proposer.Identity != "" {
		en.ProposerSignature = plan.SignerOf(v.Proposer)
	}
	for _, f := range v.Quarantined {
		en.Quarantined = append(en.Quarantined, Foreign{Commit: f.Commit.String(), Author: f.Author, Subject: f.Subject, Parents: f.Parents})
	}
	if p := e.Proposal; p != nil && e.Kind != core.KindGenesis {
		en.Instance, en.Transition, en.Workflow = p.Instance, p.Transition, p.Workflow
		en.Justification, en.Evidence, en.Inputs = p.Justification, p.Evidence, plan.InputsOf(p.Inputs)
		switch {
		case p.Trigger != nil:
			en.Trigger, en.TriggerBy = p.Trigger, TriggerByProposal
		case e.Trigger != nil:
			en.Trigger, en.TriggerBy = e.Trigger, TriggerByReconciler
		}
		en.RulesInForce = before.RulesHash()
		ctx := core.PlanContextOf(before.Rules(), before.RulesHash(), e.Kind, p, e.Subject.Content)
		en.PlanContext, en.Plan = &ctx, ctx.Digest()
		governed := e.Kind == core.KindRules || e.Kind == core.KindRecover
		if pol, ok := core.PolicyOf(before.Rules(), p, governed); ok {
			en.Judge = &plan.Judge{Policy: pol.Name, Version: core.VersionOf(pol), Rules: before.RulesHash(),
				Description: pol.Description, Governance: governed}
		}
		pl, ok, err := core.PlanOf(before, e)
		if err != nil {
			return Entry{}, err
		}
		if ok {
			en.Before, en.After = plan.InstanceOf(pl.Before), plan.InstanceOf(pl.After)
		}
	}
	for _, d := range e.Decisions {
		en.Decisions = append(en.Decisions, Decision{Identity: d.Identity, Verdict: d.Verdict, Role: r.Roles[d.Identity],
			Commit: d.Commit, Content: d.Content, Ref: d.Ref, Justification: d.Justification,
			Plan: d.Plan, PlanStatus: StatusOf(d.Plan, en.Plan)})
	}
	return en, nil
}

// Touches reports whether the entry moves or rejects a move of instance
// id.
func (en Entry) Touches(id string) bool { return en.Instance != "" && en.Instance == id }
