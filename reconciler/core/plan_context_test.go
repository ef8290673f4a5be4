package core

import (
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// TestDecisionsBindToThePlanShown: approvals that record the digest of the
// plan Judge showed count while that plan stands, also when an unrelated
// part of the rules changed; after the workflow or the judging policy is
// edited they record another plan and no longer count; approvals that
// record no plan bind by content as before.
func TestDecisionsBindToThePlanShown(t *testing.T) {
	b := &builder{t: t}
	s := shippable(t, b)
	e := b.transition(s, "agent", "r1", "ship")
	_, _, judged, err := Judge(s, e)
	if err != nil || judged.Plan == "" || judged.Status != StatusWaiting {
		t.Fatalf("Judge: %v, plan %q, status %s", err, judged.Plan, judged.Status)
	}
	saw := func(plan string, who ...string) []policies.Decision {
		var out []policies.Decision
		for _, w := range who {
			d := approve(w)
			d.Plan = plan
			out = append(out, d)
		}
		return out
	}
	// rulesWith applies a governed rules change made by edit.
	rulesWith := func(s State, edit func(*schemas.Bundle)) State {
		re := rulesEntry(s, b, "carol", approve("alice"), approve("bob"))
		re.Rules = testRules()
		edit(re.Rules)
		return mustApply(t, s, re, StatusApplied)
	}
	tests := []struct {
		name      string
		edit      func(*schemas.Bundle) // nil: no rules change between decision and apply
		decisions []policies.Decision
		want      Status
	}{
		{"approved on the plan shown", nil, saw(judged.Plan, "alice", "bob"), StatusApplied},
		{"approved on another plan", nil, saw("sha256:0000", "alice", "bob"), StatusWaiting},
		{"an unrelated policy changed", func(r *schemas.Bundle) {
			r.Policies = append(r.Policies, schemas.Policy{Name: "unused", Rules: []schemas.Rule{{Name: "one", Count: 1}}})
		}, saw(judged.Plan, "alice", "bob"), StatusApplied},
		{"the judging policy changed", func(r *schemas.Bundle) {
			r.Policies[1].Description = "now with a description"
		}, saw(judged.Plan, "alice", "bob"), StatusWaiting},
		{"the workflow changed", func(r *schemas.Bundle) {
			r.Workflows[0].States = append(r.Workflows[0].States, schemas.State{Name: "archived", Terminal: true})
		}, saw(judged.Plan, "alice", "bob"), StatusWaiting},
		{"no plan recorded: bound by content", func(r *schemas.Bundle) {
			r.Policies[1].Description = "now with a description"
		}, saw("", "alice", "bob"), StatusApplied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := s
			if tt.edit != nil {
				at = rulesWith(s, tt.edit)
			}
			e := b.transition(at, "agent", "r1", "ship", tt.decisions...)
			_, out := full(at, e)
			if out.Status != tt.want {
				t.Fatalf("status %s (%s), want %s", out.Status, out.Reason, tt.want)
			}
			if tt.want == StatusWaiting && !ignoredFor(out.Policy, policies.ReasonOtherPlan) {
				t.Fatalf("want the approvals not counted as %q: %+v", policies.ReasonOtherPlan, out.Policy)
			}
		})
	}
}

// ignoredFor reports whether some decision under r was not counted for reason.
func ignoredFor(r *policies.Result, reason string) bool {
	if r == nil {
		return false
	}
	for _, v := range append(r.Ignored, r.NotCounted...) {
		if v.Reason == reason {
			return true
		}
	}
	for i := range r.Children {
		if ignoredFor(&r.Children[i], reason) {
			return true
		}
	}
	return false
}

// TestPlanContextOfRulesChange: a rules change's plan is judged by the
// governance policy against the rules in force, so it changes with them.
func TestPlanContextOfRulesChange(t *testing.T) {
	b := &builder{t: t}
	s := mustApply(t, NewState(), b.genesis(), StatusApplied)
	e := rulesEntry(s, b, "carol")
	c := PlanContextOf(s.rules, s.RulesHash(), KindRules, e.Proposal, e.Subject.Content)
	if c.Kind != KindRules || c.Rules != s.RulesHash() || c.Base != s.RulesHash() || c.Policy == "" || c.Workflow != "" {
		t.Fatalf("context %+v", c)
	}
	other := PlanContextOf(s.rules, "sha256:other", KindRules, e.Proposal, e.Subject.Content)
	if other.Digest() == c.Digest() {
		t.Fatal("the digest does not change with the rules in force")
	}
	for _, k := range []EntryKind{KindReject, KindWithdraw} {
		if closed := PlanContextOf(s.rules, s.RulesHash(), k, e.Proposal, e.Subject.Content); closed != c {
			t.Fatalf("a %s entry of a rules change is judged on another plan: %+v, want %+v", k, closed, c)
		}
	}
	tr := b.transition(s, "agent", "r1", "create")
	if rej := PlanContextOf(s.rules, s.RulesHash(), KindReject, tr.Proposal, tr.Subject.Content); rej.Kind != KindTransition || rej.Workflow == "" {
		t.Fatalf("a rejection of a transition is shown the transition's plan, got %+v", rej)
	}
}

// TestPlanDigestIsCanonical: Digest hashes the context's canonical JSON,
// whatever its strings hold.
func TestPlanDigestIsCanonical(t *testing.T) {
	for _, c := range []PlanContext{
		{},
		{Kind: KindTransition, Content: "sha256:aa", Base: "none", Instance: "web-1", Workflow: "release@sha256:bb", Policy: "p@sha256:cc"},
		{Kind: KindRules, Content: "sha256:aa", Base: "sha256:dd", Rules: "sha256:dd", Policy: "governance@sha256:ee"},
		{Kind: "x<y>&z", Instance: "\u2028\"\\\x00\xff", Workflow: "é"},
		{Instance: "a\xff\xfeb\xe2\x82", Policy: "\xc3"},
	} {
		b, err := schemas.CanonicalJSON(c)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.Digest(), schemas.HashBytes(b); got != want {
			t.Errorf("Digest(%+v) = %s, want the hash of %s: %s", c, got, b, want)
		}
	}
}
