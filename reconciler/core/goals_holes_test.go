package core

import (
	"fmt"
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// Holes a security review of goal lineages found, each refused now. Every
// test failed before its fix.

// wantRefused applies an action that must be refused for the reason given.
func (g *goalLog) wantRefused(who, action string, inputs map[string]any, reason string) {
	g.t.Helper()
	if out := g.act(who, action, inputs, StatusRefused); !strings.Contains(out.Reason, reason) {
		g.t.Fatalf("%s by %s refused for %q, want %q", action, who, out.Reason, reason)
	}
}

// A confirmer who re-declared the block it confirmed would stop counting
// (declarers' votes do not), un-confirming it without a refutation.
func TestGoalVoterCannotDeclare(t *testing.T) {
	g := newGoalLog(t, goalRules(&schemas.Quorum{Mode: schemas.QuorumSingle, Refutations: 3}, 0))
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	terminal := g.view().Terminal
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("p", nil)}, StatusApplied)
	b := BlockID(terminal, taskOf(t, "p", nil))
	g.act("a2", schemas.GoalConfirmBlock, map[string]any{"block": b}, StatusApplied)
	g.wantRefused("a2", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("p", nil)}, "a voter cannot also declare it")
	if st := g.block(b).Status; st != BlockConfirmed {
		t.Fatalf("block %s, want still confirmed", st)
	}
	g.wantRefused("a2", schemas.GoalComplete, map[string]any{"task": terminal}, "both complete and blocked")
}

// proceed-degraded confirmed, once the window passed, a claim nobody but
// its declarer touched.
func TestGoalDegradedNeedsAConfirmation(t *testing.T) {
	g := newGoalLog(t, goalRules(&schemas.Quorum{Mode: schemas.QuorumMulti, Min: 2, Window: "1h", OnShort: schemas.OnShortProceedDegraded}, 0))
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	terminal := g.view().Terminal
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("p", nil)}, StatusApplied)
	b := BlockID(terminal, taskOf(t, "p", nil))
	g.wall += 2 * 3600 * 1000
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("other", nil)}, StatusApplied)
	if bv := g.block(b); bv.Status == BlockConfirmed {
		t.Fatalf("block confirmed with confirmations %v", bv.ConfirmedBy)
	}
}

// A barrier's members are new tasks, listed once: a completed task listed
// twice counted twice and completed the barrier early.
func TestGoalBarrierMembersAreNew(t *testing.T) {
	g := newGoalLog(t, goalRules(&schemas.Quorum{Mode: schemas.QuorumSingle}, 0))
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	terminal := g.view().Terminal
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("x", nil)}, StatusApplied)
	bar := func(members ...any) map[string]any {
		return map[string]any{"task": terminal, "prerequisite": map[string]any{"type": "bar", "members": members}}
	}
	g.wantRefused("a1", schemas.GoalDeclareBlock, bar(pre("x", nil), pre("y", nil)), "already a task of the lineage")
	g.wantRefused("a1", schemas.GoalDeclareBlock, bar(pre("y", nil), pre("y", nil)), "listed twice")
}

// A barrier completes with its members; a block on it would be ignored
// when it does, so none is taken.
func TestGoalNoBlockOnABarrier(t *testing.T) {
	g := newGoalLog(t, goalRules(&schemas.Quorum{Mode: schemas.QuorumSingle}, 0))
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	terminal := g.view().Terminal
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": map[string]any{"type": "bar", "members": []any{pre("m", nil)}}}, StatusApplied)
	g.wantRefused("a1", schemas.GoalDeclareBlock, map[string]any{"task": taskOf(t, "bar", nil), "prerequisite": pre("q", nil)}, "is a barrier")
}

