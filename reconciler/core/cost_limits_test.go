package core

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// TestCostByOwnerSumsWhatApplyAccepted: two proposals that each write the
// largest amount a proposal may ("999999999999999999", 18 digits) apply on
// one instance; Apply sums them to a 19-digit amount. CostByOwner (what
// `writ state` prints for every owner) sums it too: it never fails on an
// instance Apply built.
func TestCostByOwnerSumsWhatApplyAccepted(t *testing.T) {
	b := &builder{t: t}
	s := mustApply(t, NewState(), b.genesis(), StatusApplied)
	with := func(e Entry, cost ...schemas.Cost) Entry {
		p := *e.Proposal
		p.Cost = cost
		e.Proposal = &p
		return e
	}
	big := schemas.Cost{Amount: "999999999999999999", Unit: "USD"}
	s = mustApply(t, s, with(b.transition(s, "agent", "r1", "create"), big), StatusApplied)
	s = mustApply(t, s, with(b.transition(s, "agent", "r1", "verify"), big), StatusApplied)
	in, _ := instanceIn(s, "r1")
	if len(in.Cost) != 1 || in.Cost[0].Amount != "1999999999999999998" {
		t.Fatalf("instance cost %v", in.Cost)
	}
	got, err := CostByOwner([]*Instance{in})
	if err != nil {
		t.Fatalf("CostByOwner of an instance Apply built: %v", err)
	}
	if len(got) != 1 || len(got[0].Cost) != 1 || got[0].Cost[0].Amount != "1999999999999999998" {
		t.Fatalf("CostByOwner = %+v", got)
	}
}

// TestRejectionRecordedWhateverTheCostUnits: an earlier proposal on the
// instance listed 16 cost units (the most an instance may hold). A later
// proposal that costs one more unit is rejected by an eligible approver:
// the rejection is recorded and closes the proposal, and its cost, which
// the instance cannot hold, is left out (the reason says so).
func TestRejectionRecordedWhateverTheCostUnits(t *testing.T) {
	b := &builder{t: t}
	s := mustApply(t, NewState(), b.genesis(), StatusApplied)
	var sixteen []schemas.Cost
	for i := range 16 {
		sixteen = append(sixteen, schemas.Cost{Amount: "1", Unit: fmt.Sprintf("u%02d", i)})
	}
	create := b.transition(s, "agent", "r1", "create")
	create.Proposal.Cost = sixteen
	s = mustApply(t, s, create, StatusApplied)
	for _, tr := range []string{"verify", "tests-pass", "security-clear", "approve-release"} {
		s = mustApply(t, s, b.transition(s, "agent", "r1", tr), StatusApplied)
	}
	reject := b.transition(s, "agent", "r1", "ship", policies.Decision{Identity: "alice", Verdict: policies.VerdictReject,
		Commit: "c0ffee", Content: "sha256:aa", Ref: "ref-alice", Justification: "no"})
	reject.Proposal.Cost = []schemas.Cost{{Amount: "0.10", Unit: "USD"}}
	reject.Kind = KindReject
	next, out := full(s, reject)
	if out.Status != StatusRejected || !strings.Contains(out.Reason, "its cost is not counted: invalid cost: 17 units") {
		t.Fatalf("an eligible rejection: %s (%s), want rejected, its cost not counted", out.Status, out.Reason)
	}
	in, _ := instanceIn(next, "r1")
	if !reflect.DeepEqual(in.Cost, sixteen) {
		t.Fatalf("instance cost after the rejection: %v, want the 16 units before it", in.Cost)
	}
	// The same cost still refuses an apply: only a rejection closes
	// whatever its cost.
	apply := b.transition(s, "agent", "r1", "ship", approve("alice"), approve("bob"))
	apply.Proposal.Cost = reject.Proposal.Cost
	if _, out := full(s, apply); out.Status != StatusRefused || !strings.Contains(out.Reason, "17 units") {
		t.Fatalf("apply with a 17th unit: %s (%s), want refused", out.Status, out.Reason)
	}
}
