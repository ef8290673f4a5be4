package policies

import (
	"reflect"
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// TestRuleQuorum: a rule with quorum instead of count counts approvals in
// the goal quorums' vocabulary: single (one approval), multi (min from
// distinct eligible humans, 2 by default) and any (one approval by an
// eligible human at the quorum's trust level or above). The explanation
// says when someone's approval did not count because of their level, and
// an eligible human below that level may still block by rejecting.
func TestRuleQuorum(t *testing.T) {
	sre := func(q schemas.Quorum) schemas.Rule {
		return schemas.Rule{Name: "senior", Roles: []string{"sre"}, Quorum: &q}
	}
	any8 := sre(schemas.Quorum{Mode: schemas.QuorumAny, TrustLevel: 8})
	tests := []struct {
		name        string
		rule        schemas.Rule
		decisions   []Decision
		status      Status
		needed      int
		counted     []string
		notCounted  map[string][]string
		description string // the rule's
		policy      string // a substring of the policy's one-line description
	}{
		{
			name:        "single: nothing yet",
			rule:        sre(schemas.Quorum{Mode: schemas.QuorumSingle}),
			status:      StatusPending,
			needed:      1,
			notCounted:  map[string][]string{},
			description: "0 of 1 approval from role sre",
			policy:      "needs 1 more approval from role sre (rule senior)",
		},
		{
			name:        "single: one approval satisfies",
			rule:        sre(schemas.Quorum{Mode: schemas.QuorumSingle}),
			decisions:   []Decision{approve("alice", head, content)},
			status:      StatusSatisfied,
			counted:     []string{"alice"},
			notCounted:  map[string][]string{},
			description: "1 of 1 approval from role sre",
			policy:      "approved by alice",
		},
		{
			name:        "multi: min approvals from distinct humans",
			rule:        sre(schemas.Quorum{Mode: schemas.QuorumMulti, Min: 3}),
			decisions:   []Decision{approve("alice", head, content), approve("bob", head, content), approve("alice", head, content)},
			status:      StatusPending,
			needed:      1,
			counted:     []string{"alice", "bob"},
			notCounted:  map[string][]string{"alice": {ReasonSuperseded}},
			description: "2 of 3 approvals from role sre",
			policy:      "needs 1 more approval from role sre (rule senior)",
		},
		{
			name:        "multi: min reached",
			rule:        sre(schemas.Quorum{Mode: schemas.QuorumMulti, Min: 2}),
			decisions:   []Decision{approve("alice", head, content), approve("bob", head, content)},
			status:      StatusSatisfied,
			counted:     []string{"alice", "bob"},
			notCounted:  map[string][]string{},
			description: "2 of 2 approvals from role sre",
			policy:      "approved by alice, bob",
		},
		{
			name:        "multi without min needs the default 2",
			rule:        sre(schemas.Quorum{}),
			decisions:   []Decision{approve("alice", head, content)},
			status:      StatusPending,
			needed:      1,
			counted:     []string{"alice"},
			notCounted:  map[string][]string{},
			description: "1 of 2 approvals from role sre",
		},
		{
			name:        "any: an approval at the level satisfies",
			rule:        any8,
			decisions:   []Decision{approve("bob", head, content)},
			status:      StatusSatisfied,
			counted:     []string{"bob"},
			notCounted:  map[string][]string{},
			description: "1 of 1 approval from role sre at trust level 8 or above",
			policy:      "approved by bob",
		},
		{
			name:        "any: an approval below the level does not count, and the explanation says so",
			rule:        any8,
			decisions:   []Decision{approve("alice", head, content)},
			status:      StatusPending,
			needed:      1,
			notCounted:  map[string][]string{"alice": {"trust level 3 is below the quorum's 8"}},
			description: "0 of 1 approval from role sre at trust level 8 or above",
			policy:      "needs 1 more approval from role sre at trust level 8 or above (rule senior); alice's approval did not count: trust level 3 is below the quorum's 8",
		},
		{
			name:        "any: an identity without a trust level reaches no level",
			rule:        any8,
			decisions:   []Decision{approve("erin", head, content)},
			status:      StatusPending,
			needed:      1,
			notCounted:  map[string][]string{"erin": {"trust level unset, the quorum needs at least 8"}},
			description: "0 of 1 approval from role sre at trust level 8 or above",
			policy:      "erin's approval did not count: trust level unset, the quorum needs at least 8",
		},
		{
			name:        "any: the first approval at the level is enough whoever else approved",
			rule:        any8,
			decisions:   []Decision{approve("alice", head, content), approve("bob", head, content)},
			status:      StatusSatisfied,
			counted:     []string{"bob"},
			notCounted:  map[string][]string{"alice": {"trust level 3 is below the quorum's 8"}},
			description: "1 of 1 approval from role sre at trust level 8 or above",
			policy:      "approved by bob",
		},
		{
			name:        "any: an eligible human below the level still blocks by rejecting",
			rule:        any8,
			decisions:   []Decision{reject("alice", head, "not yet"), approve("bob", head, content)},
			status:      StatusBlocked,
			counted:     []string{"bob"},
			notCounted:  map[string][]string{},
			description: "rejected by alice (sre)",
			policy:      "rejected by alice (rule senior): not yet",
		},
		{
			name: "any: min_trust_level is judged first",
			rule: func() schemas.Rule {
				r := any8
				r.MinTrustLevel = 5
				return r
			}(),
			decisions:   []Decision{approve("alice", head, content)},
			status:      StatusPending,
			needed:      1,
			notCounted:  map[string][]string{"alice": {"trust level 3 is below the rule's minimum 5"}},
			description: "0 of 1 approval from role sre at trust level 8 or above",
		},
		{
			name:        "any: an approval on an older commit by someone below the level names the level",
			rule:        any8,
			decisions:   []Decision{approve("alice", old, changed)},
			status:      StatusPending,
			needed:      1,
			notCounted:  map[string][]string{"alice": {"trust level 3 is below the quorum's 8"}},
			description: "0 of 1 approval from role sre at trust level 8 or above",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := withTrustLevels(facts([]schemas.Rule{tt.rule}, tt.decisions...))
			got := Evaluate(f)
			if again := Evaluate(f); !reflect.DeepEqual(got, again) {
				t.Fatalf("Evaluate is not deterministic:\n%+v\n%+v", got, again)
			}
			r := got.Children[0]
			if r.Status != tt.status || got.Status != tt.status {
				t.Fatalf("rule %s, policy %s (%s); want %s", r.Status, got.Status, got.Description, tt.status)
			}
			if r.Needed != tt.needed {
				t.Errorf("needed %d, want %d", r.Needed, tt.needed)
			}
			if c := names(r.Counted); !reflect.DeepEqual(c, tt.counted) {
				t.Errorf("counted %v, want %v", c, tt.counted)
			}
			if nc := reasons(r.NotCounted); !reflect.DeepEqual(nc, tt.notCounted) {
				t.Errorf("not counted %v, want %v", nc, tt.notCounted)
			}
			if r.Description != tt.description {
				t.Errorf("rule description %q, want %q", r.Description, tt.description)
			}
			if !strings.Contains(got.Description, tt.policy) {
				t.Errorf("policy description %q, want it to contain %q", got.Description, tt.policy)
			}
		})
	}
}