// One identity's vote that does not count is recorded once, not once per
// proposal.
func TestGoalIgnoredVoteRecordedOnce(t *testing.T) {
	g := newGoalLog(t, goalRules(nil, 0))
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	terminal := g.view().Terminal
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("p", nil)}, StatusApplied)
	b := BlockID(terminal, taskOf(t, "p", nil))
	g.act("a3", schemas.GoalConfirmBlock, map[string]any{"block": b}, StatusApplied) // trust 2 < 3: recorded, not counted
	g.wantRefused("a3", schemas.GoalConfirmBlock, map[string]any{"block": b}, "already recorded as not counting")
	if n := len(g.block(b).Ignored); n != 1 {
		t.Fatalf("%d ignored votes, want 1", n)
	}
}

// approvedRules is a governed rules entry approved by the human.
func approvedRules(g *goalLog, rules *schemas.Bundle) Entry {
	g.wall += 1000
	return Entry{Kind: KindRules, HLC: HLC{Wall: g.wall}, Signer: "a1", IdemKey: fmt.Sprintf("r-%d", g.wall), Rules: rules,
		Proposal:  &schemas.Proposal{Instance: "rules", Workflow: "rules", Transition: "change", BaseState: g.s.RulesHash(), IdemKey: fmt.Sprintf("r-%d", g.wall)},
		Subject:   policies.Subject{Commit: "c0ffee", Content: "sha256:aa"},
		Decisions: []policies.Decision{{Identity: "human", Verdict: policies.VerdictApprove, Commit: "c0ffee", Content: "sha256:aa", Ref: "ref-human"}}}
}

// A block is decided by the quorum in force when it was declared: a rules
// change that dropped the window revived a claim the window dismissed.
func TestGoalQuorumIsPinnedAtDeclaration(t *testing.T) {
	g := newGoalLog(t, goalRules(&schemas.Quorum{Mode: schemas.QuorumMulti, Min: 2, Window: "1h", OnShort: schemas.OnShortFail}, 0))
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	terminal := g.view().Terminal
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("p", nil)}, StatusApplied)
	b := BlockID(terminal, taskOf(t, "p", nil))
	g.wall += 2 * 3600 * 1000
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("q", nil)}, StatusApplied)
	g.apply(approvedRules(g, goalRules(&schemas.Quorum{Mode: schemas.QuorumMulti, Min: 2}, 0)), StatusApplied)
	if st := g.block(b).Status; st != BlockDismissed {
		t.Fatalf("after the rules change: %s, want still dismissed", st)
	}
	g.wantRefused("a2", schemas.GoalConfirmBlock, map[string]any{"block": b}, "dismissed")
}

// A lineage moves by goal entries only, even after the rules name a
// workflow like its goal: a transition would have erased it.
func TestGoalLineageIsNotAWorkflowInstance(t *testing.T) {
	g := newGoalLog(t, goalRules(nil, 0))
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	r2 := goalRules(nil, 0)
	r2.Goals = nil
	r2.Workflows = []schemas.Workflow{{Name: "patch", States: []schemas.State{{Name: "active"}, {Name: "x", Terminal: true}},
		Transitions: []schemas.Transition{{Name: "go", From: []string{"active"}, To: "x"}}}}
	for i := range r2.Config.Identities {
		r2.Config.Identities[i].Capabilities = append(r2.Config.Identities[i].Capabilities, ProposeCapability("patch"))
	}
	g.apply(approvedRules(g, r2), StatusApplied)
	v, _, _ := g.s.Lineage("L1")
	g.wall += 1000
	p := &schemas.Proposal{Instance: "L1", Workflow: "patch", Transition: "go", BaseState: v.Hash, IdemKey: "t1"}
	if _, out, _ := Apply(g.s, Entry{Kind: KindTransition, HLC: HLC{Wall: g.wall}, Signer: "a2", IdemKey: "t1", Proposal: p}); out.Status != StatusRefused || !strings.Contains(out.Reason, "lineage") {
		t.Fatalf("transition on a lineage: %s (%s)", out.Status, out.Reason)
	}
}

