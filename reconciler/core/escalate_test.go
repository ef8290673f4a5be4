package core

import (
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// escalateRules is testRules with ship escalating to role security after
// 1h and to bob after 2h.
func escalateRules() *schemas.Bundle {
	r := testRules()
	for i := range r.Workflows[0].Transitions {
		if tr := &r.Workflows[0].Transitions[i]; tr.Name == "ship" {
			tr.Escalate = []schemas.EscalationStep{{After: "1h", Roles: []string{"security"}}, {After: "2h", Identities: []string{"bob"}}}
		}
	}
	return r
}

// TestApplyEscalate: an escalate entry is accepted only at or after the
// wait's start plus the next step's after, for a recorded wait of the same
// content, one step at a time; it records the step on the wait without
// changing the instance; and after it, an approval from the step's role
// counts, so the waiting proposal applies with alice and carol (security).
func TestApplyEscalate(t *testing.T) {
	b := &builder{t: t}
	g := b.genesis()
	g.Rules = escalateRules()
	s := mustApply(t, NewState(), g, StatusApplied)
	for _, tr := range []string{"create", "verify", "tests-pass", "security-clear", "approve-release"} {
		s = mustApply(t, s, b.transition(s, "agent", "r1", tr), StatusApplied)
	}
	ship := b.transition(s, "agent", "r1", "ship")
	b.wall++
	wait := WaitEntry(ship, shipPath)
	wait.HLC = HLC{Wall: b.wall}
	waited := mustApply(t, s, wait, StatusAwaiting)
	hour := time.Hour.Milliseconds()
	at := func(wall int64) Entry { return EscalateEntry(wait, HLC{Wall: wall}) }
	other := at(wait.HLC.Wall + hour)
	other.Subject = policies.Subject{Commit: "beef", Content: "sha256:bb"}
	withDecision := at(wait.HLC.Wall + hour)
	withDecision.Decisions = []policies.Decision{approve("alice")}

	tests := []struct {
		name   string
		s      State
		e      Entry
		want   Status
		reason string
	}{
		{"at the step", waited, at(wait.HLC.Wall + hour), StatusAwaiting, "escalated to role security at"},
		{"a millisecond early", waited, at(wait.HLC.Wall + hour - 1), StatusRefused, "not due"},
		{"no recorded wait", s, at(wait.HLC.Wall + hour), StatusRefused, "no wait is recorded"},
		{"other content", waited, other, StatusRefused, "never waited"},
		{"with a decision", waited, withDecision, StatusRefused, "records no decisions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, out := full(tt.s, tt.e)
			if out.Status != tt.want || !strings.Contains(out.Reason, tt.reason) {
				t.Fatalf("%s (%s), want %s containing %q", out.Status, out.Reason, tt.want, tt.reason)
			}
			if err := CheckInvariants(tt.s, tt.e, out, next); err != nil {
				t.Fatal(err)
			}
			if tt.want != StatusAwaiting {
				if next.Hash() != tt.s.Hash() {
					t.Fatal("a refused escalation changed the state")
				}
				return
			}
			w, _ := next.WaitOf(shipPath)
			if len(w.Escalated) != 1 || w.Escalated[0].Step != 1 || w.Escalated[0].At != tt.e.HLC || hashIn(next, "r1") != hashIn(tt.s, "r1") || next.Hash() == tt.s.Hash() {
				t.Fatalf("after the escalation: wait %+v, instance moved %v", w, hashIn(next, "r1") != hashIn(tt.s, "r1"))
			}
		})
	}

	// Step 1, then step 2 is due only at +2h, then there is none.
	one := mustApply(t, waited, at(wait.HLC.Wall+hour), StatusAwaiting)
	if _, out := full(one, at(wait.HLC.Wall+hour+1)); out.Status != StatusRefused || !strings.Contains(out.Reason, "escalation step 2 (after 2h)") {
		t.Fatalf("step 2 early: %s (%s)", out.Status, out.Reason)
	}
	two := mustApply(t, one, at(wait.HLC.Wall+2*hour), StatusAwaiting)
	if _, out := full(two, at(wait.HLC.Wall+3*hour)); out.Status != StatusRefused || !strings.Contains(out.Reason, "no escalation step after the 2 steps") {
		t.Fatalf("a third step: %s (%s)", out.Status, out.Reason)
	}
	if n, ok := NextEscalation(one.Rules(), mustWait(t, one)); !ok || n.Number != 2 || n.At.Wall != wait.HLC.Wall+2*hour || n.By != "transition ship" {
		t.Fatalf("NextEscalation after step 1: %+v %v", n, ok)
	}

	// alice (sre) and carol (security): pending before the escalation,
	// applied after it, carol counted through step 1.
	b.wall = wait.HLC.Wall + 3*hour
	approved := func(st State) Entry {
		e := ship
		b.wall++
		e.HLC = HLC{Wall: b.wall}
		e.Decisions = []policies.Decision{approve("alice"), approve("carol")}
		return e
	}
	mustApply(t, waited, approved(waited), StatusWaiting)
	_, out := full(one, approved(one))
	if out.Status != StatusApplied {
		t.Fatalf("after step 1: %s (%s)", out.Status, out.Reason)
	}
	var sb strings.Builder
	out.Policy.Render(&sb)
	if !strings.Contains(sb.String(), "carol (through escalation step 1 (security))") {
		t.Fatalf("the explanation does not say carol counted through escalation:\n%s", sb.String())
	}
}

