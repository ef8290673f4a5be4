package core

import (
	"reflect"
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// TestCostAndTrigger: the instance keeps the first trigger applied and
// sums every applied or rejected proposal's cost per unit, exactly; an
// instance without either hashes as before; a cost beyond the bounds is
// refused with the unit named.
func TestCostAndTrigger(t *testing.T) {
	b := &builder{t: t}
	s := mustApply(t, NewState(), b.genesis(), StatusApplied)
	with := func(e Entry, tr *schemas.Trigger, cost ...schemas.Cost) Entry {
		p := *e.Proposal
		p.Trigger, p.Cost = tr, cost
		e.Proposal = &p
		return e
	}
	pr := &schemas.Trigger{Kind: schemas.TriggerPullRequest, Ref: "acme/web#12", URL: "https://github.example/acme/web/pull/12"}
	inc := &schemas.Trigger{Kind: schemas.TriggerIncident, Ref: "INC-7"}

	plain := mustApply(t, s, b.transition(s, "agent", "r0", "create"), StatusApplied)
	if in, _ := instanceIn(plain, "r0"); in.Trigger != nil || in.Cost != nil {
		t.Fatalf("an instance without trigger or cost: %+v", in)
	}

	s = mustApply(t, s, with(b.transition(s, "agent", "r1", "create"), pr, schemas.Cost{Amount: "12.50", Unit: "USD"}, schemas.Cost{Amount: "3400", Unit: "tokens"}), StatusApplied)
	s = mustApply(t, s, with(b.transition(s, "agent", "r1", "verify"), inc, schemas.Cost{Amount: "0.75", Unit: "USD"}), StatusApplied)
	for _, tr := range []string{"tests-pass", "security-clear", "approve-release"} {
		s = mustApply(t, s, b.transition(s, "agent", "r1", tr), StatusApplied)
	}
	// A rejection's cost counts too.
	reject := with(b.transition(s, "agent", "r1", "ship", policies.Decision{Identity: "alice", Verdict: policies.VerdictReject,
		Commit: "c0ffee", Content: "sha256:aa", Ref: "ref-alice", Justification: "no"}), nil, schemas.Cost{Amount: "0.1", Unit: "USD"}, schemas.Cost{Amount: "1", Unit: "gpu-hours"})
	reject.Kind = KindReject
	s = mustApply(t, s, reject, StatusRejected)
	in, _ := instanceIn(s, "r1")
	want := []schemas.Cost{{Amount: "13.35", Unit: "USD"}, {Amount: "1", Unit: "gpu-hours"}, {Amount: "3400", Unit: "tokens"}} // bytewise by unit
	if !reflect.DeepEqual(in.Cost, want) || !reflect.DeepEqual(in.Trigger, pr) {
		t.Fatalf("cost %v trigger %+v; want %v and the first trigger %+v", in.Cost, in.Trigger, want, pr)
	}
	// The hash covers them, as canonical JSON.
	canon, err := schemas.CanonicalJSON(in)
	if err != nil || hashIn(s, "r1") != schemas.HashBytes(canon) ||
		!strings.HasPrefix(string(canon), `{"cost":[{"amount":"13.35","unit":"USD"},{"amount":"1","unit":"gpu-hours"}`) {
		t.Fatalf("hash %s of %s", hashIn(s, "r1"), canon)
	}

	// Past the bound of units: refused, naming the limit.
	var many []schemas.Cost
	for _, u := range strings.Fields("a b c d e f g h i j k l m n") {
		many = append(many, schemas.Cost{Amount: "1", Unit: u})
	}
	s2 := mustApply(t, plain, with(b.transition(plain, "agent", "r0", "verify"), nil, many...), StatusApplied)
	next, out := full(s2, with(b.transition(s2, "agent", "r0", "cancel"), nil, schemas.Cost{Amount: "1", Unit: "x"}, schemas.Cost{Amount: "1", Unit: "y"}, schemas.Cost{Amount: "1", Unit: "z"}))
	if out.Status != StatusRefused || !strings.Contains(out.Reason, "cost: invalid cost: 17 units, more than the limit of 16") || next.Hash() != s2.Hash() {
		t.Fatalf("17 units: %s %q", out.Status, out.Reason)
	}
}

func TestCostByOwner(t *testing.T) {
	in := func(owner string, cost ...schemas.Cost) *Instance { return &Instance{Owner: owner, Cost: cost} }
	got, err := CostByOwner([]*Instance{
		in("web-team", schemas.Cost{Amount: "12.5", Unit: "USD"}, schemas.Cost{Amount: "3400", Unit: "tokens"}),
		in(""),
		in("db-team", schemas.Cost{Amount: "0.1", Unit: "USD"}),
		in("web-team", schemas.Cost{Amount: "0.75", Unit: "USD"}, schemas.Cost{Amount: "2", Unit: "gpu-hours"}),
		in("db-team", schemas.Cost{Amount: "0.2", Unit: "USD"}),
	})
	want := []OwnerCost{
		{Owner: "", Instances: 1},
		{Owner: "db-team", Instances: 2, Cost: []schemas.Cost{{Amount: "0.3", Unit: "USD"}}},
		{Owner: "web-team", Instances: 2, Cost: []schemas.Cost{{Amount: "13.25", Unit: "USD"}, {Amount: "2", Unit: "gpu-hours"}, {Amount: "3400", Unit: "tokens"}}},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("CostByOwner = %+v, %v\nwant %+v", got, err, want)
	}
	// More units than one instance may hold still sum per owner.
	var many []*Instance
	for _, u := range strings.Fields("a b c d e f g h i j k l m n o p q r") {
		many = append(many, in("t", schemas.Cost{Amount: "1", Unit: u}))
	}
	if got, err := CostByOwner(many); err != nil || len(got[0].Cost) != 18 {
		t.Fatalf("18 units over 18 instances: %v %v", got, err)
	}
}
