package core

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// TestEscalationReachedUnderOldRulesGrantsNoStepNotDue: the wait of ship
// reaches step 1 (role security, after 1h) at +1h; then governance changes
// ship's escalation steps. A step the new rules declare otherwise (a later
// after, other roles) is void from the rules entry on: at +2h carol
// (security) no longer counts through it, and the loop must escalate again
// under the new rules, by an escalate entry replay checks (not before the
// new step is due), after which the step's new people count. A rules change
// that leaves the steps alike ("60m" is "1h") keeps the step.
func TestEscalationReachedUnderOldRulesGrantsNoStepNotDue(t *testing.T) {
	hour := time.Hour.Milliseconds()
	tests := []struct {
		name  string
		steps []schemas.EscalationStep
		// kept says the step reached under the old rules still counts;
		// else step 1 is escalated again: refused at notDue (when not 0)
		// and accepted at due (offsets from the wait's start); then
		// approver counts through it and who does not.
		kept          bool
		notDue, due   int64
		approver, who string
	}{
		{name: "step 1 moved to 30 days", steps: []schemas.EscalationStep{{After: "30d", Roles: []string{"security"}}},
			notDue: 2 * hour, due: 30 * 24 * hour, approver: "carol"},
		{name: "step 1 given to role qa", steps: []schemas.EscalationStep{{After: "1h", Roles: []string{"qa"}}},
			due: 2*hour + 1, approver: "dave", who: "carol"},
		{name: "steps alike", steps: []schemas.EscalationStep{{After: "60m", Roles: []string{"security"}}, {After: "3h", Identities: []string{"bob"}}},
			kept: true, approver: "carol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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
			s = mustApply(t, s, wait, StatusAwaiting)
			since := wait.HLC.Wall
			s = mustApply(t, s, EscalateEntry(wait, HLC{Wall: since + hour}), StatusAwaiting)

			v2 := escalateRules()
			v2.Config.Roles = append(v2.Config.Roles, "qa")
			v2.Config.Identities = append(v2.Config.Identities, schemas.Identity{Name: "dave", Kind: schemas.IdentityHuman,
				Roles: []string{"qa"}, Capabilities: []string{"approve"}})
			for i := range v2.Workflows[0].Transitions {
				if tr := &v2.Workflows[0].Transitions[i]; tr.Name == "ship" {
					tr.Escalate = tt.steps
				}
			}
			b.wall = since + hour + 1
			p := &schemas.Proposal{Instance: schemas.RulesInstance, Workflow: schemas.RulesInstance, Transition: schemas.RulesTransition,
				BaseState: s.RulesHash(), IdemKey: fmt.Sprintf("rules-%d", b.wall)}
			next, out := full(s, Entry{Kind: KindRules, HLC: HLC{Wall: b.wall}, Signer: "alice", IdemKey: p.IdemKey, Proposal: p,
				Rules: v2, Subject: policies.Subject{Commit: "c0ffee", Content: "sha256:aa"}, Decisions: []policies.Decision{approve("bob"), approve("carol")}})
			if out.Status != StatusApplied {
				t.Fatalf("rules entry: %s (%s)", out.Status, out.Reason)
			}
			s = next
			decide := func(at int64, who ...string) Outcome {
				e := ship
				e.HLC = HLC{Wall: at}
				e.Decisions = []policies.Decision{approve("alice")}
				for _, w := range who {
					e.Decisions = append(e.Decisions, approve(w))
				}
				_, out := full(s, e)
				return out
			}
			if tt.kept {
				if n := len(mustWait(t, s).Escalated); n != 1 || strings.Contains(out.Reason, "void") {
					t.Fatalf("steps alike: %d steps kept, reason %q", n, out.Reason)
				}
				if out := decide(since+2*hour, tt.approver); out.Status != StatusApplied {
					t.Fatalf("through the kept step: %s (%s)", out.Status, out.Reason)
				}
				return
			}
			if w := mustWait(t, s); len(w.Escalated) != 0 || w.Since.Wall != since || !strings.Contains(out.Reason, "void for "+shipPath) {
				t.Fatalf("after the rules change: wait %+v, reason %q", w, out.Reason)
			}
			for _, who := range []string{tt.approver, tt.who, "carol"} {
				if who == "" {
					continue
				}
				if out := decide(since+2*hour, who); out.Status != StatusWaiting {
					t.Fatalf("%s through the void step: %s (%s)", who, out.Status, out.Reason)
				}
			}
			if tt.notDue > 0 {
				if _, out := full(s, EscalateEntry(wait, HLC{Wall: since + tt.notDue})); out.Status != StatusRefused || !strings.Contains(out.Reason, "not due") {
					t.Fatalf("escalate before the new step is due: %s (%s)", out.Status, out.Reason)
				}
			}
			s = mustApply(t, s, EscalateEntry(wait, HLC{Wall: since + tt.due}), StatusAwaiting)
			if out := decide(since+tt.due+1, tt.approver); out.Status != StatusApplied {
				t.Fatalf("%s after the new step: %s (%s)", tt.approver, out.Status, out.Reason)
			}
			if tt.who != "" {
				if out := decide(since+tt.due+1, tt.who); out.Status != StatusWaiting {
					t.Fatalf("%s, whom the new step does not name: %s (%s)", tt.who, out.Status, out.Reason)
				}
			}
		})
	}
}
