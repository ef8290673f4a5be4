package outbox

import (
	"errors"
	"time"
)

// MaxRetryAfter caps the wait a server's Retry-After can impose on an
// effect (outbox.RetryAfter): rate limits reset within minutes, so a
// longer one is a broken or hostile answer and must not park an effect
// for years. It is the one cap both notifiers' waits go through
// (Backoff; the Jira notifier's parser also stops there).
const MaxRetryAfter = time.Hour

// ClampRetryAfter bounds a requested wait to [0, MaxRetryAfter].
func ClampRetryAfter(d time.Duration) time.Duration {
	return min(max(d, 0), MaxRetryAfter)
}

// Backoff is the wait after the attempts-th failure err: exponential from
// BaseDelay, capped at MaxDelay, with the upper half jittered, and at
// least what err's RetryAfter asks, itself capped at MaxRetryAfter. It is
// total: any attempts (zero or negative count as the first failure), any
// delays and any jitter give a wait in [0, max(MaxDelay, MaxRetryAfter)],
// never a panic.
func (d *Deliverer) Backoff(attempts int, err error) time.Duration {
	base, maxd := d.BaseDelay, d.MaxDelay
	if base <= 0 {
		base = DefaultBaseDelay
	}
	if maxd <= 0 {
		maxd = DefaultMaxDelay
	}
	wait := min(base, maxd)
	for i := 1; i < attempts && wait < maxd; i++ {
		if wait > maxd/2 {
			wait = maxd
			break
		}
		wait *= 2
	}
	if d.Jitter != nil && wait > 1 {
		upper := wait - wait/2
		wait = wait/2 + min(max(d.Jitter(upper), 0), upper-1)
	}
	var ra RetryAfter
	if errors.As(err, &ra) {
		wait = max(wait, ClampRetryAfter(ra.RetryAfter()))
	}
	return wait
}
