package outbox

import (
	"net/http"
	"time"
)

// Concurrent is implemented by a notifier whose Deliver may run for
// several threads (proposals) at once: Concurrency is how many calls the
// outbox may have in flight to it, at most MaxConcurrency. The effects of
// one thread are always delivered one at a time and in order. A notifier
// that does not implement it gets one call at a time.
type Concurrent interface {
	Concurrency() int
}

// MaxConcurrency caps the calls in flight to one target, whatever its
// Concurrency says; HTTPClient keeps as many connections per host.
const MaxConcurrency = 8

// concurrencyOf is how many calls to n may be in flight.
func concurrencyOf(n Notifier) int {
	if c, ok := n.(Concurrent); ok {
		return min(max(c.Concurrency(), 1), MaxConcurrency)
	}
	return 1
}

// HTTPClient returns the HTTP client for notifiers: a call gives up
// after timeout, and at most MaxConcurrency connections per host are
// opened and kept idle, so the concurrent deliveries of a run reuse their
// connections instead of opening one per call (http.DefaultTransport keeps
// two idle and opens as many as it likes: a call that starts just before
// another's connection is back in the pool would dial a new one).
func HTTPClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = MaxConcurrency
	tr.MaxConnsPerHost = MaxConcurrency
	return &http.Client{Timeout: timeout, Transport: tr}
}
