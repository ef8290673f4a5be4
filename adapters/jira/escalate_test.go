package jira_test

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/reconciler/outbox"
)

// TestEscalationCommentMentionsWhomItNotifies: the escalation's comment
// mentions each person the step notifies, [~accountid:…] when the effect
// or the configuration maps them, the escaped name otherwise, with the
// role that made them notified.
func TestEscalationCommentMentionsWhomItNotifies(t *testing.T) {
	tests := []struct {
		name   string
		notify []outbox.Actor
		want   string
	}{
		{"mapped by the effect", []outbox.Actor{{Identity: "carol", Role: "security", TargetID: "712020:carol-id"}},
			"*Notified:* [~accountid:712020:carol-id] (role security)"},
		{"mapped by the configuration, and not mapped", []outbox.Actor{{Identity: "alice"}, {Identity: "d*ve", Role: "sre"}},
			`*Notified:* [~accountid:5b10ac8d82e05b22cc7d4ef5], d\*ve (role sre)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, n := setup(t)
			e := effect(outbox.EventEscalated)
			e.Notify = tt.notify
			if _, err := deliver(t, n, e); err != nil {
				t.Fatal(err)
			}
			cs := fake.Comments("OPS-12")
			if len(cs) != 1 || !strings.Contains(cs[0].Body, tt.want+"\n") {
				t.Fatalf("comments %+v, want one containing %q", cs, tt.want)
			}
		})
	}
}
