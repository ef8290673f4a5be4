package outbox_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/internal/enginetest"
	"github.com/writ-dev/writ/reconciler/outbox"
	"github.com/writ-dev/writ/reconciler/outcome"
)

// TestDeriveNotifiesAnEscalationStep: the escalated effect of an escalate
// entry names the people its step notifies, resolved from roles to the
// identities of writ.yaml at the entry (by default the step's own roles
// and identities, else its notify), with their ids in each target; a
// target that sends direct messages (Slack) owes one more effect per
// mapped person, keyed by the entry, the event and the target with the
// person, and none for a person it cannot address; Derive is
// deterministic.
func TestDeriveNotifiesAnEscalationStep(t *testing.T) {
	slack := outbox.Target{Name: "slack", Direct: true, Users: map[string]string{"alice": "U0ALICE", "carol": "U0CAROL"}}
	jira := outbox.Target{Name: "jira", Users: map[string]string{"carol": "acc-carol"}}
	tests := []struct {
		name      string
		step      string
		slack     []outbox.Actor
		jira      []outbox.Actor
		directsTo []string
	}{
		{"default: the step's role", "        roles: [security]\n",
			[]outbox.Actor{{Identity: "carol", Role: "security", TargetID: "U0CAROL"}},
			[]outbox.Actor{{Identity: "carol", Role: "security", TargetID: "acc-carol"}}, []string{"carol"}},
		{"default: the step's identity", "        identities: [carol]\n",
			[]outbox.Actor{{Identity: "carol", TargetID: "U0CAROL"}},
			[]outbox.Actor{{Identity: "carol", TargetID: "acc-carol"}}, []string{"carol"}},
		{"explicit notify", "        roles: [security]\n        notify:\n          roles: [sre]\n          identities: [carol]\n",
			[]outbox.Actor{{Identity: "alice", Role: "sre", TargetID: "U0ALICE"}, {Identity: "bob", Role: "sre"}, {Identity: "carol", TargetID: "U0CAROL"}},
			[]outbox.Actor{{Identity: "alice", Role: "sre"}, {Identity: "bob", Role: "sre"}, {Identity: "carol", TargetID: "acc-carol"}}, []string{"alice", "carol"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, clock := enginetest.ShipRepoWith(t, "    escalate:\n      - after: 4h\n"+tt.step)
			enginetest.ToShippable(t, e)
			enginetest.Reconcile(t, e, 0)
			clock.T = clock.T.Add(4*time.Hour + time.Minute)
			rep := enginetest.Reconcile(t, e, 0)
			if len(rep.Waited) != 1 || rep.Waited[0].Gate.Entry.Kind != core.KindEscalate {
				t.Fatalf("no escalate entry: %+v", rep.Waited)
			}
			entry := rep.Waited[0].Commit.String()
			d := outbox.Derivation{Targets: []outbox.Target{slack, jira}}
			got := outbox.Derive(rep, d)
			var escalated []outbox.Effect
			for _, fx := range got {
				if fx.Event == outbox.EventEscalated {
					escalated = append(escalated, fx)
				}
			}
			want := 2 + len(tt.directsTo)
			if len(escalated) != want {
				t.Fatalf("%d escalated effects, want %d: %+v", len(escalated), want, escalated)
			}
			s, j := escalated[0], escalated[len(escalated)-1]
			if s.Target != "slack" || s.Key != outbox.KeyOf(entry, outbox.EventEscalated, "slack") || s.Recipient != nil ||
				!reflect.DeepEqual(s.Notify, tt.slack) {
				t.Fatalf("slack's escalated effect: %+v\nwant notify %+v", s, tt.slack)
			}
			if j.Target != "jira" || j.Key != outbox.KeyOf(entry, outbox.EventEscalated, "jira") || j.Recipient != nil ||
				!reflect.DeepEqual(j.Notify, tt.jira) {
				t.Fatalf("jira's escalated effect: %+v\nwant notify %+v", j, tt.jira)
			}
			for i, who := range tt.directsTo {
				dm := escalated[1+i]
				if dm.Target != "slack" || dm.Recipient == nil || dm.Recipient.Identity != who || dm.Recipient.TargetID != slack.Users[who] ||
					dm.Key != outbox.KeyOf(entry, outbox.EventEscalated, "slack/"+who) || dm.Thread != s.Thread || dm.Summary != s.Summary {
					t.Fatalf("direct message %d: %+v, want one to %s", i, dm, who)
				}
			}
			if again := outbox.Derive(rep, d); !reflect.DeepEqual(again, got) {
				t.Fatal("Derive is not deterministic")
			}
		})
	}
}

// TestEscalatedEffectsNameWhoMustActNow: once a wait escalates, who must
// act includes those the step lets approve, besides the policy's own
// approvers: on the escalated effect (Slack's root message is updated
// from it, and must not lose its "Must act" line) and on the waiting
// effects of later runs.
func TestEscalatedEffectsNameWhoMustActNow(t *testing.T) {
	slack := outbox.Target{Name: "slack", Users: map[string]string{"carol": "U0CAROL"}}
	e, clock := enginetest.ShipRepoWith(t, "    escalate:\n      - after: 4h\n        roles: [security]\n")
	enginetest.ToShippable(t, e)
	of := func(rep *outcome.Report, ev outbox.Event) outbox.Effect {
		t.Helper()
		return effectOf(t, rep, slack, ev)
	}
	before := of(enginetest.Reconcile(t, e, 0), outbox.EventWaiting)
	if got := identities(before.MustAct); !reflect.DeepEqual(got, []string{"alice", "bob"}) {
		t.Fatalf("before the escalation, must act: %v, want alice and bob", got)
	}
	clock.T = clock.T.Add(4*time.Hour + time.Minute)
	for _, ev := range []outbox.Event{outbox.EventEscalated, outbox.EventWaiting} {
		fx := of(enginetest.Reconcile(t, e, 0), ev)
		if got := identities(fx.MustAct); !reflect.DeepEqual(got, []string{"alice", "bob", "carol"}) {
			t.Fatalf("%s effect after the escalation, must act: %+v, want alice, bob and carol", ev, fx.MustAct)
		}
		carol := fx.MustAct[2]
		if !strings.HasPrefix(carol.Role, policies.EscalatedRolePrefix) || carol.TargetID != "U0CAROL" {
			t.Fatalf("%s effect: carol must act as %+v, want her escalation role and Slack id", ev, carol)
		}
	}
}

// identities lists the identities of as, in order.
func identities(as []outbox.Actor) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Identity)
	}
	return out
}

// effectOf returns the first effect of event ev that rep owes target.
func effectOf(t *testing.T, rep *outcome.Report, target outbox.Target, ev outbox.Event) outbox.Effect {
	t.Helper()
	for _, fx := range outbox.Derive(rep, outbox.Derivation{Targets: []outbox.Target{target}}) {
		if fx.Event == ev {
			return fx
		}
	}
	t.Fatalf("no %s effect", ev)
	return outbox.Effect{}
}
