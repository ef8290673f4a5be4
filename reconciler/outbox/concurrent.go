package outbox

// Concurrent is implemented by a notifier whose Deliver may run for
// several threads (proposals) at once: Concurrency is how many calls the
// outbox may have in flight to it. The effects of one thread are always
// delivered one at a time and in order. A notifier that does not
// implement it gets one call at a time.
type Concurrent interface {
	Concurrency() int
}
