package plan

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// Input is what a View is built from: the gate's result and what the
// caller read for it. Build reads nothing itself.
type Input struct {
	Gate intake.GateResult
	// Rules are the rules in force where the gate judged (before a rules
	// change), and RulesHash their hash (core.HashRules).
	Rules     *schemas.Bundle
	RulesHash string
	// Old are the bytes on main of every governed path a rules change
	// changes or deletes; a path absent here is one the change adds.
	Old map[string][]byte
	// MaxDiffLines caps the lines of each file's diff (0: DefaultMaxDiffLines).
	MaxDiffLines int
	// Wait is the proposal's recorded wait (WaitOf), nil when none; Now,
	// when not zero, measures its age.
	Wait *core.Wait
	Now  time.Time
	// Behind is the wait recorded at the proposal's path for other
	// content (BehindOf), nil when none.
	Behind *core.Wait
}

// Kinds of proposal a View shows.
const (
	KindTransition = "transition"
	KindRules      = "rules"
	KindRecover    = "recover"
	// KindGoal: a goal action on a lineage (it moves no workflow state;
	// its reason says what it does to the lineage).
	KindGoal = "goal"
)

// View is what an approver sees of one proposal. Every string is the raw
// value (JSON carries it as is); Text neutralises what it prints.
type View struct {
	Proposal string         `json:"proposal"`
	Path     string         `json:"path,omitempty"`
	Kind     string         `json:"kind"`
	Verdict  intake.Verdict `json:"verdict"`
	Reason   string         `json:"reason"`
	// Instance, Workflow and Transition name the move (for a rules change:
	// "rules" and "change").
	Instance   string `json:"instance,omitempty"`
	Workflow   string `json:"workflow,omitempty"`
	Transition string `json:"transition,omitempty"`
	// Proposer is the identity the proposal's commits verified as; Signer
	// how the subject commit (Commit) was signed.
	Proposer string  `json:"proposer,omitempty"`
	Signer   *Signer `json:"signer,omitempty"`
	Commit   string  `json:"commit,omitempty"`
	// Justification, Evidence and Inputs are the proposal's own words,
	// inputs sorted by name with values as canonical JSON.
	Justification string             `json:"justification,omitempty"`
	Evidence      []schemas.Evidence `json:"evidence,omitempty"`
	Inputs        []NamedValue       `json:"inputs,omitempty"`
	// Before and After are the instance before and after the move (nil
	// Before: the proposal creates it; nil After: the workflow allows no
	// such move, or the proposal moves no instance). Moves is false for a
	// rejection, which leaves the instance where it is.
	Before *InstanceView `json:"before,omitempty"`
	After  *InstanceView `json:"after,omitempty"`
	Moves  bool          `json:"moves"`
	// Guards are the guards Apply ran, in order.
	Guards []core.GuardResult `json:"guards,omitempty"`
	// Needs are the rules of the policy not yet satisfied, with what each
	// still needs; empty when the policy is satisfied or none applies.
	Needs []Need `json:"needs,omitempty"`
	// Judge is the policy that judges the proposal in the rules in force
	// (for a rules change: the governance policy of the rules before it).
	Judge *Judge `json:"judge,omitempty"`
	// Files are the changed governed files of a rules change, with their
	// diffs, in path order.
	Files    []FileDiff `json:"files,omitempty"`
	Problems []string   `json:"problems,omitempty"`
	// Plan is the digest of this plan (core.PlanContext: the proposal's
	// content, the state it moves from, the workflow and policy versions):
	// what a decision on it records, and what `writ approve --plan` checks.
	// Empty when the gate judged nothing (an applied or refused proposal).
	Plan string `json:"plan,omitempty"`
	// WaitsBehind, when main records a wait at the proposal's path for
	// other content, says so (core.BehindReason): the proposal's own wait
	// is not recorded while that content is open.
	WaitsBehind string `json:"waits_behind,omitempty"`
	// Waiting is the proposal's recorded wait, when main records one for
	// the content shown.
	Waiting *Waiting `json:"waiting,omitempty"`
}

