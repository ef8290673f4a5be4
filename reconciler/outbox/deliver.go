package outbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Delivery tuning defaults (see Deliverer).
const (
	DefaultBudget     = 10 * time.Second
	DefaultCallBudget = 5 * time.Second
	DefaultBaseDelay  = 30 * time.Second
	DefaultMaxDelay   = time.Hour
)

// ErrNoNotifier is the error recorded for an effect whose target has no
// notifier configured in this run; it stays pending.
var ErrNoNotifier = errors.New("no notifier configured for this target")

// ErrNotifierPanic is the error recorded for a delivery whose notifier
// panicked: a failed attempt like any other, retried with backoff.
var ErrNotifierPanic = errors.New("the notifier panicked")

// Deliverer delivers a book's pending effects. Time and randomness come
// from the caller: Now is the clock and Jitter returns a random duration
// in [0, n) (the CLI passes rand.N), so tests and benchmarks drive both.
type Deliverer struct {
	Notifiers map[string]Notifier
	Now       func() time.Time
	Jitter    func(n time.Duration) time.Duration
	// Budget bounds one Deliver call in all; CallBudget one delivery.
	// What is not reached in time stays pending and due.
	Budget, CallBudget time.Duration
	// BaseDelay and MaxDelay shape the backoff after a failure: the n-th
	// failure waits BaseDelay*2^(n-1), capped at MaxDelay, of which the
	// upper half is jittered, and never less than a RetryAfter the
	// server asked for.
	BaseDelay, MaxDelay time.Duration
	// Secrets are redacted from every error recorded.
	Secrets []string
	// AfterDeliver, when set, is called after each successful delivery,
	// before the record is marked done; an error stops Deliver there
	// without marking it (tests inject a crash).
	AfterDeliver func(r *Record) error

	// begun are the keys whose attempt Begin recorded as begun.
	begun map[string]bool
}

// Result counts what one Deliver call did.
type Result struct {
	Delivered, Failed, NotDue, Pending int
	// Errors are the failures of this call, one line each:
	// "<target> <event> <instance>: <error>", secrets redacted.
	Errors []string
}

// Deliver tries every pending record of b that is due at Now, in Seq
// order, each once. The records of one thread at one target are delivered
// in order, one at a time; a record whose thread has an earlier record
// pending waits for it. Threads run side by side up to the target's
// Concurrency (one for a notifier that does not implement Concurrent),
// and targets side by side, so a slow target holds up no other. A
// success marks the record done with its receipt; a failure counts an
// attempt, records the error (redacted) and the next attempt's time; a
// target that asks to wait (RetryAfter) gets no more calls in this run.
// It changes b only in memory: the caller saves it. The error is non-nil
// only when AfterDeliver stopped it. A record Begin marked, and saved, as
// its first attempt is delivered under FirstAttempt.
func (d *Deliverer) Deliver(ctx context.Context, b *Book) (Result, error) {
	budget := d.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	// One queue per thread and target, in the order of their first
	// record, and per target the queues in that order.
	queues := map[string][][]*Record{}
	index := map[[2]string]int{}
	for _, r := range b.Pending() {
		tk := [2]string{r.Target, r.Thread}
		i, ok := index[tk]
		if !ok {
			i = len(queues[r.Target])
			index[tk] = i
			queues[r.Target] = append(queues[r.Target], nil)
		}
		queues[r.Target][i] = append(queues[r.Target][i], r)
	}
	// Each target has its own workers, as many as its concurrency: a
	// target that is slow or down never holds up another's threads.
	run := &delivery{d: d, b: b, throttled: map[string]bool{}, receipts: b.receipts(index)}
	var wg sync.WaitGroup
	for target, qs := range queues {
		next := make(chan []*Record, len(qs))
		for _, q := range qs {
			next <- q
		}
		close(next)
		workers := 1
		if n := d.Notifiers[target]; n != nil {
			workers = concurrencyOf(n)
		}
		for range min(workers, len(qs)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for q := range next {
					run.thread(ctx, q)
				}
			}()
		}
	}
	wg.Wait()
	sort.Slice(run.errs, func(i, j int) bool { return run.errs[i].seq < run.errs[j].seq })
	for _, e := range run.errs {
		run.res.Errors = append(run.res.Errors, e.line)
	}
	run.res.Pending = len(b.Pending())
	return run.res, run.stop
}

