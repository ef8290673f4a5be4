package core

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// TestWithdrawNeedsAValidProposer: a withdrawal of an instance proposal
// whose proposer could not have proposed it (no propose:<workflow>,
// another workflow than the instance's, a transition the workflow lacks,
// the reconciler identity) is refused and consumes nothing, even when its
// idem_key is another, valid proposal's.
func TestWithdrawNeedsAValidProposer(t *testing.T) {
	b := &builder{t: t}
	s := shippable(t, b)
	ship := b.transition(s, "agent", "r1", "ship")
	steal := func(e Entry) Entry {
		e.IdemKey, e.Proposal.IdemKey = ship.IdemKey, ship.IdemKey
		return e
	}
	release := b.transition(s, "agent", "r1", schemas.ReleaseTransition)
	otherWorkflow := b.transition(s, "alice", "r1", "cancel")
	otherWorkflow.Proposal.Workflow = "hotfix"
	noTransition := b.transition(s, "alice", "r1", "explode")

	tests := []struct {
		name   string
		entry  Entry
		who    string
		reason string
	}{
		{"a human without propose:release", steal(b.transition(s, "carol", "r1", "ship")), "carol", "capability: carol lacks capability propose:release"},
		{"the reconciler identity", steal(b.transition(s, "writ-bot", "r1", "ship")), "writ-bot", "capability: writ-bot lacks capability propose:release"},
		{"an identity not in writ.yaml", steal(b.transition(s, "mallory", "r1", "ship")), "mallory", "not an identity"},
		{"another workflow", steal(otherWorkflow), "alice", "workflow"},
		{"a transition the workflow lacks", steal(noTransition), "alice", "transition"},
		{"a release without override", steal(release), "agent", "capability: agent lacks capability override"},
		{"a creating proposal without the capability", b.transition(s, "carol", "r9", "create"), "carol", "capability"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, out := full(s, asWithdraw(tt.entry, withdrawal(tt.who)))
			if out.Status != StatusRefused || !strings.Contains(out.Reason, tt.reason) {
				t.Fatalf("status %s (%s), want refused containing %q", out.Status, out.Reason, tt.reason)
			}
			if next.Hash() != s.Hash() {
				t.Fatal("a refused withdrawal changed the state")
			}
			// ship, whose key the proposal reused, still applies.
			mustApply(t, next, asWithdraw(ship, withdrawal("agent")), StatusWithdrawn)
		})
	}
}

// TestWithdrawByOthersNeedsCountedHumans: when no rule of the governance
// policy applies to a withdrawal (its rules are scoped by changed_files),
// the policy is satisfied with no approval; that never lets an agent, the
// reconciler or anyone else withdraw someone else's proposal.
func TestWithdrawByOthersNeedsCountedHumans(t *testing.T) {
	b := &builder{t: t}
	g := b.genesis()
	g.Rules.Policies[0].Rules[0].If = &schemas.Predicate{ChangedFiles: []string{"writ.yaml", "workflows/**", "policies/**"}}
	s := mustApply(t, NewState(), g, StatusApplied)
	s = mustApply(t, s, b.transition(s, "alice", "r1", "create"), StatusApplied)
	cancel := b.transition(s, "alice", "r1", "cancel")
	cancel.ChangedFiles = []string{"proposals/r1/cancel.yaml"}
	for _, who := range [][]string{{"agent"}, {"writ-bot"}, {"bob"}, {"agent", "writ-bot"}} {
		t.Run(strings.Join(who, "+"), func(t *testing.T) {
			var ws = asWithdraw(cancel)
			for _, w := range who {
				ws.Decisions = append(ws.Decisions, withdrawal(w))
			}
			next, out := full(s, ws)
			if out.Status != StatusRefused || !strings.Contains(out.Reason, "does not count") {
				t.Fatalf("status %s (%s), want refused", out.Status, out.Reason)
			}
			if next.Hash() != s.Hash() {
				t.Fatal("a refused withdrawal changed the state")
			}
		})
	}
	mustApply(t, s, asWithdraw(cancel, withdrawal("alice")), StatusWithdrawn)
}
