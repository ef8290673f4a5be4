package outbox_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/reconciler/internal/enginetest"
	"github.com/writ-dev/writ/reconciler/outbox"
	"github.com/writ-dev/writ/reconciler/outcome"
	"github.com/writ-dev/writ/schemas"
)

// TestEscalatedEffectLeavesOutWhoAlreadyApproved: an escalate entry
// carries no decisions, so its own outcome counts no approval; who must act
// on the escalated effect (Slack's root message is updated from it) comes
// from the gate's judgement of the proposal in the same run, with its
// decisions: after alice approves, bob and carol must act, as the next
// waiting effect says, not alice.
func TestEscalatedEffectLeavesOutWhoAlreadyApproved(t *testing.T) {
	slack := outbox.Target{Name: "slack", Users: map[string]string{"carol": "U0CAROL"}}
	e, clock := enginetest.ShipRepoWith(t, "    escalate:\n      - after: 4h\n        roles: [security]\n")
	ship := enginetest.ToShippable(t, e)
	enginetest.ApproveAs(t, e, "alice", strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix))
	of := func(rep *outcome.Report, ev outbox.Event) outbox.Effect {
		t.Helper()
		return effectOf(t, rep, slack, ev)
	}
	before := of(enginetest.Reconcile(t, e, 0), outbox.EventWaiting)
	t.Logf("waiting, alice approved: must act %v, approvals %v", identities(before.MustAct), before.Approvals)
	clock.T = clock.T.Add(4*time.Hour + time.Minute)
	esc := of(enginetest.Reconcile(t, e, 0), outbox.EventEscalated)
	wait := of(enginetest.Reconcile(t, e, 0), outbox.EventWaiting)
	t.Logf("escalated effect: must act %v; next waiting effect: must act %v", identities(esc.MustAct), identities(wait.MustAct))
	if !reflect.DeepEqual(identities(esc.MustAct), identities(wait.MustAct)) {
		t.Errorf("after alice approved, the escalated effect says %v must act, the waiting effect %v: the escalate entry's outcome counts no decision",
			identities(esc.MustAct), identities(wait.MustAct))
	}
}
