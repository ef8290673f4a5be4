package core

import (
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// TestPlanContextCoversRuleQuorum: a rule's quorum is part of its policy's
// version, so an approval recorded on the plan of one quorum does not
// count once the quorum changed; the version of a count rule is what it
// was.
func TestPlanContextCoversRuleQuorum(t *testing.T) {
	p := &schemas.Proposal{Instance: "r1", Workflow: "release", Transition: "ship", BaseState: "sha256:00"}
	plan := func(q *schemas.Quorum) PlanContext {
		rules := testRules()
		if q != nil {
			rules.Policies[1].Rules[0].Count = 0
			rules.Policies[1].Rules[0].Quorum = q
		}
		return PlanContextOf(rules, "sha256:rules", KindTransition, p, "sha256:content")
	}
	count := plan(nil)
	if want := "release-approval@" + VersionOf(testRules().Policies[1]); count.Policy != want {
		t.Fatalf("plan policy %q, want %q", count.Policy, want)
	}
	seen := map[string]string{count.Digest(): "count"}
	for name, q := range map[string]*schemas.Quorum{
		"single": {Mode: schemas.QuorumSingle},
		"multi":  {Mode: schemas.QuorumMulti, Min: 2},
		"any 8":  {Mode: schemas.QuorumAny, TrustLevel: 8},
		"any 9":  {Mode: schemas.QuorumAny, TrustLevel: 9},
	} {
		d := plan(q).Digest()
		if other, dup := seen[d]; dup {
			t.Fatalf("quorum %s has the plan digest of %s", name, other)
		}
		seen[d] = name
	}
}
