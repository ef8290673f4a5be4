package policies

import "sort"

// Status is the outcome of one node of a Result tree.
type Status string

// The statuses, from best to worst for a proposal waiting on them.
const (
	// StatusSatisfied: enough eligible approvals on the current content.
	StatusSatisfied Status = "satisfied"
	// StatusSkipped: the rule does not apply to this proposal (an "any" is
	// skipped when all its children are).
	StatusSkipped Status = "skipped"
	// StatusPending: more approvals are needed; a human can resolve it.
	StatusPending Status = "pending"
	// StatusBlocked: an eligible approver rejected, or the policy itself
	// is broken; more approvals cannot resolve it.
	StatusBlocked Status = "blocked"
)

// Kind says what a Result node judges.
type Kind string

// The node kinds of a Result tree.
const (
	KindPolicy Kind = "policy" // the root: one policy
	KindAll    Kind = "all"    // every child must pass
	KindAny    Kind = "any"    // one child must pass
	KindRule   Kind = "rule"   // one rule of the policy
)

// Reasons a decision does not count. Tests and callers may compare against
// these; the "not in role ..." reason is built from the rule, for example
// "not in role sre or security" or "not in role sre and not named by the
// rule".
const (
	ReasonUnknownIdentity = "unknown identity"
	ReasonAgent           = "agent cannot approve"
	ReasonAuthor          = "author cannot approve (rule sets no allow_author)"
	ReasonOlderCommit     = "approved an older commit"
	// ReasonOtherPlan: the approval records the digest of a plan other
	// than the one judged now (the instance, the workflow or the policy
	// changed since the decider looked).
	ReasonOtherPlan  = "approved another plan: the instance, workflow or policy changed since; decide again"
	ReasonSuperseded = "superseded by a later decision"
	// ReasonDuplicateIdentity: the name is defined more than once in
	// writ.yaml, so which definition applies would depend on order.
	ReasonDuplicateIdentity = "identity defined more than once"
	// ReasonNotNamed: the rule names identities only, and this is not one.
	ReasonNotNamed = "not named by the rule"
)

// Vote is one decision as a rule saw it.
type Vote struct {
	Identity string  `json:"identity"`
	Verdict  Verdict `json:"verdict"`
	// Role is the rule role that made the identity eligible, "identity"
	// when the rule names it, or "human" when the rule accepts any human.
	// Empty when the identity is not eligible.
	Role    string `json:"role,omitempty"`
	Commit  string `json:"commit,omitempty"`
	Content string `json:"content,omitempty"`
	Ref     string `json:"ref,omitempty"`
	// Reason says why a decision did not count; for a blocker it is the
	// rejection's justification.
	Reason string `json:"reason,omitempty"`
}

// Result is one node of the explanation tree Evaluate returns. Every node
// says what it judged (Name, Kind), how it stands (Status) and why
// (Description). A Result is plain data: comparing two with
// reflect.DeepEqual is meaningful, and encoding/json prints it as
// `writ gate --json` shows it.
type Result struct {
	Name        string `json:"name,omitempty"`
	Kind        Kind   `json:"kind"`
	Status      Status `json:"status"`
	Description string `json:"description"`
	// Needed is how many more approvals would satisfy the node: for a rule
	// the approvals it needs (Count, or as its quorum says) minus those
	// counted, for "all" the sum over its unsatisfied
	// children, for "any" the cheapest unsatisfied child. Zero when
	// satisfied or skipped.
	Needed int `json:"needed"`
	// Counted are the approvals that counted, sorted by identity.
	Counted []Vote `json:"counted,omitempty"`
	// NotCounted are the decisions that did not count, each with its
	// Reason, sorted by identity (then in decision order).
	NotCounted []Vote `json:"not_counted,omitempty"`
	// Blockers are the eligible rejections that block the rule.
	Blockers []Vote `json:"blockers,omitempty"`
	// Override, on the root only, is the break-glass override that stands
	// in for the unsatisfied policy (Role "override", Reason its
	// justification); nil when none does.
	Override *Vote `json:"override,omitempty"`
	// Ignored, on the root only, are the decisions that count nowhere,
	// with the reason: overrides that do not stand, and approvals and
	// rejections that no applicable rule counted or took as a blocker
	// (with the first rule's reason). Sorted by identity.
	Ignored  []Vote   `json:"ignored,omitempty"`
	Children []Result `json:"children,omitempty"`
}

// CountedApprovals returns the approvals that counted in satisfied rules of
// the tree, one per identity (the first in tree order), sorted by identity.
// The reconciler writes one Writ-Approval trailer per element. It is pure
// and deterministic.
func (r Result) CountedApprovals() []Vote {
	seen := map[string]bool{}
	var out []Vote
	var walk func(n Result)
	walk = func(n Result) {
		if n.Kind == KindRule && n.Status == StatusSatisfied {
			for _, v := range n.Counted {
				if !seen[v.Identity] {
					seen[v.Identity] = true
					out = append(out, v)
				}
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(r)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Identity < out[j].Identity })
	return out
}
