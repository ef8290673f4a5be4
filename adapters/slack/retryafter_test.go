package slack_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/writ-dev/writ/adapters/slack/slackfake"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// TestRetryAfterIsCapped: a 429 whose Retry-After asks for ten years
// parks the effect for outbox.MaxRetryAfter (an hour), the one cap the
// Jira notifier's waits also go through, not for ten years.
func TestRetryAfterIsCapped(t *testing.T) {
	fake, n := setup(t)
	fake.Inject(slackfake.Fault{Method: "chat.postMessage", Kind: "429", RetryAfter: 10 * 365 * 24 * 3600})
	_, err := n.Deliver(outbox.WithFirstAttempt(context.Background(), true), eff(outbox.EventWaiting, "h1"), nil)
	var ra outbox.RetryAfter
	if !errors.As(err, &ra) {
		t.Fatalf("want a RetryAfter error, got %v", err)
	}
	d := &outbox.Deliverer{}
	if wait := d.Backoff(1, err); wait != outbox.MaxRetryAfter || wait > time.Hour {
		t.Fatalf("one 429 parks the effect for %v", wait)
	}
}
