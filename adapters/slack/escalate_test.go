package slack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/slack/slackfake"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// escalation returns the escalated effect of entry "esc" notifying carol
// (mapped) and dave (not), and carol's direct message.
func escalation() (outbox.Effect, outbox.Effect) {
	e := eff(outbox.EventEscalated, "esc")
	e.Entry, e.At = "fedcba9876543210fedcba9876543210fedcba98", "2026-12-01T13:00:00Z"
	e.Summary = "escalated to role security at 2026-12-01T13:00:00Z: step 1 of transition ship (after 4h)"
	e.Notify = []outbox.Actor{{Identity: "carol", Role: "security", TargetID: "U0CAROL"}, {Identity: "dave"}}
	dm := e
	dm.Recipient = &outbox.Actor{Identity: "carol", Role: "security", TargetID: "U0CAROL"}
	dm.Key = outbox.KeyOf("esc", outbox.EventEscalated, outbox.DirectTarget("slack", "carol"))
	return e, dm
}

// TestEscalationMentionsAndWritesDirectly: the escalation's threaded
// reply mentions whom the step notifies (<@member> where mapped, the
// identity otherwise); the direct message goes to the member's own
// conversation (chat.postMessage with the user id as channel), leaves the
// thread's root alone, and a repeated attempt finds it by its key
// (conversations.open, conversations.history) instead of writing twice; a
// later effect still replies under the channel's root.
func TestEscalationMentionsAndWritesDirectly(t *testing.T) {
	fake, n := setup(t)
	ctx := outbox.WithFirstAttempt(context.Background(), true)
	esc, dm := escalation()
	var thread []outbox.Receipt
	for _, e := range []outbox.Effect{eff(outbox.EventWaiting, "h1"), esc} {
		rc, err := n.Deliver(ctx, e, thread)
		if err != nil {
			t.Fatalf("%s: %v", e.Event, err)
		}
		thread = append(thread, rc)
	}
	msgs := fake.Messages()
	if len(msgs) != 2 || msgs[1].ThreadTS != msgs[0].TS {
		t.Fatalf("messages %+v, want a root and the escalation's reply", msgs)
	}
	for _, want := range []string{":rotating_light: escalated (entry `fedcba987654`)", "Notified: <@U0CAROL> (security), dave.", "> escalated to role security"} {
		if !strings.Contains(msgs[1].Text, want) {
			t.Errorf("reply %q lacks %q", msgs[1].Text, want)
		}
	}
	edits := msgs[0].Edits

	rc, err := n.Deliver(ctx, dm, thread)
	if err != nil {
		t.Fatal(err)
	}
	im := fake.IM("U0CAROL")
	msgs = fake.Messages()
	if im == "" || !strings.HasPrefix(im, "D") || len(msgs) != 3 || msgs[2].Channel != im || msgs[2].ThreadTS != "" ||
		rc.Ref != "dm/"+im+"/"+msgs[2].TS || msgs[0].Edits != edits {
		t.Fatalf("direct message: receipt %+v, IM %q, messages %+v", rc, im, msgs)
	}
	for _, want := range []string{"*web-1* release → ship", "escalated", "you are notified (security)", "> escalated to role security", "<https://github.example/acme/control/pull/7|pull request>"} {
		if !strings.Contains(msgs[2].Text, want) {
			t.Errorf("direct message %q lacks %q", msgs[2].Text, want)
		}
	}

	// A crash lost the receipt: the repeated attempt finds the message.
	again, err := n.Deliver(context.Background(), dm, thread)
	if err != nil || again.Ref != rc.Ref || len(fake.Messages()) != 3 || fake.Calls("conversations.open") != 1 {
		t.Fatalf("repeated direct message: %+v %v; %d messages, %d opens", again, err, len(fake.Messages()), fake.Calls("conversations.open"))
	}

	// A direct message's receipt is never taken for the thread's root.
	thread = append([]outbox.Receipt{rc}, thread...)
	if _, err := n.Deliver(ctx, eff(outbox.EventApplied, "entry"), thread); err != nil {
		t.Fatal(err)
	}
	msgs = fake.Messages()
	if len(msgs) != 4 || msgs[3].ThreadTS != msgs[0].TS || msgs[3].Channel != "C0DEPLOYS" {
		t.Fatalf("the apply after a direct message: %+v", msgs[3:])
	}
}

// TestDirectMessageFaults: a direct message that failed (a 500) or whose
// answer was lost after Slack wrote it is written exactly once by the
// retry, which is not a first attempt and so looks for it first.
func TestDirectMessageFaults(t *testing.T) {
	for _, kind := range []string{"500", "lost"} {
		t.Run(kind, func(t *testing.T) {
			fake, n := setup(t)
			_, dm := escalation()
			fake.Inject(slackfake.Fault{Method: "chat.postMessage", Kind: kind})
			if _, err := n.Deliver(outbox.WithFirstAttempt(context.Background(), true), dm, nil); err == nil {
				t.Fatal("a direct message went through a fault")
			}
			rc, err := n.Deliver(context.Background(), dm, nil)
			if err != nil {
				t.Fatal(err)
			}
			msgs := fake.Messages()
			if len(msgs) != 1 || msgs[0].Channel != fake.IM("U0CAROL") || rc.Ref != "dm/"+msgs[0].Channel+"/"+msgs[0].TS {
				t.Fatalf("messages %+v, receipt %+v, want one direct message", msgs, rc)
			}
		})
	}
}

// TestDirectMessageNeedsAMemberID: a direct message goes to its
// recipient's Slack member id, read back from refs/writ/outbox; one that
// is not of the form writ.yaml admits (a channel's id, markup) is refused
// before anything is posted, as the mentions refuse it.
func TestDirectMessageNeedsAMemberID(t *testing.T) {
	tests := []struct{ name, id string }{
		{"a channel", "C0DEPLOYS"},
		{"markup", "U0CAROL> <!channel"},
		{"lower case", "u0carol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, n := setup(t)
			_, dm := escalation()
			dm.Recipient = &outbox.Actor{Identity: "carol", Role: "security", TargetID: tt.id}
			if _, err := n.Deliver(outbox.WithFirstAttempt(context.Background(), true), dm, nil); err == nil || !strings.Contains(err.Error(), "member id") {
				t.Fatalf("err %v, want the recipient's member id refused", err)
			}
			if msgs := fake.Messages(); len(msgs) != 0 {
				t.Fatalf("posted %+v", msgs)
			}
		})
	}
}
