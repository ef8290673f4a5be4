package core

import (
	"maps"
	"testing"
)

// TestPlanOf: the plan of an entry is the move the workflow makes, for any
// verdict, and agrees with Apply where Apply moves the instance.
func TestPlanOf(t *testing.T) {
	b := &builder{t: t}
	s := mustApply(t, NewState(), b.genesis(), StatusApplied)
	s = mustApply(t, s, b.transition(s, "agent", "r1", "create"), StatusApplied)
	s = mustApply(t, s, b.transition(s, "agent", "r1", "verify"), StatusApplied)
	verifying := s
	s = mustApply(t, s, b.transition(s, "agent", "r1", "tests-pass"), StatusApplied)
	s = mustApply(t, s, b.transition(s, "agent", "r1", "security-clear"), StatusApplied)
	s = mustApply(t, s, b.transition(s, "agent", "r1", "approve-release"), StatusApplied)
	approved := s

	tests := []struct {
		name         string
		s            State
		e            func() Entry
		before       string // "" when none
		after        string // "" when no move
		afterRegions map[string]string
	}{
		{"create", NewState(), func() Entry {
			st := mustApply(t, NewState(), b.genesis(), StatusApplied)
			e := b.transition(st, "agent", "r2", "create")
			return e
		}, "", "draft", nil},
		{"region move", verifying, func() Entry { return b.transition(verifying, "agent", "r1", "tests-pass") },
			"verifying", "verifying", map[string]string{"tests": "passed", "security": "scanning"}},
		{"ship waiting for approvals", approved, func() Entry { return b.transition(approved, "agent", "r1", "ship") },
			"approved", "released", nil},
		{"rejection stays", approved, func() Entry {
			e := b.transition(approved, "agent", "r1", "ship")
			e.Kind = KindReject
			return e
		}, "approved", "approved", nil},
		{"not from here", approved, func() Entry { return b.transition(approved, "agent", "r1", "verify") }, "approved", "", nil},
		{"quarantine", approved, func() Entry { return b.transition(approved, "agent", "r1", "quarantine") }, "approved", "quarantined", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.s
			e := tt.e()
			if tt.name == "create" {
				st = mustApply(t, NewState(), Entry{Kind: KindGenesis, HLC: HLC{Wall: 0}, Signer: "writ-bot", IdemKey: "genesis", Rules: testRules()}, StatusApplied)
			}
			plan, ok, err := PlanOf(st, e)
			if err != nil || !ok {
				t.Fatalf("PlanOf: ok %v err %v", ok, err)
			}
			switch {
			case tt.before == "" && plan.Before != nil, tt.before != "" && (plan.Before == nil || plan.Before.State != tt.before):
				t.Fatalf("before %+v, want %q", plan.Before, tt.before)
			case tt.after == "" && plan.After != nil, tt.after != "" && (plan.After == nil || plan.After.State != tt.after):
				t.Fatalf("after %+v, want %q", plan.After, tt.after)
			case tt.afterRegions != nil && !maps.Equal(plan.After.Regions, tt.afterRegions):
				t.Fatalf("after regions %v, want %v", plan.After.Regions, tt.afterRegions)
			}
			if plan.Before != nil && plan.After != nil && plan.Before != plan.After && maps.Equal(plan.Before.Regions, plan.After.Regions) && plan.Before.State == plan.After.State && e.Kind != KindReject {
				t.Fatal("a move that changes nothing")
			}
		})
	}
	// Where Apply moves the instance, it moves it where the plan says.
	e := b.transition(verifying, "agent", "r1", "tests-pass")
	plan, _, _ := PlanOf(verifying, e)
	next := mustApply(t, verifying, e, StatusApplied)
	got, _ := instanceIn(next, "r1")
	if got.State != plan.After.State || !maps.Equal(got.Regions, plan.After.Regions) {
		t.Fatalf("Apply gives %s %v, plan %s %v", got.State, got.Regions, plan.After.State, plan.After.Regions)
	}
}
