package outbox_test

import (
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/outbox"
	"github.com/writ-dev/writ/reconciler/outcome"
	"github.com/writ-dev/writ/schemas"
)

// TestDeriveNamesHowAProposalClosed: each kind of closing entry becomes
// its own event; a timeout entry, which rejects, is told as a timeout,
// not as a human's rejection.
func TestDeriveNamesHowAProposalClosed(t *testing.T) {
	cases := []struct {
		kind   core.EntryKind
		status core.Status
		want   outbox.Event
	}{
		{core.KindTransition, core.StatusApplied, outbox.EventApplied},
		{core.KindReject, core.StatusRejected, outbox.EventRejected},
		{core.KindWithdraw, core.StatusWithdrawn, outbox.EventWithdrawn},
		{core.KindTimeout, core.StatusRejected, outbox.EventTimedOut},
	}
	for _, c := range cases {
		t.Run(string(c.kind), func(t *testing.T) {
			commit := plumbing.NewHash("1111111111111111111111111111111111111111")
			rep := &outcome.Report{Applied: []outcome.Applied{{Commit: commit, Gate: intake.GateResult{
				Pending: intake.Pending{Branch: "proposals/web-1/ship", Path: "proposals/web-1/ship.yaml",
					Proposal: &schemas.Proposal{Instance: "web-1", Workflow: "release", Transition: "ship"}},
				Entry:   core.Entry{Kind: c.kind},
				Outcome: core.Outcome{Status: c.status},
			}}}}
			got := outbox.Derive(rep, outbox.Derivation{Targets: []outbox.Target{slackTarget}})
			if len(got) != 1 || got[0].Event != c.want || got[0].Key != outbox.KeyOf(commit.String(), c.want, "slack") {
				t.Fatalf("%s entry (%s): effects %+v, want one %s", c.kind, c.status, got, c.want)
			}
		})
	}
}

// TestDeriveTellsOfAnEscalation: an escalate entry the run published (in
// the report's Waited) becomes an escalated effect keyed by the entry,
// carrying the reducer's account of whom the wait escalated to; a wait
// entry alone adds nothing (the waiting effect comes from the proposal).
func TestDeriveTellsOfAnEscalation(t *testing.T) {
	commit := plumbing.NewHash("2222222222222222222222222222222222222222")
	gate := func(kind core.EntryKind, reason string) intake.GateResult {
		return intake.GateResult{
			Pending: intake.Pending{Branch: "proposals/web-1/ship", Path: "proposals/web-1/ship.yaml",
				Proposal: &schemas.Proposal{Instance: "web-1", Workflow: "release", Transition: "ship"}},
			Entry:   core.Entry{Kind: kind},
			Outcome: core.Outcome{Status: core.StatusAwaiting, Reason: reason},
		}
	}
	rep := &outcome.Report{Waited: []outcome.Applied{
		{Commit: plumbing.NewHash("3333333333333333333333333333333333333333"), Gate: gate(core.KindWait, "waits")},
		{Commit: commit, Gate: gate(core.KindEscalate, "escalated to security (carol) at step 1")},
	}}
	got := outbox.Derive(rep, outbox.Derivation{Targets: []outbox.Target{slackTarget}})
	if len(got) != 1 || got[0].Event != outbox.EventEscalated || got[0].Entry != commit.String() ||
		got[0].Key != outbox.KeyOf(commit.String(), outbox.EventEscalated, "slack") ||
		got[0].Summary != "escalated to security (carol) at step 1" || got[0].Thread != "proposals/web-1/ship.yaml" {
		t.Fatalf("effects %+v, want one escalated effect of the escalate entry", got)
	}
}
