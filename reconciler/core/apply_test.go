package core

import (
	"encoding/json"
	"math/rand"
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

func TestApply(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, b *builder) (State, Entry)
		want   Status
		reason string // substring of Outcome.Reason
		check  func(t *testing.T, next State)
	}{
		{
			name: "transition before genesis is refused",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				return NewState(), b.transition(NewState(), "agent", "r1", "create")
			},
			want: StatusRefused, reason: "no genesis",
		},
		{
			name: "second genesis is refused",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				return mustApply(t, NewState(), b.genesis(), StatusApplied), b.genesis()
			},
			want: StatusRefused, reason: "already has rules",
		},
		{
			name: "agent with capability creates an instance without a human",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := mustApply(t, NewState(), b.genesis(), StatusApplied)
				return s, b.transition(s, "agent", "r1", "create")
			},
			want: StatusApplied, reason: "created r1 in draft",
			check: func(t *testing.T, s State) {
				in, ok := instanceIn(s, "r1")
				if !ok || in.State != "draft" || in.Version != 1 {
					t.Fatalf("instance = %+v", in)
				}
			},
		},
		{
			name: "creating an existing instance is refused",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := mustApply(t, NewState(), b.genesis(), StatusApplied)
				s = mustApply(t, s, b.transition(s, "agent", "r1", "create"), StatusApplied)
				e := b.transition(s, "agent", "r1", "create")
				return s, e
			},
			want: StatusRefused, reason: "already exists",
		},
		{
			name: "repeated idem_key is a no-op",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := mustApply(t, NewState(), b.genesis(), StatusApplied)
				e := b.transition(s, "agent", "r1", "create")
				s = mustApply(t, s, e, StatusApplied)
				e.HLC.Wall += 100
				return s, e
			},
			want: StatusDuplicate, reason: "already applied",
		},
		{
			name: "stale base_state is refused as stale",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := mustApply(t, NewState(), b.genesis(), StatusApplied)
				s = mustApply(t, s, b.transition(s, "agent", "r1", "create"), StatusApplied)
				e := b.transition(s, "agent", "r1", "verify")
				s = mustApply(t, s, b.transition(s, "agent", "r1", "cancel"), StatusApplied)
				e.HLC.Wall += 10
				return s, e
			},
			want: StatusStale, reason: "is not instance r1's current state",
		},
		{
			name: "clock going backwards is refused",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := mustApply(t, NewState(), b.genesis(), StatusApplied)
				e := b.transition(s, "agent", "r1", "create")
				e.HLC = HLC{Wall: 0, Logical: 5}
				return s, e
			},
			want: StatusRefused, reason: "is not after",
		},
		{
			name: "unknown proposer is refused",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := mustApply(t, NewState(), b.genesis(), StatusApplied)
				return s, b.transition(s, "mallory", "r1", "create")
			},
			want: StatusRefused, reason: `"mallory" is not an identity`,
		},
		{
			name: "proposer without capability is refused",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := mustApply(t, NewState(), b.genesis(), StatusApplied)
				return s, b.transition(s, "bob", "r1", "create")
			},
			want: StatusRefused, reason: "bob lacks capability propose:release",
		},
		{
			name: "region transition from the wrong sub-state is refused",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := mustApply(t, NewState(), b.genesis(), StatusApplied)
				s = mustApply(t, s, b.transition(s, "agent", "r1", "create"), StatusApplied)
				s = mustApply(t, s, b.transition(s, "agent", "r1", "verify"), StatusApplied)
				return s, b.transition(s, "agent", "r1", "tests-retry")
			},
			want: StatusRefused, reason: "region tests is running",
		},
		{
			name: "join waits for every region",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := mustApply(t, NewState(), b.genesis(), StatusApplied)
				s = mustApply(t, s, b.transition(s, "agent", "r1", "create"), StatusApplied)
				s = mustApply(t, s, b.transition(s, "agent", "r1", "verify"), StatusApplied)
				s = mustApply(t, s, b.transition(s, "agent", "r1", "tests-pass"), StatusApplied)
				return s, b.transition(s, "agent", "r1", "approve-release")
			},
			want: StatusRefused, reason: "security is scanning, needs cleared",
		},
		{
			name: "join fires when every region is ready",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := mustApply(t, NewState(), b.genesis(), StatusApplied)
				for _, tr := range []string{"create", "verify", "tests-pass", "security-clear"} {
					s = mustApply(t, s, b.transition(s, "agent", "r1", tr), StatusApplied)
				}
				return s, b.transition(s, "agent", "r1", "approve-release")
			},
			want: StatusApplied, reason: "verifying → approved",
			check: func(t *testing.T, s State) {
				if in, _ := instanceIn(s, "r1"); len(in.Regions) != 0 {
					t.Fatalf("regions should be cleared after leaving the parallel state: %v", in.Regions)
				}
			},
		},
		{
			name: "high materiality waits for approvals",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := shippable(t, b)
				return s, b.transition(s, "agent", "r1", "ship")
			},
			want: StatusWaiting, reason: "policy release-approval",
		},
		{
			name: "one approval is not enough",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := shippable(t, b)
				return s, b.transition(s, "agent", "r1", "ship", approve("alice"))
			},
			want: StatusWaiting,
		},
		{
			name: "author's own approval does not count",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := shippable(t, b)
				return s, b.transition(s, "alice", "r1", "ship", approve("alice"), approve("bob"))
			},
			want: StatusWaiting,
		},
		{
			name: "two approvals from the role apply the transition",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := shippable(t, b)
				return s, b.transition(s, "agent", "r1", "ship", approve("alice"), approve("bob"))
			},
			want: StatusApplied, reason: "approved → released",
		},
		{
			name: "a failing input guard refuses",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := shippable(t, b)
				e := b.transition(s, "agent", "r1", "ship", approve("alice"), approve("bob"))
				e.Proposal.Inputs = nil
				return s, e
			},
			want: StatusRefused, reason: "input change_ticket",
		},
		{
			name: "terminal instance accepts nothing",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := shippable(t, b)
				s = mustApply(t, s, b.transition(s, "agent", "r1", "ship", approve("alice"), approve("bob")), StatusApplied)
				return s, b.transition(s, "agent", "r1", "cancel")
			},
			want: StatusRefused, reason: "terminal state released",
		},
		{
			name: "an eligible rejection is recorded and consumes the key",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := shippable(t, b)
				e := b.transition(s, "agent", "r1", "ship", policies.Decision{Identity: "bob", Verdict: policies.VerdictReject, Commit: "c0ffee", Justification: "not today"})
				e.Kind = KindReject
				return s, e
			},
			want: StatusRejected, reason: "stays in approved",
			check: func(t *testing.T, s State) {
				in, _ := instanceIn(s, "r1")
				if in.State != "approved" || len(in.Keys) == 0 {
					t.Fatalf("instance after reject = %+v", in)
				}
			},
		},
		{
			name: "a reject entry without an eligible rejection is refused",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := shippable(t, b)
				e := b.transition(s, "agent", "r1", "ship", approve("alice"))
				e.Kind = KindReject
				return s, e
			},
			want: StatusRefused, reason: "without a rejection",
		},
		{
			name: "quarantined instance refuses everything but release",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := mustApply(t, NewState(), b.genesis(), StatusApplied)
				s = mustApply(t, s, b.transition(s, "agent", "r1", "create"), StatusApplied)
				s = mustApply(t, s, b.transition(s, "agent", "r1", "verify"), StatusApplied)
				s = mustApply(t, s, b.transition(s, "agent", "r1", "quarantine"), StatusApplied)
				return s, b.transition(s, "agent", "r1", "tests-pass")
			},
			want: StatusRefused, reason: "only an explicit release",
		},
		{
			name: "release needs the override capability",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := mustApply(t, NewState(), b.genesis(), StatusApplied)
				s = mustApply(t, s, b.transition(s, "agent", "r1", "create"), StatusApplied)
				s = mustApply(t, s, b.transition(s, "agent", "r1", "quarantine"), StatusApplied)
				return s, b.transition(s, "agent", "r1", "release")
			},
			want: StatusRefused, reason: "lacks capability override",
		},
		{
			name: "release returns to the state and regions it left",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := mustApply(t, NewState(), b.genesis(), StatusApplied)
				for _, tr := range []string{"create", "verify", "tests-pass", "quarantine"} {
					s = mustApply(t, s, b.transition(s, "agent", "r1", tr), StatusApplied)
				}
				return s, b.transition(s, "alice", "r1", "release")
			},
			want: StatusApplied,
			check: func(t *testing.T, s State) {
				in, _ := instanceIn(s, "r1")
				if in.State != "verifying" || in.Regions["tests"] != "passed" || in.Regions["security"] != "scanning" || in.Resume != nil {
					t.Fatalf("after release: %+v", in)
				}
			},
		},
		{
			name: "rules change judged by the governance policy in force",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := mustApply(t, NewState(), b.genesis(), StatusApplied)
				b.wall++
				return s, rulesEntry(s, b, "alice", approve("alice"), approve("bob"))
			},
			want: StatusWaiting, reason: "governance policy governance",
		},
		{
			name: "rules change approved under the governance policy in force",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := mustApply(t, NewState(), b.genesis(), StatusApplied)
				return s, rulesEntry(s, b, "alice", approve("bob"), approve("carol"))
			},
			want: StatusApplied, reason: "in force",
			check: func(t *testing.T, s State) {
				if _, ok := s.Rules().Identity("dave"); !ok {
					t.Fatal("the new rules are not in force")
				}
			},
		},
		{
			name: "rules change on stale rules",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := mustApply(t, NewState(), b.genesis(), StatusApplied)
				e := rulesEntry(s, b, "alice", approve("bob"), approve("carol"))
				e.Proposal.BaseState = "sha256:" + strings.Repeat("0", 64)
				return s, e
			},
			want: StatusStale, reason: "not the rules in force",
		},
		{
			name: "a rules change cannot grant its own approvers rights",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := mustApply(t, NewState(), b.genesis(), StatusApplied)
				// dave does not exist under the rules in force, so his
				// approval does not count even though the change adds him.
				return s, rulesEntry(s, b, "alice", approve("bob"), approve("dave"))
			},
			want: StatusWaiting, reason: "governance policy governance",
		},
		{
			name: "break-glass override applies without approvals and is flagged",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := shippable(t, b)
				return s, b.transition(s, "agent", "r1", "ship", override("alice", "prod is down"))
			},
			want: StatusApplied, reason: "OVERRIDE by alice",
		},
		{
			name: "override without a justification is ignored: still waiting",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := shippable(t, b)
				return s, b.transition(s, "agent", "r1", "ship", override("alice", " "))
			},
			want: StatusWaiting, reason: "alice's override does not count: override has no justification",
		},
		{
			name: "override without the capability is ignored: still waiting",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := shippable(t, b)
				return s, b.transition(s, "agent", "r1", "ship", override("bob", "urgent"))
			},
			want: StatusWaiting, reason: "bob's override does not count: lacks capability override",
		},
		{
			name: "an agent's override is ignored",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := shippable(t, b)
				return s, b.transition(s, "alice", "r1", "ship", override("agent", "urgent"))
			},
			want: StatusWaiting, reason: "agent's override does not count: agent cannot override",
		},
		{
			name: "the author's override of their own proposal is ignored",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := shippable(t, b)
				return s, b.transition(s, "alice", "r1", "ship", override("alice", "urgent"))
			},
			want: StatusWaiting, reason: "alice's override does not count: author cannot override",
		},
		{
			name: "override does not bypass guards",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				s := shippable(t, b)
				e := b.transition(s, "agent", "r1", "ship", override("alice", "urgent"))
				e.Proposal.Inputs = nil
				return s, e
			},
			want: StatusRefused, reason: "input change_ticket",
		},
		{
			name: "unknown entry kind is refused",
			setup: func(t *testing.T, b *builder) (State, Entry) {
				return NewState(), Entry{Kind: "bogus"}
			},
			want: StatusRefused, reason: "unknown entry kind",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &builder{t: t}
			s, e := tt.setup(t, b)
			before := s.Hash()
			next, out := full(s, e)
			if out.Status != tt.want {
				t.Fatalf("status %s (%s), want %s", out.Status, out.Reason, tt.want)
			}
			if !strings.Contains(out.Reason, tt.reason) {
				t.Fatalf("reason %q does not mention %q", out.Reason, tt.reason)
			}
			if err := CheckInvariants(s, e, out, next); err != nil {
				t.Fatal(err)
			}
			if s.Hash() != before {
				t.Fatal("Apply mutated its input state")
			}
			if tt.check != nil {
				tt.check(t, next)
			}
		})
	}
}

