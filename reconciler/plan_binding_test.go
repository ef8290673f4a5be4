package reconciler

import (
	"errors"
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// TestDecisionRecordsThePlanShown: `writ approve` records the digest of
// the plan it decides on, the gate reports the same digest, and the WAL
// entry carries it per decision, which replay checks against the signed
// decision commits.
func TestDecisionRecordsThePlanShown(t *testing.T) {
	e, _ := newRepo(t)
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	p, err := e.Pending(res.State.Rules(), res.Head, name)
	if err != nil {
		t.Fatal(err)
	}
	shown := gateOn(t, e, res, p, res.State.Clock().HLC).Outcome.Plan
	if !strings.HasPrefix(shown, "sha256:") {
		t.Fatalf("the gate shows no plan digest: %q", shown)
	}
	for _, who := range []string{"alice", "bob"} {
		d, ok := e.DecisionAt(approveAs(t, e, who, name))
		if !ok || d.Plan != shown {
			t.Fatalf("%s's decision records plan %q, want %q", who, d.Plan, shown)
		}
	}
	rep := reconcile(t, e, 1)
	for _, d := range rep.Applied[0].Gate.Entry.Decisions {
		if d.Plan != shown {
			t.Fatalf("the entry records %s's plan as %q, want %q", d.Identity, d.Plan, shown)
		}
	}
	full := mustReplay(t, e, ReplayOptions{Collect: true})
	last := full.Entries[len(full.Entries)-1]
	if len(last.Record.Entry.Decisions) != 2 || last.Record.Entry.Decisions[0].Plan != shown {
		t.Fatalf("replayed entry decisions: %+v", last.Record.Entry.Decisions)
	}
}

// TestApprovalOfAnotherPlanDoesNotCount: an approval given while the
// release policy needed two approvals does not count after a rules change
// relaxed it to one, although the proposal is the same: its decider was
// shown another plan. Approving again, on the plan now shown, counts.
// `approve --plan` with a digest that is no longer the plan writes nothing.
func TestApprovalOfAnotherPlanDoesNotCount(t *testing.T) {
	e, _ := newRepo(t)
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	before, ok := e.DecisionAt(approveAs(t, e, "alice", name))
	if !ok || before.Plan == "" {
		t.Fatalf("no plan recorded: %+v", before)
	}
	r := relax(t, e, "carol", "relax")
	rname := strings.TrimPrefix(r.Branch, schemas.ProposalBranchPrefix)
	approveAs(t, e, "bob", rname)
	approveAs(t, e, "alice", rname)
	rep := reconcile(t, e, 1) // the rules change only: ship still waits
	for _, g := range rep.Skipped {
		if g.Pending.Branch == ship.Branch && !strings.Contains(g.Reason, "1 more approval") {
			t.Fatalf("ship: %s", g.Reason)
		}
	}
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	p, err := e.Pending(res.State.Rules(), res.Head, name)
	if err != nil {
		t.Fatal(err)
	}
	g := gateOn(t, e, res, p, core.NextHLC(res.State.Clock().HLC, 0))
	if g.Verdict != "waiting" || !notCountedFor(g.Outcome.Policy, "alice", policies.ReasonOtherPlan) {
		t.Fatalf("verdict %s (%s); want alice's approval not counted: %s", g.Verdict, g.Reason, policies.ReasonOtherPlan)
	}
	head, _ := e.Store.Ref("refs/heads/" + ship.Branch)
	if _, err := e.Approve(ApproveRequest{As: "alice", Proposal: name, Plan: before.Plan}); !errors.Is(err, ErrRefused) ||
		!strings.Contains(err.Error(), g.Outcome.Plan) {
		t.Fatalf("approve --plan with the old plan: %v", err)
	}
	if now, _ := e.Store.Ref("refs/heads/" + ship.Branch); now != head {
		t.Fatal("a refused approval wrote a decision")
	}
	if _, err := e.Approve(ApproveRequest{As: "alice", Proposal: name, Plan: g.Outcome.Plan}); err != nil {
		t.Fatalf("approve on the plan shown: %v", err)
	}
	reconcile(t, e, 1)
	mustReplay(t, e, ReplayOptions{})
}

// notCountedFor reports whether who's decision was not counted for reason
// somewhere under r.
func notCountedFor(r *policies.Result, who, reason string) bool {
	if r == nil {
		return false
	}
	for _, v := range append(append([]policies.Vote(nil), r.Ignored...), r.NotCounted...) {
		if v.Identity == who && v.Reason == reason {
			return true
		}
	}
	for i := range r.Children {
		if notCountedFor(&r.Children[i], who, reason) {
			return true
		}
	}
	return false
}
