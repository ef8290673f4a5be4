package policies

import (
	"fmt"

	"github.com/writ-dev/writ/schemas"
)

// A rule with a quorum instead of a count (schemas.Rule.Quorum) counts
// approvals as the goal quorums do: single needs one approval, multi needs
// Min from distinct eligible humans, and any needs one approval from an
// eligible human whose trust level reaches the quorum's TrustLevel. An
// eligible human below that level may still block the rule by rejecting:
// the quorum says whose approval satisfies the rule, the rule's roles,
// names and min_trust_level say who decides.

// quorumBroken says why the rule's quorum cannot be judged, "" when it
// can (or the rule has none): an unknown mode, an any quorum without a
// trust level in range, a min below 1. LoadPolicy refuses all of these;
// a Go value that has one fails closed.
func quorumBroken(rule schemas.Rule) string {
	q := rule.Quorum
	switch {
	case q == nil:
		return ""
	case q.Mode != "" && q.Mode != schemas.QuorumSingle && q.Mode != schemas.QuorumMulti && q.Mode != schemas.QuorumAny:
		return fmt.Sprintf("quorum mode %q is unknown (allowed: single, multi, any)", q.Mode)
	case q.Mode == schemas.QuorumAny && (q.TrustLevel < schemas.MinTrustLevel || q.TrustLevel > schemas.MaxTrustLevel):
		return fmt.Sprintf("quorum mode any needs a trust_level from %d to %d", schemas.MinTrustLevel, schemas.MaxTrustLevel)
	case q.Min < 0:
		return fmt.Sprintf("quorum min %d is below 1", q.Min)
	}
	return ""
}

// belowQuorum is the reason an eligible human's approval does not count
// under an any quorum whose trust level they do not reach:
// "trust level 3 is below the quorum's 8".
func belowQuorum(level int, id schemas.Identity) string {
	if id.TrustLevel == 0 {
		return fmt.Sprintf("trust level unset, the quorum needs at least %d", level)
	}
	return fmt.Sprintf("trust level %d is below the quorum's %d", id.TrustLevel, level)
}

// quorumText is what an any quorum adds to the rule's "from" phrase:
// " at trust level 8 or above"; "" for every other rule.
func quorumText(rule schemas.Rule) string {
	if level := rule.QuorumTrustLevel(); level > 0 {
		return fmt.Sprintf(" at trust level %d or above", level)
	}
	return ""
}

// quorumHints says, once per identity and in tree order, whose approval in
// a pending rule did not count because of an any quorum's trust level:
// "alice's approval did not count: trust level 3 is below the quorum's 8".
func (e *evaluator) quorumHints(r Result) []string {
	seen := map[string]bool{}
	var hints []string
	var walk func(n Result)
	walk = func(n Result) {
		if n.Status != StatusPending {
			return
		}
		if rule, ok := e.ruleNamed(n); ok && rule.QuorumTrustLevel() > 0 {
			for _, v := range n.NotCounted {
				if v.Verdict == VerdictApprove && !seen[v.Identity] && v.Reason == belowQuorum(rule.QuorumTrustLevel(), e.ix.ids[v.Identity]) {
					seen[v.Identity] = true
					hints = append(hints, v.Identity+"'s approval did not count: "+v.Reason)
				}
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(r)
	return hints
}

// ruleNamed returns the rule a rule node judged (the first of its name, as
// evaluator.rule evaluates it).
func (e *evaluator) ruleNamed(n Result) (schemas.Rule, bool) {
	if n.Kind != KindRule {
		return schemas.Rule{}, false
	}
	for _, r := range e.facts.Policy.Rules {
		if r.Name == n.Name {
			return r, true
		}
	}
	return schemas.Rule{}, false
}
