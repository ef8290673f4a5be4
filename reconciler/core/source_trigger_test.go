package core

import (
	"reflect"
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// TestSourceTrigger: a transition entry's source trigger (the pull request
// that carried the proposal, Writ-Trigger on the reconciler's word)
// becomes the instance's trigger only when the proposal names none and
// the instance has none yet; a bad one, or one on another kind of entry,
// is refused and changes nothing.
func TestSourceTrigger(t *testing.T) {
	pr3 := &schemas.Trigger{Kind: schemas.TriggerPullRequest, Ref: "octo-org/octo-repo#3", URL: "https://github.com/octo-org/octo-repo/pull/3"}
	pr4 := &schemas.Trigger{Kind: schemas.TriggerPullRequest, Ref: "octo-org/octo-repo#4", URL: "https://github.com/octo-org/octo-repo/pull/4"}
	inc := &schemas.Trigger{Kind: schemas.TriggerIncident, Ref: "INC-7"}
	type step struct {
		transition       string
		proposal, source *schemas.Trigger
		kind             EntryKind // KindTransition when empty
		want             Status
	}
	tests := []struct {
		name   string
		steps  []step
		want   *schemas.Trigger // the instance's trigger after the steps
		reason string           // in the last step's outcome reason
	}{
		{"no trigger anywhere", []step{{"create", nil, nil, "", StatusApplied}}, nil, ""},
		{"the source's trigger sets it", []step{{"create", nil, pr3, "", StatusApplied}}, pr3, ""},
		{"the proposal's trigger wins over the source's", []step{{"create", inc, pr3, "", StatusApplied}}, inc, ""},
		{"the instance's first trigger stays (source then source)", []step{
			{"create", nil, pr3, "", StatusApplied}, {"verify", nil, pr4, "", StatusApplied}}, pr3, ""},
		{"the instance's first trigger stays (proposal then source)", []step{
			{"create", inc, nil, "", StatusApplied}, {"verify", nil, pr4, "", StatusApplied}}, inc, ""},
		{"a later source sets it when none was recorded", []step{
			{"create", nil, nil, "", StatusApplied}, {"verify", nil, pr4, "", StatusApplied}}, pr4, ""},
		{"a URL that is not http(s) is refused", []step{
			{"create", nil, &schemas.Trigger{Kind: schemas.TriggerPullRequest, URL: "javascript:alert(1)"}, "", StatusRefused}},
			nil, `source trigger (Writ-Trigger): invalid trigger: url "javascript:alert(1)" is not an absolute http(s) URL`},
		{"a control character is refused", []step{
			{"create", nil, nil, "", StatusApplied},
			{"verify", nil, &schemas.Trigger{Kind: schemas.TriggerPullRequest, URL: "https://github.com/o/r/pull/3\x1b[2J"}, "", StatusRefused}},
			nil, "url holds the control or format character U+001B"},
		{"an unknown kind is refused", []step{
			{"create", nil, &schemas.Trigger{Kind: "push", URL: "https://github.com/o/r"}, "", StatusRefused}},
			nil, `kind "push" is not one of`},
		{"a source trigger on a reject entry is refused", []step{
			{"create", nil, nil, "", StatusApplied}, {"verify", nil, pr4, KindReject, StatusRefused}},
			nil, "a reject entry records no source trigger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &builder{t: t}
			s := mustApply(t, NewState(), b.genesis(), StatusApplied)
			var out Outcome
			for _, st := range tt.steps {
				var d []policies.Decision
				if st.kind == KindReject {
					d = append(d, policies.Decision{Identity: "alice", Verdict: policies.VerdictReject, Commit: "c0ffee", Content: "sha256:aa", Ref: "ref-alice"})
				}
				e := b.transition(s, "agent", "r1", st.transition, d...)
				e.Proposal.Trigger, e.Trigger = st.proposal, st.source
				if st.kind != "" {
					e.Kind = st.kind
				}
				before := s.Hash()
				var next State
				next, out = full(s, e)
				if out.Status != st.want {
					t.Fatalf("%s: status %s (%s), want %s", st.transition, out.Status, out.Reason, st.want)
				}
				if !out.Status.Changed() && next.Hash() != before {
					t.Fatalf("%s: %s, but the state moved", st.transition, out.Status)
				}
				s = next
			}
			if !strings.Contains(out.Reason, tt.reason) {
				t.Fatalf("reason %q, want %q", out.Reason, tt.reason)
			}
			in, ok := instanceIn(s, "r1")
			var got *schemas.Trigger
			if ok {
				got = in.Trigger
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("trigger %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestSourceTriggerOtherKinds: only a transition entry records a source
// trigger: Apply refuses one on any other kind, and Judge drops it from a
// transition it records as a rejection.
func TestSourceTriggerOtherKinds(t *testing.T) {
	pr := &schemas.Trigger{Kind: schemas.TriggerPullRequest, URL: "https://github.com/o/r/pull/3"}
	b := &builder{t: t}
	s := mustApply(t, NewState(), b.genesis(), StatusApplied)
	rules := rulesEntry(s, b, "agent", approve("alice"), approve("bob"))
	rules.Trigger = pr
	if next, out := full(s, rules); out.Status != StatusRefused || !strings.Contains(out.Reason, "a rules entry records no source trigger") || next.Hash() != s.Hash() {
		t.Fatalf("rules entry with a source trigger: %s %q", out.Status, out.Reason)
	}
	s = shippable(t, b)
	ship := b.transition(s, "agent", "r1", "ship", policies.Decision{Identity: "alice", Verdict: policies.VerdictReject,
		Commit: "c0ffee", Content: "sha256:aa", Ref: "ref-alice"})
	ship.Trigger = pr
	judged, next, out, err := Judge(s, ship)
	if err != nil || out.Status != StatusRejected || judged.Kind != KindReject || judged.Trigger != nil {
		t.Fatalf("Judge: %s %s trigger %+v %v", judged.Kind, out.Status, judged.Trigger, err)
	}
	if again, o := full(s, judged); o.Status != StatusRejected || again.Hash() != next.Hash() {
		t.Fatalf("the judged rejection applies as %s to %s, Judge gave %s", o.Status, again.Hash(), next.Hash())
	}
	// The wait (and so the timeout and escalation) of a proposal whose
	// transition entry carries one records none.
	waiting := b.transition(s, "agent", "r1", "ship")
	waiting.Trigger = pr
	if _, o := full(s, waiting); o.Status != StatusWaiting {
		t.Fatalf("ship without approvals: %s", o.Status)
	}
	w := WaitEntry(waiting, "proposals/r1/ship.yaml")
	if _, o := full(s, w); w.Trigger != nil || o.Status != StatusAwaiting {
		t.Fatalf("wait entry: trigger %+v, %s (%s)", w.Trigger, o.Status, o.Reason)
	}
}
