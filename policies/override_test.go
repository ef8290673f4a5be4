package policies

import (
	"reflect"
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

func override(id, commit, why string) Decision {
	return Decision{Identity: id, Verdict: VerdictOverride, Commit: commit, Ref: "review-" + id, Justification: why}
}

// Evaluate judges overrides: the first valid one stands in for an
// unsatisfied policy; every other is ignored with its reason and changes
// neither the status nor what is still needed.
func TestEvaluateOverrides(t *testing.T) {
	pair := []schemas.Rule{{Name: "sre-pair", Count: 2, Roles: []string{"sre"}}}
	withOverride := func(ids []schemas.Identity, names ...string) []schemas.Identity {
		out := append([]schemas.Identity(nil), ids...)
		for i := range out {
			for _, n := range names {
				if out[i].Name == n {
					out[i].Capabilities = append(out[i].Capabilities, CapabilityOverride)
				}
			}
		}
		return out
	}
	tests := []struct {
		name        string
		decisions   []Decision
		overridable bool
		status      Status
		stands      string
		ignored     map[string][]string
	}{
		{"valid override stands", []Decision{override("alice", head, "outage")}, true, StatusPending, "alice", nil},
		{"lacks the capability", []Decision{override("bob", head, "outage")}, true, StatusPending, "",
			map[string][]string{"bob": {ReasonOverrideCapability}}},
		{"no justification", []Decision{override("alice", head, " ")}, true, StatusPending, "",
			map[string][]string{"alice": {ReasonOverrideNoWhy}}},
		{"by the author", []Decision{override("dave", head, "mine")}, true, StatusPending, "",
			map[string][]string{"dave": {ReasonOverrideAuthor}}},
		{"by an agent", []Decision{override("deploy-agent", head, "bot")}, true, StatusPending, "",
			map[string][]string{"deploy-agent": {ReasonOverrideAgent}}},
		{"unknown identity", []Decision{override("mallory", head, "x")}, true, StatusPending, "",
			map[string][]string{"mallory": {ReasonUnknownIdentity}}},
		{"older commit", []Decision{override("alice", old, "outage")}, true, StatusPending, "",
			map[string][]string{"alice": {ReasonOverrideOlderCommit}}},
		{"not overridable", []Decision{override("alice", head, "outage")}, false, StatusPending, "",
			map[string][]string{"alice": {ReasonOverrideNotAllowed}}},
		{"not overridable, and bogus anyway: the real reason", []Decision{override("bob", head, "outage")}, false, StatusPending, "",
			map[string][]string{"bob": {ReasonOverrideCapability}}},
		{"bogus then valid", []Decision{override("bob", head, "x"), override("alice", head, "outage")}, true, StatusPending, "alice",
			map[string][]string{"bob": {ReasonOverrideCapability}}},
		{"second valid is not needed", []Decision{override("alice", head, "a"), override("erin", head, "b")}, true, StatusPending, "alice",
			map[string][]string{"erin": {"not needed: alice's override stands"}}},
		{"not needed when satisfied", []Decision{approve("alice", head, ""), approve("bob", head, ""), override("erin", head, "b")}, true, StatusSatisfied, "",
			map[string][]string{"erin": {ReasonOverrideNotNeeded}}},
		{"ineligible rejection blocks nothing and is ignored", []Decision{reject("carol", head, "no"), override("bob", head, "x")}, true, StatusPending, "",
			map[string][]string{"bob": {ReasonOverrideCapability}, "carol": {"rule sre-pair: not in role sre"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts(pair, tt.decisions...)
			f.Identities = withOverride(f.Identities, "alice", "erin", "dave", "deploy-agent")
			f.Overridable = tt.overridable
			without := f
			without.Decisions = nil
			for _, d := range tt.decisions {
				if d.Verdict != VerdictOverride && d.Identity != "carol" {
					without.Decisions = append(without.Decisions, d)
				}
			}
			r := Evaluate(f)
			if r.Status != tt.status {
				t.Fatalf("status %s, want %s", r.Status, tt.status)
			}
			switch {
			case tt.stands == "" && r.Override != nil:
				t.Fatalf("override by %s stands", r.Override.Identity)
			case tt.stands != "" && (r.Override == nil || r.Override.Identity != tt.stands || r.Override.Role != CapabilityOverride):
				t.Fatalf("override = %+v, want %s's", r.Override, tt.stands)
			}
			if got := reasons(r.Ignored); !reflect.DeepEqual(got, tt.ignored) && (len(got) > 0 || len(tt.ignored) > 0) {
				t.Fatalf("ignored = %v, want %v", got, tt.ignored)
			}
			// Ignored decisions change neither the status nor the need.
			base := Evaluate(without)
			if r.Status != base.Status || r.Needed != base.Needed || !strings.HasPrefix(r.Description, base.Description) {
				t.Fatalf("ignored decisions changed the verdict: %s %d %q vs %s %d %q", r.Status, r.Needed, r.Description, base.Status, base.Needed, base.Description)
			}
		})
	}
}

// TestHeldOverride: while a window or freeze holds the proposal
// (Facts.Held), a valid override stands even when the policy is satisfied;
// an invalid one still does not, and the status stays the rules' own.
func TestHeldOverride(t *testing.T) {
	pair := []schemas.Rule{{Name: "sre-pair", Count: 2, Roles: []string{"sre"}}}
	tests := []struct {
		name      string
		decisions []Decision
		held      bool
		status    Status
		stands    string
	}{
		{"held and satisfied: the override stands", []Decision{approve("alice", head, ""), approve("bob", head, ""), override("erin", head, "INC-9")}, true, StatusSatisfied, "erin"},
		{"not held and satisfied: not needed", []Decision{approve("alice", head, ""), approve("bob", head, ""), override("erin", head, "INC-9")}, false, StatusSatisfied, ""},
		{"held and pending: stands", []Decision{override("erin", head, "INC-9")}, true, StatusPending, "erin"},
		{"held, but no justification", []Decision{approve("alice", head, ""), approve("bob", head, ""), override("erin", head, "")}, true, StatusSatisfied, ""},
		{"held, but by an identity without the capability", []Decision{approve("alice", head, ""), approve("bob", head, ""), override("bob", head, "x")}, true, StatusSatisfied, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts(pair, tt.decisions...)
			for i := range f.Identities {
				if f.Identities[i].Name == "erin" {
					f.Identities[i].Capabilities = append(f.Identities[i].Capabilities, CapabilityOverride)
				}
			}
			f.Overridable, f.Held = true, tt.held
			r := Evaluate(f)
			if r.Status != tt.status {
				t.Fatalf("status %s, want %s", r.Status, tt.status)
			}
			if got := ""; r.Override != nil {
				got = r.Override.Identity
				if got != tt.stands {
					t.Fatalf("override by %s stands, want %q", got, tt.stands)
				}
			} else if tt.stands != "" {
				t.Fatalf("no override stands, want %s's", tt.stands)
			}
		})
	}
}
