package core

import (
	"math/rand"
	"reflect"
	"testing"

	"github.com/writ-dev/writ/policies"
)

// judgeTwice is what the gate did before Judge: Apply the transition and,
// when a policy refuses it, Apply it again as a rejection.
func judgeTwice(s State, e Entry) (Entry, State, Outcome) {
	next, out := full(s, e)
	if e.Kind == KindTransition && out.Status == StatusRefused && out.Policy != nil {
		reject := e
		reject.Kind = KindReject
		if n, o := full(s, reject); o.Status == StatusRejected {
			return reject, n, o
		}
	}
	return e, next, out
}

// TestJudgeIsApplyThenReject checks Judge against applying twice on the
// states of random streams, for every entry of the stream and for variants
// with a rejection by an eligible approver, an override, or both.
func TestJudgeIsApplyThenReject(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	reject := policies.Decision{Identity: "bob", Verdict: policies.VerdictReject, Commit: "c0ffee", Content: "sha256:aa", Ref: "ref-bob-no", Justification: "no"}
	variants := []struct {
		name string
		add  []policies.Decision
	}{
		{"as proposed", nil},
		{"rejected", []policies.Decision{reject}},
		{"rejected and overridden", []policies.Decision{reject, override("alice", "urgent")}},
		{"rejected, override by the author", []policies.Decision{reject, override("agent", "mine")}},
	}
	counts := map[Status]int{}
	for round := 0; round < 10; round++ {
		s := NewState()
		for i, e := range randomStream(rng, 200) {
			for _, v := range variants {
				j := e
				j.Decisions = append(append([]policies.Decision(nil), e.Decisions...), v.add...)
				wantEntry, wantNext, wantOut := judgeTwice(s, j)
				gotEntry, gotNext, gotOut, err := Judge(s, j)
				if err != nil {
					t.Fatalf("round %d entry %d %s: %v", round, i, v.name, err)
				}
				// Judge adds the plan a decider is shown; Apply does not.
				if want := PlanContextOf(s.rules, s.rulesHash, j.Kind, j.Proposal, j.Subject.Content).Digest(); gotOut.Plan != want || want == "" {
					t.Fatalf("round %d entry %d: Judge's plan %q, want %q", round, i, gotOut.Plan, want)
				}
				gotOut.Plan = ""
				if !reflect.DeepEqual(gotEntry, wantEntry) || !reflect.DeepEqual(gotOut, wantOut) || gotNext.Hash() != wantNext.Hash() {
					t.Fatalf("round %d entry %d (%s %s) %s:\nJudge:  %s %+v %s\ntwice:  %s %+v %s", round, i, e.Kind, e.IdemKey, v.name,
						gotEntry.Kind, gotOut, gotNext.Hash(), wantEntry.Kind, wantOut, wantNext.Hash())
				}
				counts[gotOut.Status]++
			}
			s, _ = full(s, e)
		}
	}
	// The streams reach every case Judge distinguishes.
	for _, st := range []Status{StatusApplied, StatusRejected, StatusRefused, StatusWaiting} {
		if counts[st] == 0 {
			t.Errorf("no entry judged %s (counts %v): the streams miss a case", st, counts)
		}
	}
}
