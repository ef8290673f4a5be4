package core

import "github.com/writ-dev/writ/schemas"

// PlanContext is what the plan a decider is shown (plan.View: the move,
// its guards, the judging policy, the proposal's own words, the diff of a
// rules change) is a pure function of, reduced to names and hashes. Its
// Digest is what a decision records as the plan its decider saw
// (policies.Decision.Plan), so the WAL entry proves what each human was
// shown and an auditor can re-render it from a clone.
//
// A plan changes when the proposal's content changes, when the instance
// moves (Base), and when the workflow or the policy that judges the move is
// edited; for a rules change or a recovery, when the rules in force change.
// An edit elsewhere in the rules (another workflow, another policy) leaves
// a transition's plan, and the approvals of it, intact.
type PlanContext struct {
	// Kind is "transition" (what a rejection of one was shown, too),
	// "rules" or "recover".
	Kind EntryKind `json:"kind"`
	// Instance names the instance a transition moves.
	Instance string `json:"instance,omitempty"`
	// Content is the content hash of the proposal (policies.Subject).
	Content string `json:"content"`
	// Base is the proposal's base_state: the instance's state hash the
	// move starts from (schemas.BaseStateNone to create it), or for a
	// rules change the rules hash it replaces.
	Base string `json:"base"`
	// Workflow and Policy are "name@version", the version being the hash
	// of the definition's canonical JSON; Policy is empty when the move
	// needs no approval. For a rules change or a recovery Policy is the
	// governance policy and Rules the hash of the rules in force.
	Workflow string `json:"workflow,omitempty"`
	Policy   string `json:"policy,omitempty"`
	Rules    string `json:"rules,omitempty"`
}

// Digest is the hash of the context's canonical JSON, "sha256:<hex>";
// empty when the context does not encode (it always does: every field is
// a string).
func (c PlanContext) Digest() string {
	b, err := schemas.CanonicalJSON(c)
	if err != nil {
		return ""
	}
	return schemas.HashBytes(b)
}

// PlanContextOf returns the context of the plan a decider of an entry of
// kind kind, for proposal p with content hash content, is shown under
// rules, whose hash is rulesHash. A reject entry is judged on the plan of
// the transition it rejects; rules and recover entries by the governance
// policy. A workflow, transition or policy p names that does not exist is
// left out (Apply refuses such a proposal). It is pure.
func PlanContextOf(rules *schemas.Bundle, rulesHash string, kind EntryKind, p *schemas.Proposal, content string) PlanContext {
	c := PlanContext{Kind: KindTransition, Content: content}
	if p != nil {
		c.Base = p.BaseState
	}
	governed := kind == KindRules || kind == KindRecover
	if governed {
		c.Kind, c.Rules = kind, rulesHash
	} else if p != nil {
		c.Instance = p.Instance
		if rules != nil {
			if wf, ok := rules.Workflow(p.Workflow); ok {
				c.Workflow = wf.Name + "@" + VersionOf(wf)
			}
		}
	}
	if pol, ok := PolicyOf(rules, p, governed); ok {
		c.Policy = pol.Name + "@" + VersionOf(pol)
	}
	return c
}

// VersionOf is the version of a definition (a workflow, a policy): the
// hash of its canonical JSON, "" when it does not encode.
func VersionOf(v any) string {
	b, err := schemas.CanonicalJSON(v)
	if err != nil {
		return ""
	}
	return schemas.HashBytes(b)
}

// planDigest is the digest of the plan of e judged in s, which the policy
// compares with the plan each decision records; "" when no decision
// records one, so entries without such decisions pay nothing for it.
func planDigest(s State, e Entry) string {
	for _, d := range e.Decisions {
		if d.Plan != "" {
			return PlanContextOf(s.rules, s.rulesHash, e.Kind, e.Proposal, e.Subject.Content).Digest()
		}
	}
	return ""
}
