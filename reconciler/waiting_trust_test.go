package reconciler

import (
	"reflect"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// TestPendingNamesOnlyWhoCanCount: for a rule with min_trust_level,
// writ pending names as possible approvers only humans at that level.
func TestPendingNamesOnlyWhoCanCount(t *testing.T) {
	rules := &schemas.Bundle{Config: schemas.Config{Identities: []schemas.Identity{
		{Name: "alice", Kind: schemas.IdentityHuman, Roles: []string{"sre"}, TrustLevel: 8},
		{Name: "bob", Kind: schemas.IdentityHuman, Roles: []string{"sre"}, TrustLevel: 5},
		{Name: "carol", Kind: schemas.IdentityHuman, Roles: []string{"sre"}},
	}}}
	pol := &schemas.Policy{Name: "p", Rules: []schemas.Rule{{Name: "senior", Count: 1, Roles: []string{"sre"}, MinTrustLevel: 7}}}
	if got := eligible(rules, pol, policies.Result{Name: "senior"}, "dave", nil); !reflect.DeepEqual(got, []string{"alice"}) {
		t.Fatalf("eligible = %v, want [alice]", got)
	}
}
