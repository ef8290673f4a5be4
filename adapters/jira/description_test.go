package jira_test

import (
	"testing"

	"github.com/writ-dev/writ/adapters/jira/jiratest"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// TestRequestsFollowTheDescription: every call the notifier makes, for
// every event and a redelivery, is an operation of Atlassian's API
// description with declared query parameters and a body its schema
// accepts.
func TestRequestsFollowTheDescription(t *testing.T) {
	d, err := jiratest.LoadDescription()
	if err != nil {
		t.Fatal(err)
	}
	fake, n := setup(t)
	for _, ev := range []outbox.Event{outbox.EventWaiting, outbox.EventApproval, outbox.EventEscalated,
		outbox.EventTimedOut, outbox.EventRejected, outbox.EventWithdrawn, outbox.EventApplied, outbox.EventApplied} {
		if _, err := deliver(t, n, effect(ev)); err != nil {
			t.Fatalf("%s: %v", ev, err)
		}
	}
	reqs := fake.Requests()
	ops := map[string]bool{}
	for _, r := range reqs {
		if err := d.CheckRequest(r); err != nil {
			t.Errorf("%v", err)
		}
		ops[r.Method] = true
	}
	if len(reqs) < 16 || !ops["GET"] || !ops["POST"] || !ops["PUT"] {
		t.Errorf("only %d requests (%v): the run did not exercise list, add, update and transition", len(reqs), ops)
	}
}