// Signer is how a commit's signature verified.
type Signer struct {
	Identity    string `json:"identity"`
	Signer      string `json:"signer,omitempty"`
	Format      string `json:"format,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Subject     string `json:"subject,omitempty"`
	Issuer      string `json:"issuer,omitempty"`
}

// NamedValue is one proposal input.
type NamedValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// InstanceView is an instance's state and the sub-state of each region.
type InstanceView struct {
	State   string            `json:"state"`
	Regions map[string]string `json:"regions,omitempty"`
}

// Need is one policy rule that is not yet satisfied.
type Need struct {
	Rule        string          `json:"rule"`
	Status      policies.Status `json:"status"`
	Needed      int             `json:"needed"`
	Description string          `json:"description"`
}

// Judge names the policy that judges a proposal: its name, its version
// (the hash of its canonical JSON) and the hash of the rules it is part of.
type Judge struct {
	Policy      string `json:"policy"`
	Version     string `json:"version"`
	Rules       string `json:"rules"`
	Description string `json:"description,omitempty"`
	Governance  bool   `json:"governance,omitempty"`
}

// Build returns the View of in.Gate. It is pure and deterministic.
func Build(in Input) View {
	g := in.Gate
	p := g.Pending
	v := View{Proposal: p.Branch, Path: p.Path, Kind: KindTransition, Verdict: g.Verdict, Reason: g.Reason,
		Proposer: p.Proposer, Commit: p.Subject.Commit, Guards: g.Outcome.Guards, Problems: p.Problems, Plan: g.Outcome.Plan}
	switch {
	case p.IsRules():
		v.Kind = KindRules
	case p.IsRecovery():
		v.Kind = KindRecover
	case core.IsGoalAction(in.Rules, p.Proposal):
		v.Kind = KindGoal
	}
	if sv, ok := p.SignerOf(p.Subject.Commit); ok {
		v.Signer = signerOf(sv)
	}
	if pr := p.Proposal; pr != nil {
		v.Instance, v.Workflow, v.Transition = pr.Instance, pr.Workflow, pr.Transition
		v.Justification, v.Evidence, v.Inputs = pr.Justification, pr.Evidence, inputsOf(pr.Inputs)
	}
	if pl := g.Plan; pl != nil {
		v.Before, v.After = instanceView(pl.Before), instanceView(pl.After)
		v.Moves = pl.After != nil && g.Entry.Kind != core.KindReject
	}
	v.Needs = needsOf(g.Outcome.Policy)
	if g.Verdict == intake.VerdictWaiting || g.Verdict == intake.VerdictReady {
		v.Waiting = WaitingOf(in.Wait, in.Rules, in.Now)
		if in.Wait == nil && in.Behind != nil {
			v.WaitsBehind = core.BehindReason(*in.Behind)
		}
	}
	if pol, ok := core.PolicyOf(in.Rules, p.Proposal, p.IsRules() || p.IsRecovery()); ok {
		v.Judge = &Judge{Policy: pol.Name, Version: policyVersion(pol), Rules: in.RulesHash,
			Description: pol.Description, Governance: p.IsRules() || p.IsRecovery()}
	}
	if p.IsRules() {
		v.Files = diffs(p, in.Old, in.MaxDiffLines)
	}
	return v
}

func signerOf(sv signing.Verified) *Signer {
	return &Signer{Identity: sv.Identity, Signer: sv.Signer, Format: string(sv.Format), Fingerprint: sv.Fingerprint,
		Subject: sv.Subject, Issuer: sv.Issuer}
}

// inputsOf lists inputs by name, each value as canonical JSON.
func inputsOf(in map[string]any) []NamedValue {
	out := make([]NamedValue, 0, len(in))
	for k, val := range in {
		b, err := schemas.CanonicalJSON(val)
		s := string(b)
		if err != nil {
			s = fmt.Sprintf("(unprintable: %v)", err)
		}
		out = append(out, NamedValue{Name: k, Value: s})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(out) == 0 {
		return nil
	}
	return out
}

func instanceView(in *core.Instance) *InstanceView {
	if in == nil {
		return nil
	}
	v := &InstanceView{State: in.State}
	if len(in.Regions) > 0 {
		v.Regions = map[string]string{}
		for r, s := range in.Regions {
			v.Regions[r] = s
		}
	}
	return v
}

// String is "state" or "state (region: sub, ...)", regions in name order.
func (v *InstanceView) String() string {
	if v == nil {
		return "(none)"
	}
	if len(v.Regions) == 0 {
		return v.State
	}
	names := make([]string, 0, len(v.Regions))
	for r := range v.Regions {
		names = append(names, r)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, r := range names {
		parts[i] = r + ": " + v.Regions[r]
	}
	return v.State + " (" + strings.Join(parts, ", ") + ")"
}

// needsOf lists the rules of a policy result that are pending or
// blocked, in tree order; the root itself when no rule says more.
func needsOf(r *policies.Result) []Need {
	if r == nil || r.Status == policies.StatusSatisfied {
		return nil
	}
	var out []Need
	var walk func(n policies.Result)
	walk = func(n policies.Result) {
		if n.Kind == policies.KindRule && (n.Status == policies.StatusPending || n.Status == policies.StatusBlocked) {
			out = append(out, Need{Rule: n.Name, Status: n.Status, Needed: n.Needed, Description: n.Description})
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(*r)
	if len(out) == 0 {
		out = []Need{{Rule: r.Name, Status: r.Status, Needed: r.Needed, Description: r.Description}}
	}
	return out
}

// policyVersion is the hash of a policy's canonical JSON.
func policyVersion(p *schemas.Policy) string {
	b, err := schemas.CanonicalJSON(p)
	if err != nil {
		return ""
	}
	return schemas.HashBytes(b)
}