// A goal's policy judges at high materiality: the proposer leaving
// materiality out skipped a rule on materiality_at_least: high.
func TestGoalPolicyMaterialityIsNotTheProposers(t *testing.T) {
	rules := goalRules(&schemas.Quorum{Mode: schemas.QuorumSingle}, 0)
	rules.Policies = append(rules.Policies, schemas.Policy{Name: "approval", Rules: []schemas.Rule{{Name: "human", Count: 1,
		If: &schemas.Predicate{MaterialityAtLeast: schemas.MaterialityHigh}}}})
	rules.Goals[0].Policy = "approval"
	g := newGoalLog(t, rules)
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": g.view().Terminal, "prerequisite": pre("p", nil)}, StatusWaiting)
}

// A declaration the goal's policy blocks is recorded as a rejection (the
// key consumed), and a goal action can be withdrawn by its proposer.
func TestGoalRejectAndWithdraw(t *testing.T) {
	rules := goalRules(&schemas.Quorum{Mode: schemas.QuorumSingle}, 0)
	rules.Config.Identities = append(rules.Config.Identities, schemas.Identity{Name: "olga", Kind: schemas.IdentityHuman, Capabilities: []string{"approve"}})
	rules.Policies = append(rules.Policies, schemas.Policy{Name: "approval", Rules: []schemas.Rule{{Name: "human", Count: 1}}})
	rules.Goals[0].Policy = "approval"
	g := newGoalLog(t, rules)
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	terminal := g.view().Terminal
	entry := func(key string, decisions ...policies.Decision) Entry {
		g.wall += 1000
		p := &schemas.Proposal{Instance: "L1", Workflow: "patch", Transition: schemas.GoalDeclareBlock, BaseState: g.view().Hash, IdemKey: key,
			Inputs: map[string]any{"task": terminal, "prerequisite": pre("p", nil)}}
		return Entry{Kind: KindGoal, HLC: HLC{Wall: g.wall}, Signer: "a1", IdemKey: key, Proposal: p,
			Subject: policies.Subject{Commit: "c0ffee", Content: "sha256:aa"}, Decisions: decisions}
	}
	rejected := entry("d1", policies.Decision{Identity: "olga", Verdict: policies.VerdictReject, Commit: "c0ffee", Content: "sha256:aa", Ref: "r"})
	judged, next, out, err := Judge(g.s, rejected)
	if err != nil || judged.Kind != KindReject || out.Status != StatusRejected {
		t.Fatalf("judge a rejected declaration: %s %s (%s) %v", judged.Kind, out.Status, out.Reason, err)
	}
	g.s = next
	g.apply(rejected, StatusDuplicate) // its key is consumed
	w := entry("d2", policies.Decision{Identity: "a1", Verdict: policies.VerdictWithdraw, Commit: "c0ffee", Content: "sha256:aa", Ref: "w"})
	w.Kind = KindWithdraw
	g.apply(w, StatusWithdrawn)
	again := entry("d2", policies.Decision{Identity: "olga", Verdict: policies.VerdictApprove, Commit: "c0ffee", Content: "sha256:aa", Ref: "a"})
	g.apply(again, StatusDuplicate) // a withdrawn action never comes back
	// Another identity cannot withdraw it for a1.
	other := entry("d3", policies.Decision{Identity: "a2", Verdict: policies.VerdictWithdraw, Commit: "c0ffee", Content: "sha256:aa", Ref: "w2"})
	other.Kind = KindWithdraw
	g.apply(other, StatusRefused)
}

// A shared prerequisite sits at one depth on every path, so max_depth
// bounds every chain.
func TestGoalDepthHoldsOnEveryPath(t *testing.T) {
	g := newGoalLog(t, goalRules(&schemas.Quorum{Mode: schemas.QuorumSingle}, 2))
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	terminal := g.view().Terminal
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("a", nil)}, StatusApplied)
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("c", nil)}, StatusApplied)
	g.wantRefused("a1", schemas.GoalDeclareBlock, map[string]any{"task": taskOf(t, "a", nil), "prerequisite": pre("c", nil)}, "cannot also be a prerequisite at depth 2")
}
