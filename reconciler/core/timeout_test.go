package core

import (
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// timeoutRules is testRules with the ship transition timing out after 1h,
// rejecting back to verifying (on_reject); when onPolicy, the timeout is
// the policy's instead.
func timeoutRules(onPolicy bool) *schemas.Bundle {
	r := testRules()
	for i := range r.Workflows[0].Transitions {
		if tr := &r.Workflows[0].Transitions[i]; tr.Name == "ship" {
			tr.OnReject = "verifying"
			if !onPolicy {
				tr.Timeout, tr.OnTimeout = "1h", schemas.OnTimeoutReject
			}
		}
	}
	if onPolicy {
		for i := range r.Policies {
			if r.Policies[i].Name == "release-approval" {
				r.Policies[i].Timeout, r.Policies[i].OnTimeout = "1h", schemas.OnTimeoutReject
			}
		}
	}
	return r
}

// TestApplyTimeout: a timeout entry rejects a proposal recorded as waiting
// once its clock is at least the wait's start plus the declared timeout
// (the transition's, else its policy's); before that, without a recorded
// wait, for other content or without a declared timeout it is refused.
func TestApplyTimeout(t *testing.T) {
	for _, onPolicy := range []bool{false, true} {
		b := &builder{t: t}
		g := b.genesis()
		g.Rules = timeoutRules(onPolicy)
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
		at := func(wall int64) Entry { return TimeoutEntry(wait, HLC{Wall: wall}) }
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
			{"at the deadline", waited, at(wait.HLC.Wall + hour), StatusRejected, "on_reject: approved → verifying"},
			{"after it", waited, at(wait.HLC.Wall + 5*hour), StatusRejected, "timed out: waited since"},
			{"a millisecond early", waited, at(wait.HLC.Wall + hour - 1), StatusRefused, "not timed out"},
			{"no recorded wait", s, at(wait.HLC.Wall + hour), StatusRefused, "no wait is recorded"},
			{"other content", waited, other, StatusRefused, "never waited"},
			{"with a decision", waited, withDecision, StatusRefused, "records no decisions"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				next, out := full(tt.s, tt.e)
				if out.Status != tt.want || !strings.Contains(out.Reason, tt.reason) {
					t.Fatalf("policy %v: %s (%s), want %s containing %q", onPolicy, out.Status, out.Reason, tt.want, tt.reason)
				}
				if tt.want != StatusRejected {
					if next.Hash() != tt.s.Hash() {
						t.Fatal("a refused timeout changed the state")
					}
					return
				}
				in, _ := instanceIn(next, "r1")
				if len(next.Waits()) != 0 || in.State != "verifying" || in.Keys[ship.IdemKey] != "rejected" {
					t.Fatalf("after the timeout: waits %v, r1 %s keys %v", next.Waits(), in.State, in.Keys)
				}
				if err := CheckInvariants(tt.s, tt.e, out, next); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
	// Without a declared timeout nothing times out.
	b := &builder{t: t}
	_, ship, waited := waitState(t, b)
	e := TimeoutEntry(WaitEntry(ship, shipPath), HLC{Wall: waited.Clock().HLC.Wall + 1000*time.Hour.Milliseconds()})
	if _, out := full(waited, e); out.Status != StatusRefused || !strings.Contains(out.Reason, "declares a timeout") {
		t.Fatalf("a timeout nothing declares: %s (%s)", out.Status, out.Reason)
	}
}