func mustWait(t *testing.T, s State) Wait {
	t.Helper()
	w, ok := s.WaitOf(shipPath)
	if !ok {
		t.Fatal("no wait")
	}
	return w
}

// TestApplyTimeoutToTransition: with on_timeout naming a transition
// (cancel), a timeout entry moves the instance along it (approved →
// cancelled) and consumes the idem_key as rejected; not before the
// deadline.
func TestApplyTimeoutToTransition(t *testing.T) {
	b := &builder{t: t}
	g := b.genesis()
	g.Rules = testRules()
	for i := range g.Rules.Workflows[0].Transitions {
		if tr := &g.Rules.Workflows[0].Transitions[i]; tr.Name == "ship" {
			tr.Timeout, tr.OnTimeout = "1h", "cancel"
		}
	}
	s := mustApply(t, NewState(), g, StatusApplied)
	for _, tr := range []string{"create", "verify", "tests-pass", "security-clear", "approve-release"} {
		s = mustApply(t, s, b.transition(s, "agent", "r1", tr), StatusApplied)
	}
	ship := b.transition(s, "agent", "r1", "ship")
	b.wall++
	wait := WaitEntry(ship, shipPath)
	wait.HLC = HLC{Wall: b.wall}
	waited := mustApply(t, s, wait, StatusAwaiting)
	hour := time.Hour.Milliseconds()
	if _, out := full(waited, TimeoutEntry(wait, HLC{Wall: wait.HLC.Wall + hour - 1})); out.Status != StatusRefused || !strings.Contains(out.Reason, "not timed out") {
		t.Fatalf("early: %s (%s)", out.Status, out.Reason)
	}
	next := mustApply(t, waited, TimeoutEntry(wait, HLC{Wall: wait.HLC.Wall + hour}), StatusRejected)
	_, out := full(waited, TimeoutEntry(wait, HLC{Wall: wait.HLC.Wall + hour}))
	in, _ := instanceIn(next, "r1")
	if in.State != "cancelled" || in.Keys[ship.IdemKey] != "rejected" || len(next.Waits()) != 0 ||
		!strings.Contains(out.Reason, "on_timeout: cancel: approved → cancelled") {
		t.Fatalf("after the timeout: r1 %s keys %v waits %v; %s", in.State, in.Keys, next.Waits(), out.Reason)
	}
	if at, by, on, ok := DeadlineOf(next.Rules(), mustWait(t, waited)); !ok || at.Wall != wait.HLC.Wall+hour || by != "transition ship" || on != "cancel" {
		t.Fatalf("DeadlineOf: %v %q %q %v", at, by, on, ok)
	}
}
