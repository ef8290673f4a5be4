package policies

import (
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// TestRuleMinTrustLevel: a rule with min_trust_level counts (and is
// blocked by) only humans whose trust_level reaches it; the explanation
// says when someone did not count because of their level.
func TestRuleMinTrustLevel(t *testing.T) {
	rule := []schemas.Rule{{Name: "senior-sre", Count: 1, Roles: []string{"sre"}, MinTrustLevel: 7}}
	withLevels := func(f Facts) Facts {
		for i := range f.Identities {
			switch f.Identities[i].Name {
			case "alice":
				f.Identities[i].TrustLevel = 8
			case "bob":
				f.Identities[i].TrustLevel = 5
			}
		}
		return f
	}
	tests := []struct {
		name     string
		decision Decision
		status   Status
		reason   string
	}{
		{"a level at the minimum or above counts", approve("alice", head, content), StatusSatisfied, ""},
		{"a level below does not", approve("bob", head, content), StatusPending, "trust level 5 is below the rule's minimum 7"},
		{"a rejection below the minimum does not block", reject("bob", head, "no"), StatusPending, "trust level 5 is below the rule's minimum 7"},
		{"a rejection at the minimum blocks", reject("alice", head, "no"), StatusBlocked, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(withLevels(facts(rule, tt.decision)))
			if got.Status != tt.status {
				t.Fatalf("status %s (%s), want %s", got.Status, got.Description, tt.status)
			}
			if tt.reason != "" {
				nc := got.Children[0].NotCounted
				if len(nc) != 1 || nc[0].Reason != tt.reason {
					t.Fatalf("not counted %+v, want %q", nc, tt.reason)
				}
			}
		})
	}
	t.Run("an identity without a trust level meets no minimum", func(t *testing.T) {
		got := Evaluate(facts(rule, approve("alice", head, content)))
		if nc := got.Children[0].NotCounted; got.Status != StatusPending || len(nc) != 1 || nc[0].Reason != "trust level unset, the rule needs at least 7" {
			t.Fatalf("status %s, not counted %+v", got.Status, nc)
		}
	})
}