func TestApplyIsDeterministic(t *testing.T) {
	run := func() string {
		b := &builder{t: t}
		s := shippable(t, b)
		s = mustApply(t, s, b.transition(s, "agent", "r1", "ship", approve("bob"), approve("alice")), StatusApplied)
		return s.Hash()
	}
	first := run()
	for i := 0; i < 5; i++ {
		if got := run(); got != first {
			t.Fatalf("run %d: hash %s, first run %s", i, got, first)
		}
	}
}

// TestOldStatesStayUnchanged folds random streams keeping every state,
// then checks that no later Apply changed an earlier state, and that each
// instance's cached hash is the hash of the instance Instance returns.
func TestOldStatesStayUnchanged(t *testing.T) {
	type seen struct {
		s    State
		hash string
		dump string
	}
	dump := func(s State) string {
		var b strings.Builder
		for _, in := range instancesOf(s) {
			js, err := json.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			if got := hashIn(s, in.ID); got != in.Hash() {
				t.Fatalf("instance %s: cached hash %s, Hash() %s", in.ID, got, in.Hash())
			}
			b.Write(js)
		}
		return b.String()
	}
	for seed := int64(1); seed <= 5; seed++ {
		stream := randomStream(rand.New(rand.NewSource(seed)), 200)
		s := NewState()
		var states []seen
		for _, e := range stream {
			s, _ = full(s, e)
			states = append(states, seen{s, s.Hash(), dump(s)})
			// Apply every entry to an older state too: it must not leak
			// into that state or the ones after it.
			old := states[len(states)/2].s
			full(old, e)
		}
		for i, st := range states {
			if st.s.Hash() != st.hash || dump(st.s) != st.dump {
				t.Fatalf("seed %d: state %d changed after later entries", seed, i)
			}
		}
	}
}

