package core

import (
	"fmt"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// testRules is a small release workflow with a parallel state, a join, a
// policy-gated high-materiality transition and terminal states.
func testRules() *schemas.Bundle {
	return &schemas.Bundle{
		Config: schemas.Config{
			Version: 1, Repository: "test",
			Reconciler: schemas.ReconcilerConfig{Identity: "writ-bot"},
			Governance: schemas.Governance{Policy: "governance"},
			Roles:      []string{"sre", "security"},
			Identities: []schemas.Identity{
				{Name: "agent", Kind: schemas.IdentityAgent, Capabilities: []string{"propose:release"}},
				{Name: "alice", Kind: schemas.IdentityHuman, Roles: []string{"sre"}, Capabilities: []string{"approve", "propose:release", "override"}},
				{Name: "bob", Kind: schemas.IdentityHuman, Roles: []string{"sre"}, Capabilities: []string{"approve"}},
				{Name: "carol", Kind: schemas.IdentityHuman, Roles: []string{"security"}, Capabilities: []string{"approve"}},
				{Name: "writ-bot", Kind: schemas.IdentityAgent},
			},
		},
		Workflows: []schemas.Workflow{{
			Name: "release",
			States: []schemas.State{
				{Name: "draft"},
				{Name: "verifying", Regions: []schemas.Region{
					{Name: "tests", States: []string{"running", "passed", "failed"}, Initial: "running", Ready: "passed"},
					{Name: "security", States: []string{"scanning", "cleared"}, Initial: "scanning", Ready: "cleared"},
				}},
				{Name: "approved"},
				{Name: "released", Terminal: true},
				{Name: "cancelled", Terminal: true},
			},
			Transitions: []schemas.Transition{
				{Name: "create", To: "draft"},
				{Name: "verify", From: []string{"draft"}, To: "verifying"},
				{Name: "tests-pass", Region: "tests", From: []string{"running"}, To: "passed"},
				{Name: "tests-fail", Region: "tests", From: []string{"running"}, To: "failed"},
				{Name: "tests-retry", Region: "tests", From: []string{"failed"}, To: "running"},
				{Name: "security-clear", Region: "security", From: []string{"scanning"}, To: "cleared"},
				{Name: "approve-release", From: []string{"verifying"}, To: "approved", Join: true},
				{Name: "ship", From: []string{"approved"}, To: "released", Policy: "release-approval",
					Materiality: schemas.MaterialityHigh, Guards: []schemas.Condition{{Input: "change_ticket", Exists: boolPtr(true)}}},
				{Name: "cancel", From: []string{"draft", "verifying", "approved"}, To: "cancelled"},
			},
		}},
		Policies: []schemas.Policy{
			{Name: "governance", Rules: []schemas.Rule{{Name: "two", Count: 2, Roles: []string{"sre", "security"}}}},
			{Name: "release-approval", Rules: []schemas.Rule{{Name: "sre-pair", Count: 2, Roles: []string{"sre"},
				If: &schemas.Predicate{MaterialityAtLeast: schemas.MaterialityHigh}}}},
		},
	}
}

func boolPtr(b bool) *bool { return &b }

// builder makes entries with increasing clocks.
type builder struct {
	t    *testing.T
	wall int64
}

func (b *builder) genesis() Entry {
	b.wall++
	return Entry{Kind: KindGenesis, HLC: HLC{Wall: b.wall}, Signer: "writ-bot", IdemKey: "genesis", Rules: testRules()}
}

func (b *builder) transition(s State, signer, instance, transition string, decisions ...policies.Decision) Entry {
	b.wall++
	key := fmt.Sprintf("%s-%s-%d", instance, transition, b.wall)
	p := &schemas.Proposal{
		Instance: instance, Workflow: "release", Transition: transition,
		BaseState: hashIn(s, instance), IdemKey: key,
		Inputs: map[string]any{"change_ticket": "CHG-1"},
	}
	return Entry{Kind: KindTransition, HLC: HLC{Wall: b.wall}, Signer: signer, IdemKey: key,
		Proposal: p, Subject: policies.Subject{Commit: "c0ffee", Content: "sha256:aa"}, Decisions: decisions}
}

func approve(who string) policies.Decision {
	return policies.Decision{Identity: who, Verdict: policies.VerdictApprove, Commit: "c0ffee", Content: "sha256:aa", Ref: "ref-" + who}
}

// mustApply applies and fails the test unless the status is as wanted.
func mustApply(t *testing.T, s State, e Entry, want Status) State {
	t.Helper()
	next, out := full(s, e)
	if out.Status != want {
		t.Fatalf("apply %s/%s: status %s (%s), want %s", e.Kind, e.IdemKey, out.Status, out.Reason, want)
	}
	if err := CheckInvariants(s, e, out, next); err != nil {
		t.Fatalf("invariant after %s: %v", e.IdemKey, err)
	}
	return next
}

// shippable returns a state where instance r1 is approved and ready to ship.
func shippable(t *testing.T, b *builder) State {
	s := mustApply(t, NewState(), b.genesis(), StatusApplied)
	for _, tr := range []string{"create", "verify", "tests-pass", "security-clear", "approve-release"} {
		s = mustApply(t, s, b.transition(s, "agent", "r1", tr), StatusApplied)
	}
	return s
}

func override(who, why string) policies.Decision {
	return policies.Decision{Identity: who, Verdict: policies.VerdictOverride, Commit: "c0ffee", Content: "sha256:aa", Ref: "ref-" + who, Justification: why}
}

// rulesEntry proposes new rules that add human "dave" with role sre.
func rulesEntry(s State, b *builder, signer string, decisions ...policies.Decision) Entry {
	b.wall++
	rules := testRules()
	rules.Config.Identities = append(rules.Config.Identities, schemas.Identity{Name: "dave", Kind: schemas.IdentityHuman, Roles: []string{"sre"}})
	p := &schemas.Proposal{Instance: schemas.RulesInstance, Workflow: schemas.RulesInstance, Transition: schemas.RulesTransition,
		BaseState: s.RulesHash(), IdemKey: fmt.Sprintf("rules-%d", b.wall)}
	return Entry{Kind: KindRules, HLC: HLC{Wall: b.wall}, Signer: signer, IdemKey: p.IdemKey, Proposal: p,
		Rules: rules, Subject: policies.Subject{Commit: "c0ffee", Content: "sha256:aa"}, Decisions: decisions}
}

// full is Apply for a state that holds every bucket (built by Apply, or
// restored with all its buckets): there Apply returns no error, and one is
// a bug that fails the test by panicking.
func full(s State, e Entry) (State, Outcome) {
	next, out, err := Apply(s, e)
	if err != nil {
		panic(fmt.Sprintf("Apply on a state with every bucket: %v", err))
	}
	return next, out
}

// hashIn is State.InstanceHash for a state that holds every bucket.
func hashIn(s State, id string) string {
	h, err := s.InstanceHash(id)
	if err != nil {
		panic(err)
	}
	return h
}

// instanceIn is State.Instance for a state that holds every bucket.
func instanceIn(s State, id string) (*Instance, bool) {
	in, ok, err := s.Instance(id)
	if err != nil {
		panic(err)
	}
	return in, ok
}

// instancesOf is State.Instances for a state that holds every bucket.
func instancesOf(s State) []*Instance {
	all, err := s.Instances()
	if err != nil {
		panic(err)
	}
	return all
}
