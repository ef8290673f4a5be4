package policies

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// A rule with a quorum instead of a count (schemas.Rule.Quorum) counts
// approvals as the goal quorums do: single needs one approval, multi needs
// Min from distinct eligible humans, and any needs one approval from an
// eligible human whose trust level reaches the quorum's TrustLevel. An
// eligible human below that level may still block the rule by rejecting:
// the quorum says whose approval satisfies the rule, the rule's roles,
// names and min_trust_level say who decides.

// belowQuorum is the reason an eligible human's approval does not count
// under an any quorum whose trust level they do not reach:
// "trust level 3 is below the quorum's 8".
func belowQuorum(level int, id schemas.Identity) string {
	if id.TrustLevel == 0 {
		return fmt.Sprintf("trust level unset, %s %d", quorumNeeds, level)
	}
	return fmt.Sprintf("trust level %d is below %s%d", id.TrustLevel, quorumOf, level)
}

// The words that mark a reason as belowQuorum's, for quorumHints.
const (
	quorumNeeds = "the quorum needs at least"
	quorumOf    = "the quorum's "
)

// isBelowQuorum reports whether reason was written by belowQuorum.
func isBelowQuorum(reason string) bool {
	return strings.HasPrefix(reason, "trust level ") &&
		(strings.Contains(reason, ", "+quorumNeeds+" ") || strings.Contains(reason, " is below "+quorumOf))
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
func quorumHints(r Result) []string {
	seen := map[string]bool{}
	var hints []string
	var walk func(n Result)
	walk = func(n Result) {
		if n.Status != StatusPending {
			return
		}
		for _, v := range n.NotCounted {
			if v.Verdict == VerdictApprove && isBelowQuorum(v.Reason) && !seen[v.Identity] {
				seen[v.Identity] = true
				hints = append(hints, v.Identity+"'s approval did not count: "+v.Reason)
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(r)
	return hints
}
