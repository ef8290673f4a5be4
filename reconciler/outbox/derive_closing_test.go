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
