package core

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
)

func rejection(who string) policies.Decision {
	return policies.Decision{Identity: who, Verdict: policies.VerdictReject, Commit: "c0ffee", Content: "sha256:aa", Ref: "ref-no-" + who, Justification: "not now"}
}

// TestJudgeRecordsRejectedRuleChanges: a rule change or recovery that an
// eligible governance approver rejects is judged a reject entry: the rules
// stay, only the clock and the entry count move, and Apply accepts that
// entry as replay will see it. A rejection by someone governance does not
// count records nothing.
func TestJudgeRecordsRejectedRuleChanges(t *testing.T) {
	f1 := strings.Repeat("1", 40)
	b := &builder{t: t}
	s := shippable(t, b)
	withFiles := func(e Entry) Entry {
		e.ChangedFiles = []string{"policies/a.yaml", "proposals/rules/x.yaml", "writ.yaml"}
		return e
	}
	stale := func(e Entry) Entry { e.Proposal.BaseState = "sha256:00"; return e }
	tests := []struct {
		name     string
		entry    Entry
		wantKind EntryKind
		want     Status
		reason   string
	}{
		{"a rule change rejected by governance", withFiles(rulesEntry(s, b, "alice", rejection("bob"))), KindReject, StatusRejected, "rejected by an eligible governance approver"},
		{"rejected although approved by another", rulesEntry(s, b, "alice", approve("carol"), rejection("bob")), KindReject, StatusRejected, "the rules in force stay"},
		{"a recovery rejected by governance", recoverEntry(s, b, "alice", []string{f1}, nil, rejection("carol")), KindReject, StatusRejected, "governance"},
		{"an agent's rejection does not count", rulesEntry(s, b, "alice", rejection("agent")), KindRules, StatusWaiting, "governance policy"},
		{"the author's own rejection does not count", rulesEntry(s, b, "alice", rejection("alice")), KindRules, StatusWaiting, "governance policy"},
		{"stale stays stale", stale(rulesEntry(s, b, "alice", rejection("bob"))), KindRules, StatusStale, "base_state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, next, out, err := Judge(s, tt.entry)
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != tt.wantKind || out.Status != tt.want || !strings.Contains(out.Reason, tt.reason) {
				t.Fatalf("Judge: %s %s (%s), want %s %s containing %q", got.Kind, out.Status, out.Reason, tt.wantKind, tt.want, tt.reason)
			}
			if out.Status != StatusRejected {
				return
			}
			if got.Rules != nil || got.Quarantine != nil || len(got.ChangedFiles) > 1 {
				t.Fatalf("reject entry carries rules %v, quarantine %v, changed files %v", got.Rules != nil, got.Quarantine, got.ChangedFiles)
			}
			if next.RulesHash() != s.RulesHash() || next.Entries() != s.Entries()+1 {
				t.Fatalf("rules %s → %s, entries %d → %d", s.RulesHash(), next.RulesHash(), s.Entries(), next.Entries())
			}
			// What replay decodes: the entry alone, its proposal file as the change.
			replayed := got
			replayed.ChangedFiles = []string{"proposals/rules/x.yaml"}
			again := mustApply(t, s, replayed, StatusRejected)
			if again.Hash() != next.Hash() {
				t.Fatal("Apply of the recorded reject entry gives another state than Judge")
			}
		})
	}
}

// TestApplyRefusesUnfoundedRuleRejections: a reject entry of a rule
// change stands only on a governance rejection that blocks.
func TestApplyRefusesUnfoundedRuleRejections(t *testing.T) {
	b := &builder{t: t}
	s := shippable(t, b)
	asReject := func(e Entry) Entry { e.Kind, e.Rules, e.Quarantine = KindReject, nil, nil; return e }
	tests := []struct {
		name   string
		entry  Entry
		want   Status
		reason string
	}{
		{"no rejection", asReject(rulesEntry(s, b, "alice", approve("bob"))), StatusRefused, "without a rejection by an eligible governance approver"},
		{"approved", asReject(rulesEntry(s, b, "alice", approve("bob"), approve("carol"))), StatusRefused, "governance policy approves"},
		{"an agent's rejection", asReject(rulesEntry(s, b, "alice", rejection("agent"))), StatusRefused, "without a rejection"},
		{"unknown proposer", asReject(rulesEntry(s, b, "mallory", rejection("bob"))), StatusRefused, "not an identity"},
		{"carrying rules", func() Entry {
			e := asReject(rulesEntry(s, b, "alice", rejection("bob")))
			e.Rules = testRules()
			return e
		}(), StatusRefused, "carries rules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, out := full(s, tt.entry)
			if out.Status != tt.want || !strings.Contains(out.Reason, tt.reason) {
				t.Fatalf("status %s (%s), want %s containing %q", out.Status, out.Reason, tt.want, tt.reason)
			}
			if out.Status != StatusRejected && next.Hash() != s.Hash() {
				t.Fatal("a refused entry changed the state")
			}
		})
	}
}
