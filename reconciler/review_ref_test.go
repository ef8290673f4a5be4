package reconciler

import (
	"slices"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
)

// applyWithReviews writes (as a holder of the reconciler key could, without
// the publish check) web-1's ship proposal with approvals from alice
// and bob recorded as GitHub reviews whose refs are refs[0] and refs[1].
func applyWithReviews(t *testing.T, refs ...string) *Engine {
	t.Helper()
	e, _ := newRepo(t)
	ship := toShippable(t, e)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	p, err := e.Pending(res.State.Rules(), res.Head, ship.Branch)
	if err != nil {
		t.Fatal(err)
	}
	for i, who := range []string{"alice", "bob"} {
		p.Decisions = append(p.Decisions, policies.Decision{Identity: who, Verdict: policies.VerdictApprove,
			Commit: p.Subject.Commit, Content: p.Subject.Content, Ref: refs[i]})
	}
	g := gateOn(t, e, res, p, core.NextHLC(res.State.Clock().HLC, e.now().UnixMilli()))
	if g.Verdict != intake.VerdictReady {
		t.Fatalf("gate: %s: %s", g.Verdict, g.Reason)
	}
	applied := forgeThroughLoop(t, e, res, p).Applied
	if len(applied) != 1 {
		t.Fatalf("applied %d entries, want 1", len(applied))
	}
	return e
}

func TestReplayAcceptsReviewDecisions(t *testing.T) {
	alice := wal.ReviewRef{ReviewID: 101, Login: "alice-gh", UserID: 5001}.String()
	bob := wal.ReviewRef{ReviewID: 102, Login: "bob[bot]", UserID: 5002}.String()
	e := applyWithReviews(t, alice, bob)
	res := mustReplay(t, e, ReplayOptions{Collect: true})
	last := res.Entries[len(res.Entries)-1].Record.Entry
	var refs []string
	for _, d := range last.Decisions {
		refs = append(refs, d.Ref)
	}
	if !slices.Equal(refs, []string{alice, bob}) {
		t.Fatalf("recorded refs %v, want %v", refs, []string{alice, bob})
	}
}

func TestReplayRefusesMalformedReviewRef(t *testing.T) {
	good := wal.ReviewRef{ReviewID: 101, Login: "alice-gh", UserID: 5001}.String()
	for _, bad := range []string{"github-review:12:-bad-:7", "github-review:12:alice", "github-review:x:alice:7", "github-review:012:alice:7"} {
		t.Run(bad, func(t *testing.T) {
			e := applyWithReviews(t, good, bad)
			_, err := e.Replay(ReplayOptions{})
			wantTamper(t, err, "review ref")
		})
	}
}