// delivery is one Deliver call's shared state; mu guards all of it and
// the book, and is not held while a notifier runs.
type delivery struct {
	d         *Deliverer
	b         *Book
	mu        sync.Mutex
	res       Result
	errs      []seqLine
	throttled map[string]bool
	// receipts are the receipts of each queued thread, oldest first,
	// read once and grown as its records are delivered.
	receipts map[[2]string][]Receipt
	stop     error
}

type seqLine struct {
	seq  uint64
	line string
}

// thread delivers one thread's records in order, stopping at the first
// that is not due or fails.
func (run *delivery) thread(ctx context.Context, q []*Record) {
	d, b := run.d, run.b
	run.mu.Lock()
	defer run.mu.Unlock()
	for i, r := range q {
		now := d.Now().UTC()
		if run.stop != nil || run.throttled[r.Target] || r.NextAttempt.After(now) || ctx.Err() != nil {
			run.res.NotDue += len(q) - i
			return
		}
		n := d.Notifiers[r.Target]
		if n == nil {
			run.fail(r, now, ErrNoNotifier, len(q)-i-1)
			return
		}
		e, err := b.Effect(r)
		if err != nil {
			run.fail(r, now, err, len(q)-i-1)
			return
		}
		tk := [2]string{r.Target, r.Thread}
		thread := slices.Clone(run.receipts[tk])
		first := d.begun[r.Key] && r.Started == 1
		run.mu.Unlock()
		rc, err := d.call(ctx, n, first, e, thread)
		run.mu.Lock()
		if err != nil {
			var ra RetryAfter
			if errors.As(err, &ra) {
				run.throttled[r.Target] = true
			}
			run.fail(r, d.Now().UTC(), err, len(q)-i-1)
			return
		}
		if d.AfterDeliver != nil {
			if err := d.AfterDeliver(r); err != nil {
				if run.stop == nil {
					run.stop = err
				}
				return
			}
		}
		rc.Key, rc.Target = r.Key, r.Target
		r.State, r.Done, r.Receipt, r.NextAttempt, r.LastError = StateDone, d.Now().UTC(), &rc, time.Time{}, ""
		b.Update(r)
		run.receipts[tk] = append(run.receipts[tk], rc)
		run.res.Delivered++
	}
}

// fail records a failed attempt of r, and the rest records of its thread
// that now wait behind it.
func (run *delivery) fail(r *Record, now time.Time, err error, rest int) {
	d := run.d
	r.Attempts++
	r.LastError = d.redact(err.Error())
	r.NextAttempt = now.Add(d.Backoff(r.Attempts, err))
	run.b.Update(r)
	run.res.Failed++
	run.res.NotDue += rest
	run.errs = append(run.errs, seqLine{r.Seq, fmt.Sprintf("%s %s %s: %s", r.Target, r.Event, r.Instance, r.LastError)})
}

// call runs one delivery under the call budget. A notifier that panics
// has failed this attempt (ErrNotifierPanic): the run goes on.
func (d *Deliverer) call(ctx context.Context, n Notifier, first bool, e Effect, thread []Receipt) (rc Receipt, err error) {
	defer func() {
		if p := recover(); p != nil {
			rc, err = Receipt{}, fmt.Errorf("%w: %s: %v", ErrNotifierPanic, n.Target(), p)
		}
	}()
	cb := d.CallBudget
	if cb <= 0 {
		cb = DefaultCallBudget
	}
	ctx, cancel := context.WithTimeout(ctx, cb)
	defer cancel()
	return n.Deliver(WithFirstAttempt(ctx, first), e, thread)
}

// Retry makes the pending records of keys (all of them when keys is
// empty) due at now, and returns the keys it did not find pending.
func (b *Book) Retry(now time.Time, keys []string) []string {
	var missing []string
	if len(keys) == 0 {
		for _, r := range b.Pending() {
			r.NextAttempt = now.UTC()
			b.Update(r)
		}
		return nil
	}
	for _, k := range keys {
		r := b.find(k)
		if r == nil || r.State != StatePending {
			missing = append(missing, k)
			continue
		}
		r.NextAttempt = now.UTC()
		b.Update(r)
	}
	return missing
}

// find returns the record whose key is k or, when k is a prefix of one
// key only (at least 8 hex digits), that record.
func (b *Book) find(k string) *Record {
	if r, ok := b.records[k]; ok {
		return r
	}
	if len(k) < 8 {
		return nil
	}
	var found *Record
	for key, r := range b.records {
		if strings.HasPrefix(key, k) {
			if found != nil {
				return nil
			}
			found = r
		}
	}
	return found
}

func (d *Deliverer) redact(s string) string {
	for _, sec := range d.Secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}
