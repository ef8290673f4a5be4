package slack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/writ-dev/writ/reconciler/outbox"
)

// TestMemberIDWithMarkupIsNotAMention: a notifier renders an effect read
// back from refs/writ/outbox. writ.yaml only admits Slack member ids such
// as U0ALICE; a TargetID that closes the mention (and would ping the whole
// channel with <!channel>) is not put in "<@…>": the actor is named by
// identity instead.
func TestMemberIDWithMarkupIsNotAMention(t *testing.T) {
	fake, n := setup(t)
	e := eff(outbox.EventWaiting, "h1")
	e.MustAct = []outbox.Actor{{Identity: "alice", Role: "sre", TargetID: "U0ALICE> <!channel"}}
	if _, err := n.Deliver(outbox.WithFirstAttempt(context.Background(), true), e, nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range fake.Messages() {
		if strings.Contains(m.Text, "<!channel>") {
			t.Fatalf("the bot's message mentions the whole channel: %q", m.Text)
		}
		if !strings.Contains(m.Text, "alice (sre)") {
			t.Fatalf("the actor is not named by identity: %q", m.Text)
		}
	}
}
