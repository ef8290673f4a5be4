package reconciler

import (
	"testing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/audit"
	"github.com/writ-dev/writ/reconciler/core"
)

// TestExplainEntry: ExplainEntry gives an entry with the state before it
// (its hash is the entry's Writ-State-Pre) and how the proposal commit
// verified; audit.Of recomputes the entry's plan digest as the gate's
// Judge gives it to a decider (Outcome.Plan) and compares each decision's
// recorded plan with it.
func TestExplainEntry(t *testing.T) {
	e, _ := newRepo(t)
	ship := toShippable(t, e)
	approveAs(t, e, "alice", ship.Branch)
	approveAs(t, e, "bob", ship.Branch)
	reconcile(t, e, 1)
	head, err := e.Store.Ref(gitstore.MainRef)
	if err != nil {
		t.Fatal(err)
	}
	v, before, err := e.ExplainEntry(head)
	if err != nil {
		t.Fatal(err)
	}
	if before.Hash() != v.Record.StatePre || v.Commit != head {
		t.Fatalf("ExplainEntry: state before %s, entry's %s; commit %s, want %s", before.Hash(), v.Record.StatePre, v.Commit, head)
	}
	if v.Proposer.Identity != "deploy-agent" || v.Proposer.Fingerprint == "" {
		t.Errorf("ExplainEntry: proposer signature %+v, want deploy-agent's key", v.Proposer)
	}
	if len(v.Record.Entry.Decisions) != 2 {
		t.Fatalf("want 2 decisions, got %+v", v.Record.Entry.Decisions)
	}
	undecided := v.Record.Entry
	undecided.Decisions = nil
	_, _, judged, err := core.Judge(before, undecided)
	if err != nil {
		t.Fatal(err)
	}
	if judged.Plan == "" {
		t.Fatal("Judge gives no plan digest")
	}

	tests := []struct {
		name     string
		recorded string
		want     audit.PlanStatus
	}{
		{"the plan Judge gave the decider", judged.Plan, audit.PlanMatches},
		{"another plan", "sha256:" + "00" + judged.Plan[9:], audit.PlanDiffers},
		{"no plan", "", audit.PlanNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := v
			w.Record.Entry.Decisions = append(w.Record.Entry.Decisions[:0:0], v.Record.Entry.Decisions...)
			w.Record.Entry.Decisions[1].Plan = tt.recorded
			en, err := audit.Of(before, w)
			if err != nil {
				t.Fatal(err)
			}
			if en.Plan != judged.Plan {
				t.Errorf("audit plan %s, Judge's %s", en.Plan, judged.Plan)
			}
			if got := en.Decisions[1].PlanStatus; got != tt.want {
				t.Errorf("decision recording %q: status %q, want %q", tt.recorded, got, tt.want)
			}
			if en.Before == nil || en.Before.State != "approved" || en.After == nil || en.After.State != "released" ||
				en.Judge == nil || en.Judge.Policy != "release-approval" || en.Judge.Version == "" || en.RulesInForce != before.RulesHash() {
				t.Errorf("audit.Of: %+v", en)
			}
		})
	}

	// OnApply hands every entry the state it was applied to.
	n := 0
	res := mustReplay(t, e, ReplayOptions{OnApply: func(s core.State, got Verified) {
		n++
		if s.Hash() != got.Record.StatePre {
			t.Errorf("entry %s: OnApply state %s, entry's state before %s", got.Commit, s.Hash(), got.Record.StatePre)
		}
	}})
	if n != res.Replayed || n != 7 {
		t.Errorf("OnApply called %d times, replayed %d, want 7 (genesis, 5 steps, ship)", n, res.Replayed)
	}
}
