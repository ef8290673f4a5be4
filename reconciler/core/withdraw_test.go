package core

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
)

// withdrawal is who's withdraw decision on the builder's subject.
func withdrawal(who string) policies.Decision {
	return policies.Decision{Identity: who, Verdict: policies.VerdictWithdraw, Commit: "c0ffee", Content: "sha256:aa",
		Ref: "ref-w-" + who, Justification: "no longer needed"}
}

// asWithdraw turns a proposal's entry into its withdraw entry.
func asWithdraw(e Entry, decisions ...policies.Decision) Entry {
	e.Kind, e.Rules, e.Decisions = KindWithdraw, nil, decisions
	return e
}

// TestApplyWithdraw: the proposer may withdraw their own proposal, and so
// may withdrawals that satisfy the governance policy; nobody else (not an
// agent, not the reconciler, not one approver alone). A withdrawal
// consumes the idem_key as "withdrawn" and moves nothing.
func TestApplyWithdraw(t *testing.T) {
	b := &builder{t: t}
	s := mustApply(t, NewState(), b.genesis(), StatusApplied)
	created := b.transition(s, "agent", "r1", "create")
	s = mustApply(t, s, created, StatusApplied)
	created.HLC.Wall += 100
	s = mustApply(t, s, b.transition(s, "alice", "r2", "create"), StatusApplied)
	verify := b.transition(s, "agent", "r1", "verify")
	cancel := b.transition(s, "alice", "r2", "cancel")
	create := b.transition(s, "alice", "r3", "create")
	rules := rulesEntry(s, b, "alice")
	staleRules := rulesEntry(s, b, "alice")
	staleRules.Proposal.BaseState = "sha256:00"
	onOther := withdrawal("agent")
	onOther.Commit, onOther.Content = "bad", "sha256:bb"

	withdrawn := mustApply(t, s, asWithdraw(verify, withdrawal("agent")), StatusWithdrawn)
	again := asWithdraw(verify, withdrawal("agent"))
	again.HLC.Wall += 100

	tests := []struct {
		name   string
		s      State
		entry  Entry
		want   Status
		reason string
	}{
		{"an agent proposer withdraws its own proposal", s, asWithdraw(verify, withdrawal("agent")), StatusWithdrawn, "its proposer agent; instance stays in draft"},
		{"a human proposer withdraws theirs", s, asWithdraw(cancel, withdrawal("alice")), StatusWithdrawn, "its proposer alice"},
		{"the proposer among others", s, asWithdraw(cancel, withdrawal("bob"), withdrawal("alice")), StatusWithdrawn, "its proposer alice"},
		{"someone else alone is refused", s, asWithdraw(cancel, withdrawal("bob")), StatusRefused, "withdrawal by bob does not count"},
		{"governance withdraws", s, asWithdraw(cancel, withdrawal("bob"), withdrawal("carol")), StatusWithdrawn, "the governance policy governance (bob, carol)"},
		{"an agent for someone else is refused", s, asWithdraw(cancel, withdrawal("agent"), withdrawal("bob")), StatusRefused, "agent"},
		{"the reconciler is refused", s, asWithdraw(cancel, withdrawal("writ-bot")), StatusRefused, "writ-bot does not count"},
		{"no withdrawal is refused", s, asWithdraw(cancel, approve("alice")), StatusRefused, "without a withdrawal"},
		{"a withdrawal of other content is refused", s, asWithdraw(verify, onOther), StatusRefused, "without a withdrawal"},
		{"duplicate", withdrawn, again, StatusDuplicate, "already withdrawn"},
		{"an applied key is a duplicate", s, asWithdraw(created, withdrawal("agent")), StatusDuplicate, "already applied"},
		{"a creating proposal", s, asWithdraw(create, withdrawal("alice")), StatusWithdrawn, "its proposer alice"},
		{"a rules proposal", s, asWithdraw(rules, withdrawal("alice")), StatusWithdrawn, "its proposer alice"},
		{"a rules proposal by someone else", s, asWithdraw(rules, withdrawal("bob")), StatusRefused, "does not count"},
		{"a stale rules proposal", mustApply(t, s, asWithdraw(cancel, withdrawal("alice")), StatusWithdrawn), asWithdraw(staleRules, withdrawal("alice")), StatusStale, "nothing to withdraw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, out := full(tt.s, tt.entry)
			if out.Status != tt.want || !strings.Contains(out.Reason, tt.reason) {
				t.Fatalf("status %s (%s), want %s containing %q", out.Status, out.Reason, tt.want, tt.reason)
			}
			if !out.Status.Changed() {
				if next.Hash() != tt.s.Hash() {
					t.Fatal("a refused withdrawal changed the state")
				}
				return
			}
			if next.RulesHash() != tt.s.RulesHash() {
				t.Fatal("a withdrawal changed the rules")
			}
			p := tt.entry.Proposal
			before, existed := instanceIn(tt.s, p.Instance)
			after, exists := instanceIn(next, p.Instance)
			if existed != exists {
				t.Fatalf("instance %s existed %v, exists %v after the withdrawal", p.Instance, existed, exists)
			}
			if !exists {
				return
			}
			if after.State != before.State || after.Keys[p.IdemKey] != "withdrawn" {
				t.Fatalf("instance after = %+v, want state %s and key %s withdrawn", after, before.State, p.IdemKey)
			}
		})
	}
}
