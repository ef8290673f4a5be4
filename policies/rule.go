package policies

import (
	"fmt"
	"sort"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// index is what every rule needs to know about identities and decisions,
// built once per Evaluate. Nothing in it depends on the order of
// Facts.Identities.
type index struct {
	ids    map[string]schemas.Identity
	dup    map[string]bool
	latest map[string]int // identity -> position of its latest decision with a known verdict
	// used[i] is true once some rule counted decision i or took it as a
	// blocker; why[i] is the first reason a rule gave for not counting it.
	used []bool
	why  []string
}

func newIndex(f *Facts) *index {
	ix := &index{
		ids:    make(map[string]schemas.Identity, len(f.Identities)),
		dup:    map[string]bool{},
		latest: map[string]int{},
		used:   make([]bool, len(f.Decisions)),
		why:    make([]string, len(f.Decisions)),
	}
	for _, id := range f.Identities {
		if _, seen := ix.ids[id.Name]; seen {
			ix.dup[id.Name] = true
		}
		ix.ids[id.Name] = id
	}
	for i, d := range f.Decisions {
		if knownVerdict(d.Verdict) {
			ix.latest[d.Identity] = i
		}
	}
	return ix
}

func knownVerdict(v Verdict) bool { return v == VerdictApprove || v == VerdictReject }

// evalRule judges one rule: whether it applies, which decisions count, which
// block, and what is still needed. It is pure.
func evalRule(rule schemas.Rule, f *Facts, ix *index) node {
	if why := quorumBroken(rule); why != "" {
		return broken(KindRule, rule.Name, why)
	}
	res := Result{Name: rule.Name, Kind: KindRule}
	pred := evalPredicate(rule.If, f)
	if !pred.applies {
		res.Status = StatusSkipped
		res.Description = pred.why
		return node{res: res}
	}

	for i, d := range f.Decisions {
		if d.Verdict == VerdictOverride {
			continue // judged for the policy as a whole (judgeOverrides)
		}
		v := Vote{Identity: d.Identity, Verdict: d.Verdict, Commit: d.Commit, Content: d.Content, Ref: d.Ref}
		role, reason := judge(rule, f, ix, i, d)
		v.Role = role
		switch {
		case reason != "":
			v.Reason = reason
			res.NotCounted = append(res.NotCounted, v)
			if ix.why[i] == "" {
				ix.why[i] = "rule " + rule.Name + ": " + reason
			}
		case d.Verdict == VerdictReject:
			v.Reason = d.Justification
			res.Blockers = append(res.Blockers, v)
			ix.used[i] = true
		default:
			res.Counted = append(res.Counted, v)
			ix.used[i] = true
		}
	}
	// Sort by identity only; a stable sort keeps each identity's decisions
	// in the order they were made, the only order that matters.
	for _, votes := range [][]Vote{res.Counted, res.NotCounted, res.Blockers} {
		sort.SliceStable(votes, func(i, j int) bool { return votes[i].Identity < votes[j].Identity })
	}

	counted, needs := len(res.Counted), rule.Approvals()
	res.Needed = max(0, needs-counted)
	from := eligibleText(rule) + quorumText(rule)
	switch {
	case len(res.Blockers) > 0:
		res.Status = StatusBlocked
		names := make([]string, len(res.Blockers))
		for i, b := range res.Blockers {
			names[i] = fmt.Sprintf("%s (%s)", b.Identity, b.Role)
		}
		res.Description = "rejected by " + strings.Join(names, ", ")
	case counted > needs:
		res.Status = StatusSatisfied
		res.Description = fmt.Sprintf("%d %s from %s (%d needed)", counted, approvals(counted), from, needs)
	case counted == needs:
		res.Status = StatusSatisfied
		res.Description = fmt.Sprintf("%d of %d %s from %s", counted, needs, approvals(needs), from)
	default:
		res.Status = StatusPending
		res.Description = fmt.Sprintf("%d of %d %s from %s", counted, needs, approvals(needs), from)
	}
	if pred.invalid != "" {
		res.Description += "; applies because its condition cannot be evaluated: " + pred.invalid
	}

	n := node{res: res}
	if res.Status == StatusPending {
		n.need = fmt.Sprintf("%d more %s from %s (rule %s)", res.Needed, approvals(res.Needed), from, rule.Name)
		n.parts = 1
	}
	return n
}

// judge decides how the rule sees decision i: the role that makes its
// author eligible, and the reason it does not count ("" when it counts or,
// for a rejection, blocks). Reasons are checked in the documented order.
func judge(rule schemas.Rule, f *Facts, ix *index, i int, d Decision) (role, reason string) {
	if !knownVerdict(d.Verdict) {
		return "", fmt.Sprintf("unknown verdict %q", d.Verdict)
	}
	id, known := ix.ids[d.Identity]
	switch {
	case !known:
		return "", ReasonUnknownIdentity
	case ix.dup[d.Identity]:
		return "", ReasonDuplicateIdentity
	case id.Kind == schemas.IdentityAgent:
		return "", ReasonAgent
	case id.Kind != schemas.IdentityHuman:
		return "", fmt.Sprintf("not a human (kind %q)", id.Kind)
	case f.isAuthor(d.Identity) && !rule.AllowAuthor:
		return "", ReasonAuthor
	}
	role, eligible := eligibleRole(rule, id)
	if !eligible {
		role, eligible = f.escalatedRole(id)
	}
	switch {
	case !eligible:
		return "", notEligible(rule)
	case id.TrustLevel < rule.MinTrustLevel:
		return role, belowTrust(rule, id)
	case d.Verdict == VerdictApprove && id.TrustLevel < rule.QuorumTrustLevel():
		return role, belowQuorum(rule.QuorumTrustLevel(), id)
	case d.Verdict == VerdictApprove && !d.covers(f.Subject):
		return role, ReasonOlderCommit
	case d.Verdict == VerdictApprove && !d.sawPlan(f.Plan):
		return role, ReasonOtherPlan
	case ix.latest[d.Identity] != i:
		return role, ReasonSuperseded
	}
	return role, ""
}

// eligibleRole returns what makes a human eligible for the rule: the first
// of the rule's roles it holds, "identity" when the rule names it, "human"
// when the rule accepts any human.
func eligibleRole(rule schemas.Rule, id schemas.Identity) (string, bool) {
	if len(rule.Roles) == 0 && len(rule.Identities) == 0 {
		return "human", true
	}
	for _, r := range rule.Roles {
		if id.HasRole(r) {
			return r, true
		}
	}
	for _, n := range rule.Identities {
		if n == id.Name {
			return "identity", true
		}
	}
	return "", false
}

// notEligible is the reason a human outside the rule's roles and names
// does not count.
func notEligible(rule schemas.Rule) string {
	switch {
	case len(rule.Roles) > 0 && len(rule.Identities) > 0:
		return "not in role " + strings.Join(rule.Roles, " or ") + " and " + ReasonNotNamed
	case len(rule.Roles) > 0:
		return "not in role " + strings.Join(rule.Roles, " or ")
	default:
		return ReasonNotNamed
	}
}

// eligibleText names who may approve under the rule: "role sre or
// security", "alice or bob", "role sre or alice", "any human".
func eligibleText(rule schemas.Rule) string {
	var parts []string
	if len(rule.Roles) > 0 {
		parts = append(parts, "role "+strings.Join(rule.Roles, " or "))
	}
	if len(rule.Identities) > 0 {
		parts = append(parts, strings.Join(rule.Identities, " or "))
	}
	if len(parts) == 0 {
		return "any human"
	}
	return strings.Join(parts, " or ")
}

func approvals(n int) string {
	if n == 1 {
		return "approval"
	}
	return "approvals"
}

// belowTrust is the reason a human eligible by role or name does not count
// under a rule with a minimum trust level they do not reach.
func belowTrust(rule schemas.Rule, id schemas.Identity) string {
	if id.TrustLevel == 0 {
		return fmt.Sprintf("trust level unset, the rule needs at least %d", rule.MinTrustLevel)
	}
	return fmt.Sprintf("trust level %d is below the rule's minimum %d", id.TrustLevel, rule.MinTrustLevel)
}
