package core

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// TestWorkflowFreezeHoldsItsTransitions: a workflow-wide freeze holds
// every transition that declares none of its own (it waits, and Judge
// says until when), never the built-in quarantine; a break-glass override
// lifts it on a transition without a policy too, and is named.
func TestWorkflowFreezeHoldsItsTransitions(t *testing.T) {
	rules := testRules()
	rules.Workflows[0].Freeze = []schemas.Freeze{{From: "1970-01-01", To: "1970-01-02", Zone: "UTC", Reason: "launch"}}
	rules.Workflows[0].Quarantine = schemas.Quarantine{Policy: "governance"}
	b := &builder{t: t}
	s := mustApply(t, NewState(), Entry{Kind: KindGenesis, HLC: HLC{Wall: 1}, Signer: "writ-bot", IdemKey: "genesis", Rules: rules}, StatusApplied)
	b.wall = 1
	e := b.transition(s, "agent", "r1", "create")
	_, _, out, err := Judge(s, e)
	if err != nil || out.Status != StatusWaiting || out.Reason != "window: frozen until 1970-01-03T00:00Z (launch)" {
		t.Fatalf("create in the freeze: %s %q %v", out.Status, out.Reason, err)
	}
	// Past the freeze it applies.
	later := e
	later.HLC = HLC{Wall: 2 * 24 * 3600 * 1000}
	s2 := mustApply(t, s, later, StatusApplied)
	// Inside the freeze, an override lifts it on a transition that has no
	// policy; the identity must hold the capability.
	forged := b.transition(s, "agent", "r1", "create", override("bob", "launch day"))
	if _, out := full(s, forged); out.Status != StatusWaiting {
		t.Fatalf("bob's override (no capability) lifted the freeze: %s %q", out.Status, out.Reason)
	}
	lifted := b.transition(s, "agent", "r1", "create", override("alice", "launch day"))
	sLifted, out := full(s, lifted)
	if out.Status != StatusApplied || out.Override != "alice" ||
		!strings.Contains(out.Reason, "OVERRIDE by alice") {
		t.Fatalf("alice's override: %s %q %q", out.Status, out.Reason, out.Override)
	}
	var g GuardResult
	for _, x := range out.Guards {
		if x.Name == GuardWindow {
			g = x
		}
	}
	if !g.Passed || g.Detail != "frozen until 1970-01-03T00:00Z (launch); window overridden by alice: launch day" {
		t.Fatalf("window guard %+v", g)
	}
	// The built-in quarantine is never held, even inside the freeze.
	q := b.transition(sLifted, "alice", "r1", schemas.QuarantineTransition, approve("bob"), policies.Decision{Identity: "carol", Verdict: policies.VerdictApprove, Commit: "c0ffee", Content: "sha256:aa"})
	if _, out := full(sLifted, q); out.Status != StatusApplied || q.HLC.Wall > 24*3600*1000 {
		t.Fatalf("quarantine in the freeze: %s %q", out.Status, out.Reason)
	}
	// Past the freeze, the instance created then moves on.
	if next := b.transition(s2, "agent", "r1", "verify"); true {
		next.HLC = HLC{Wall: later.HLC.Wall + 1}
		mustApply(t, s2, next, StatusApplied)
	}
}
