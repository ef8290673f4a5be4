package core

import (
	"fmt"
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// recoverEntry proposes the recovery of the commits q; listed (when not
// nil) is what its proposal lists instead.
func recoverEntry(s State, b *builder, signer string, q, listed []string, decisions ...policies.Decision) Entry {
	b.wall++
	if listed == nil {
		listed = q
	}
	in := make([]any, len(listed))
	for i, h := range listed {
		in[i] = h
	}
	p := &schemas.Proposal{Instance: schemas.RulesInstance, Workflow: schemas.RulesInstance, Transition: schemas.RecoverTransition,
		BaseState: s.RulesHash(), IdemKey: fmt.Sprintf("recover-%d", b.wall), Inputs: map[string]any{schemas.RecoverInput: in}}
	return Entry{Kind: KindRecover, HLC: HLC{Wall: b.wall}, Signer: signer, IdemKey: p.IdemKey, Proposal: p, Quarantine: q,
		Subject: policies.Subject{Commit: "c0ffee", Content: "sha256:aa"}, Decisions: decisions}
}

// TestApplyRecover: a recover entry is judged like a rules entry (the
// governance policy of the rules in force, no self-approval, base_state
// the rules hash) and must quarantine what its proposal lists; applied, it
// changes no rules and no instance, only the clock and the entry count.
func TestApplyRecover(t *testing.T) {
	f1, f2 := strings.Repeat("1", 40), strings.Repeat("2", 40)
	b := &builder{t: t}
	s := shippable(t, b)
	stale := func(e Entry) Entry { e.Proposal.BaseState = "sha256:" + strings.Repeat("0", 64); return e }
	noProposal := func(e Entry) Entry { e.Proposal = nil; return e }
	notRecovery := func(e Entry) Entry { e.Proposal.Transition = schemas.RulesTransition; return e }
	tests := []struct {
		name   string
		entry  Entry
		want   Status
		reason string
	}{
		{"approved", recoverEntry(s, b, "alice", []string{f1, f2}, nil, approve("bob"), approve("carol")), StatusApplied, "2 commit(s) quarantined"},
		{"one approval", recoverEntry(s, b, "alice", []string{f1}, nil, approve("bob")), StatusWaiting, "governance policy governance"},
		{"self-approval does not count", recoverEntry(s, b, "alice", []string{f1}, nil, approve("alice"), approve("bob")), StatusWaiting, "governance"},
		{"names other commits than its proposal", recoverEntry(s, b, "alice", []string{f1}, []string{f1, f2}, approve("bob"), approve("carol")), StatusRefused, "its approved proposal lists"},
		{"quarantines nothing", recoverEntry(s, b, "alice", nil, []string{f1}, approve("bob"), approve("carol")), StatusRefused, "quarantines no commit"},
		{"bad hash in the proposal", recoverEntry(s, b, "alice", []string{"abc"}, nil, approve("bob"), approve("carol")), StatusRefused, "not a full commit hash"},
		{"stale", stale(recoverEntry(s, b, "alice", []string{f1}, nil, approve("bob"), approve("carol"))), StatusStale, "base_state"},
		{"no proposal", noProposal(recoverEntry(s, b, "alice", []string{f1}, nil)), StatusRefused, "no proposal"},
		{"a rule change's proposal", notRecovery(recoverEntry(s, b, "alice", []string{f1}, nil)), StatusRefused, "not a recover rules one"},
		{"unknown proposer", recoverEntry(s, b, "mallory", []string{f1}, nil, approve("bob"), approve("carol")), StatusRefused, "not an identity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, out := full(s, tt.entry)
			if out.Status != tt.want || !strings.Contains(out.Reason, tt.reason) {
				t.Fatalf("status %s (%s), want %s mentioning %q", out.Status, out.Reason, tt.want, tt.reason)
			}
			if err := CheckInvariants(s, tt.entry, out, next); err != nil {
				t.Fatal(err)
			}
			if tt.want != StatusApplied {
				if next.Hash() != s.Hash() {
					t.Fatal("a recovery that did not apply changed the state")
				}
				return
			}
			if next.RulesHash() != s.RulesHash() || next.Entries() != s.Entries()+1 || next.Clock() != tt.entry.Stamp() {
				t.Fatalf("after the recovery: rules %s entries %d clock %v; want the rules kept, one more entry, the entry's stamp",
					next.RulesHash(), next.Entries(), next.Clock())
			}
			if a, b := instancesOf(next), instancesOf(s); len(a) != len(b) || hashIn(next, "r1") != hashIn(s, "r1") {
				t.Fatal("the recovery changed an instance")
			}
			// Deterministic: the same entry on the same state gives the
			// same bytes.
			again, _ := full(s, tt.entry)
			if again.Hash() != next.Hash() {
				t.Fatal("applying the recovery twice gave two states")
			}
		})
	}
}
