package slack

import (
	"errors"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/writ-dev/writ/reconciler/outbox"
)

// DeliveryError is a failed delivery: what was being sent and why, with
// the token scrubbed. When Slack asked to wait (HTTP 429 Retry-After) it
// comes wrapped in an error that implements outbox.RetryAfter.
type DeliveryError struct {
	Event    outbox.Event
	Instance string
	Err      error
	wait     time.Duration
	text     string
}

func (e *DeliveryError) Error() string { return e.text }
func (e *DeliveryError) Unwrap() error { return e.Err }

// retryAfterError is a DeliveryError that carries the wait Slack asked
// for.
type retryAfterError struct{ *DeliveryError }

// RetryAfter is the wait Slack asked for.
func (e retryAfterError) RetryAfter() time.Duration { return e.wait }

var _ outbox.RetryAfter = retryAfterError{}

func (n *Notifier) wrap(e outbox.Effect, err error) error {
	d := &DeliveryError{Event: e.Event, Instance: e.Instance, Err: err}
	d.text = "slack: " + err.Error()
	if n.token != "" {
		d.text = strings.ReplaceAll(d.text, n.token, "***")
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		d.wait = rl.RetryAfter
		return retryAfterError{d}
	}
	return d
}
