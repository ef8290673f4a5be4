package goalview_test

import (
	"testing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/goalview"
	"github.com/writ-dev/writ/schemas"
)

// TestAmbiguitySuggestionApplies: on a real lineage that ended with a
// claim still open, scan's suggestion is a proposal the reducer takes,
// and once it applies the ambiguity is gone.
func TestAmbiguitySuggestionApplies(t *testing.T) {
	caps := []string{"attempt", "declare", "confirm", "refute"}
	rules := &schemas.Bundle{
		Config: schemas.Config{Version: 1, Repository: "t", Reconciler: schemas.ReconcilerConfig{Identity: "bot"},
			Governance: schemas.Governance{Policy: "gov"},
			Identities: []schemas.Identity{
				{Name: "a1", Kind: schemas.IdentityAgent, Capabilities: caps},
				{Name: "a2", Kind: schemas.IdentityAgent, Capabilities: caps},
				{Name: "bot", Kind: schemas.IdentityAgent},
			}},
		Policies: []schemas.Policy{{Name: "gov", Rules: []schemas.Rule{{Name: "any", Count: 1}}}},
		Goals: []schemas.Goal{{Name: "g", Owner: "o", Terminal: schemas.Task{Type: "done"},
			Capabilities: schemas.GoalCapabilities{Attempt: []string{"attempt"}, Declare: []string{"declare"}, Confirm: []string{"confirm"}, Refute: []string{"refute"}, Resolve: []string{"refute"}}}},
	}
	s := core.NewState()
	wall := int64(1000)
	apply := func(e core.Entry, want core.Status) {
		t.Helper()
		wall += 1000
		e.HLC = core.HLC{Wall: wall}
		next, out, err := core.Apply(s, e)
		if err != nil || out.Status != want {
			t.Fatalf("%s: %s (%s) %v, want %s", e.IdemKey, out.Status, out.Reason, err, want)
		}
		s = next
	}
	act := func(who, key, transition string, inputs map[string]any, ev ...schemas.Evidence) {
		t.Helper()
		p := &schemas.Proposal{Instance: "l", Workflow: "g", Transition: transition, BaseState: "none", IdemKey: key, Inputs: inputs, Evidence: ev}
		if transition != schemas.GoalStart {
			p.BaseState, _ = s.InstanceHash("l")
		}
		apply(core.Entry{Kind: core.KindGoal, Signer: who, IdemKey: key, Proposal: p}, core.StatusApplied)
	}
	apply(core.Entry{Kind: core.KindGenesis, Signer: "bot", IdemKey: "genesis", Rules: rules}, core.StatusApplied)
	act("a1", "k1", schemas.GoalStart, nil)
	v, _, _ := s.Lineage("l")
	act("a1", "k2", schemas.GoalDeclareBlock, map[string]any{"task": v.Terminal, "prerequisite": map[string]any{"type": "p"}})
	// The claim is never confirmed, so it does not block; the terminal task completes.
	act("a2", "k3", schemas.GoalComplete, map[string]any{"task": v.Terminal}, schemas.Evidence{Name: "run"})
	views, _ := s.Lineages()
	found := goalview.Scan(views, rules.Goals, core.HLC{Wall: wall})
	if len(found) != 1 || found[0].Kind != goalview.KindAmbiguity {
		t.Fatalf("findings %+v, want one ambiguity", found)
	}
	p, problems := schemas.LoadProposal(schemas.GoalProposalFile("l", "scan"), []byte(found[0].Suggest))
	if len(problems) > 0 {
		t.Fatalf("suggestion: %v\n%s", problems, found[0].Suggest)
	}
	if ps := schemas.CheckProposal(rules, schemas.GoalProposalFile("l", "scan"), p, nil); len(ps) > 0 {
		t.Fatalf("suggestion does not check: %v\n%s", ps, found[0].Suggest)
	}
	apply(core.Entry{Kind: core.KindGoal, Signer: "a2", IdemKey: p.IdemKey, Proposal: p}, core.StatusApplied)
	views, _ = s.Lineages()
	if again := goalview.Scan(views, rules.Goals, core.HLC{Wall: wall}); len(again) != 0 {
		t.Fatalf("after the suggested refutation: %+v", again)
	}
}
