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
	ids := func(as []outbox.Actor) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Identity)
		}
		return out
	}
	of := func(rep *outcome.Report, ev outbox.Event) outbox.Effect {
		t.Helper()
		for _, fx := range outbox.Derive(rep, outbox.Derivation{Targets: []outbox.Target{slack}}) {
			if fx.Event == ev {
				return fx
			}
		}
		t.Fatalf("no %s effect", ev)
		return outbox.Effect{}
	}
	before := of(enginetest.Reconcile(t, e, 0), outbox.EventWaiting)
	t.Logf("waiting, alice approved: must act %v, approvals %v", ids(before.MustAct), before.Approvals)
	clock.T = clock.T.Add(4*time.Hour + time.Minute)
	esc := of(enginetest.Reconcile(t, e, 0), outbox.EventEscalated)
	wait := of(enginetest.Reconcile(t, e, 0), outbox.EventWaiting)
	t.Logf("escalated effect: must act %v; next waiting effect: must act %v", ids(esc.MustAct), ids(wait.MustAct))
	if !reflect.DeepEqual(ids(esc.MustAct), ids(wait.MustAct)) {
		t.Errorf("after alice approved, the escalated effect says %v must act, the waiting effect %v: the escalate entry's outcome counts no decision",
			ids(esc.MustAct), ids(wait.MustAct))
	}
}