func TestBaseStateNoneForMissingInstance(t *testing.T) {
	if got := hashIn(NewState(), "nope"); got != schemas.BaseStateNone {
		t.Fatalf("InstanceHash of a missing instance = %q", got)
	}
}

func TestRoleGrantsFromTeams(t *testing.T) {
	b := &builder{t: t}
	rules := testRules()
	rules.Config.GitHub = &schemas.GitHubConfig{RoleTeams: map[string][]string{"sre": {"acme/sre"}}}
	gen := Entry{Kind: KindGenesis, HLC: HLC{Wall: 1}, Signer: "writ-bot", IdemKey: "genesis", Rules: rules}
	b.wall = 1
	s := mustApply(t, NewState(), gen, StatusApplied)
	for _, tr := range []string{"create", "verify", "tests-pass", "security-clear", "approve-release"} {
		s = mustApply(t, s, b.transition(s, "agent", "r1", tr), StatusApplied)
	}
	tests := []struct {
		name   string
		grants []RoleGrant
		want   Status
	}{
		{"carol is not in role sre", nil, StatusWaiting},
		{"a grant from the mapped team counts", []RoleGrant{{Identity: "carol", Role: "sre", Source: "acme/sre"}}, StatusApplied},
		{"a grant from another team is ignored", []RoleGrant{{Identity: "carol", Role: "sre", Source: "acme/interns"}}, StatusWaiting},
		{"a grant of an unmapped role is ignored", []RoleGrant{{Identity: "carol", Role: "security", Source: "acme/sre"}}, StatusWaiting},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := b.transition(s, "agent", "r1", "ship", approve("alice"), approve("carol"))
			e.Grants = tt.grants
			if _, out := full(s, e); out.Status != tt.want {
				t.Fatalf("status %s (%s), want %s", out.Status, out.Reason, tt.want)
			}
		})
	}
}
