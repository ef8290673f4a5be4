package outbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
// order, each once. A record whose thread has an earlier record pending
// at the same target waits for it, so a thread's effects arrive in order.
// A success marks the record done with its receipt; a failure counts an
// attempt, records the error (redacted) and the next attempt's time. It
// changes b only in memory: the caller saves it. The error is non-nil only
// when AfterDeliver stopped it. A record Begin marked, and saved, as its
// first attempt is delivered under FirstAttempt.
func (d *Deliverer) Deliver(ctx context.Context, b *Book) (Result, error) {
	budget := d.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	var res Result
	blocked := map[[2]string]bool{}
	throttled := map[string]bool{} // targets that asked us to wait
	for _, r := range b.Pending() {
		tk := [2]string{r.Target, r.Thread}
		now := d.Now().UTC()
		switch {
		case blocked[tk] || throttled[r.Target]:
			res.NotDue++
			continue
		case r.NextAttempt.After(now) || ctx.Err() != nil:
			blocked[tk] = true
			res.NotDue++
			continue
		}
		n := d.Notifiers[r.Target]
		if n == nil {
			blocked[tk] = true
			d.fail(b, r, now, ErrNoNotifier, &res)
			continue
		}
		e, err := b.Effect(r)
		if err != nil {
			blocked[tk] = true
			d.fail(b, r, now, err, &res)
			continue
		}
		rc, err := d.call(ctx, n, r, e, b.Thread(r.Thread, r.Target))
		if err != nil {
			blocked[tk] = true
			var ra RetryAfter
			if errors.As(err, &ra) {
				throttled[r.Target] = true
			}
			d.fail(b, r, d.Now().UTC(), err, &res)
			continue
		}
		if d.AfterDeliver != nil {
			if err := d.AfterDeliver(r); err != nil {
				return res, err
			}
		}
		rc.Key, rc.Target = r.Key, r.Target
		r.State, r.Done, r.Receipt, r.NextAttempt, r.LastError = StateDone, d.Now().UTC(), &rc, time.Time{}, ""
		b.Update(r)
		res.Delivered++
	}
	res.Pending = len(b.Pending())
	return res, nil
}

// call runs one delivery under the call budget.
func (d *Deliverer) call(ctx context.Context, n Notifier, r *Record, e Effect, thread []Receipt) (Receipt, error) {
	cb := d.CallBudget
	if cb <= 0 {
		cb = DefaultCallBudget
	}
	ctx, cancel := context.WithTimeout(ctx, cb)
	defer cancel()
	first := d.begun[r.Key] && r.Started == 1
	return n.Deliver(WithFirstAttempt(ctx, first), e, thread)
}

// fail records a failed attempt.
func (d *Deliverer) fail(b *Book, r *Record, now time.Time, err error, res *Result) {
	r.Attempts++
	r.LastError = d.redact(err.Error())
	r.NextAttempt = now.Add(d.Backoff(r.Attempts, err))
	b.Update(r)
	res.Failed++
	res.Errors = append(res.Errors, fmt.Sprintf("%s %s %s: %s", r.Target, r.Event, r.Instance, r.LastError))
}

// Backoff is the wait after the attempts-th failure err: exponential from
// BaseDelay, capped at MaxDelay, with the upper half jittered, and at
// least what err's RetryAfter asks.
func (d *Deliverer) Backoff(attempts int, err error) time.Duration {
	base, maxd := d.BaseDelay, d.MaxDelay
	if base <= 0 {
		base = DefaultBaseDelay
	}
	if maxd <= 0 {
		maxd = DefaultMaxDelay
	}
	wait := maxd
	if attempts < 32 && base<<(attempts-1) > 0 && base<<(attempts-1) < maxd {
		wait = base << (attempts - 1)
	}
	if d.Jitter != nil && wait > 1 {
		wait = wait/2 + d.Jitter(wait-wait/2)
	}
	var ra RetryAfter
	if errors.As(err, &ra) && ra.RetryAfter() > wait {
		wait = ra.RetryAfter()
	}
	return wait
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