// TestRuleQuorumBroken: a quorum LoadPolicy would refuse, reaching
// Evaluate as a Go value, fails closed: the rule is blocked and says why.
func TestRuleQuorumBroken(t *testing.T) {
	tests := []struct {
		name string
		q    schemas.Quorum
		why  string
	}{
		{"unknown mode", schemas.Quorum{Mode: "most"}, `quorum mode "most" is unknown (allowed: single, multi, any)`},
		{"any without a trust level", schemas.Quorum{Mode: schemas.QuorumAny}, "quorum mode any needs a trust_level from 1 to 10"},
		{"a negative min", schemas.Quorum{Min: -1}, "quorum min -1 is below 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rule := schemas.Rule{Name: "senior", Roles: []string{"sre"}, Quorum: &tt.q}
			got := Evaluate(withTrustLevels(facts([]schemas.Rule{rule}, approve("bob", head, content))))
			if r := got.Children[0]; got.Status != StatusBlocked || r.Status != StatusBlocked || r.Description != tt.why {
				t.Fatalf("policy %s, rule %s (%s); want blocked: %s", got.Status, r.Status, r.Description, tt.why)
			}
		})
	}
}

// TestQuorumHintOnlyWhenPending: a trust-level shortfall under an any
// quorum is worth a hint only while the rule still waits.
func TestQuorumHintOnlyWhenPending(t *testing.T) {
	q := schemas.Quorum{Mode: schemas.QuorumAny, TrustLevel: 8}
	rules := []schemas.Rule{
		{Name: "senior", Roles: []string{"sre"}, Quorum: &q},
		{Name: "security", Count: 1, Roles: []string{"security"}},
	}
	got := Evaluate(withTrustLevels(facts(rules, approve("alice", head, content), approve("bob", head, content))))
	if got.Status != StatusPending || strings.Contains(got.Description, "did not count") {
		t.Fatalf("status %s, description %q: want pending on security without a hint about alice", got.Status, got.Description)
	}
}

// withTrustLevels gives alice trust level 3 and bob 9; the others have
// none.
func withTrustLevels(f Facts) Facts {
	f.Identities = append([]schemas.Identity(nil), f.Identities...)
	for i := range f.Identities {
		switch f.Identities[i].Name {
		case "alice":
			f.Identities[i].TrustLevel = 3
		case "bob":
			f.Identities[i].TrustLevel = 9
		}
	}
	return f
}
