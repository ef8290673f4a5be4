package policies

import (
	"sort"

	"github.com/writ-dev/writ/schemas"
)

// Approver is one identity whose approval would count for a pending rule,
// with the role that makes it eligible (see Vote.Role).
type Approver struct {
	Identity string `json:"identity"`
	Role     string `json:"role"`
}

// Approvers lists the humans of identities whose approval would count for
// rule node n of policy pol (a node of an Evaluate result): those the
// rule admits (its roles or names, its trust level), not already counted
// there, and not author unless the rule allows the author. Sorted by
// identity; nil when pol has no rule named n.Name. It is pure.
func Approvers(pol *schemas.Policy, identities []schemas.Identity, n Result, author string) []Approver {
	return EscalatedApprovers(pol, identities, n, author, nil)
}

// EscalatedApprovers is Approvers for a proposal whose wait reached the
// escalation steps escalated (Facts.Escalated): humans those steps name
// are listed too, with their escalation role, when the rule's own roles
// and names do not admit them but its trust level does. It is pure.
func EscalatedApprovers(pol *schemas.Policy, identities []schemas.Identity, n Result, author string, escalated []Escalation) []Approver {
	var rule *schemas.Rule
	for i := range pol.Rules {
		if pol.Rules[i].Name == n.Name {
			rule = &pol.Rules[i]
		}
	}
	if rule == nil {
		return nil
	}
	counted := map[string]bool{}
	for _, v := range n.Counted {
		counted[v.Identity] = true
	}
	var out []Approver
	f := &Facts{Escalated: escalated}
	for _, id := range identities {
		if counted[id.Name] || (id.Name == author && !rule.AllowAuthor) {
			continue
		}
		if rule.Admits(id) {
			role, _ := eligibleRole(*rule, id)
			out = append(out, Approver{Identity: id.Name, Role: role})
			continue
		}
		if role, ok := f.escalatedRole(id); ok && id.Kind == schemas.IdentityHuman && id.TrustLevel >= rule.ApprovalTrustLevel() {
			out = append(out, Approver{Identity: id.Name, Role: role})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Identity < out[j].Identity })
	return out
}
