package outbox

import "context"

type firstAttemptKey struct{}

// FirstAttempt reports whether the delivery running under ctx is the
// first attempt ever begun for its effect: the outbox recorded, durably
// and before calling the notifier, that this attempt began and that none
// began before (see Deliverer.Begin). Then nothing can have reached the
// target yet, and a notifier may skip its search for an earlier delivery
// by the key. False when unsure, so a notifier that always searches is
// still correct.
func FirstAttempt(ctx context.Context) bool {
	v, _ := ctx.Value(firstAttemptKey{}).(bool)
	return v
}

// WithFirstAttempt returns ctx saying whether the delivery under it is
// the first attempt (see FirstAttempt). The Deliverer sets it; notifier
// tests use it.
func WithFirstAttempt(ctx context.Context, first bool) context.Context {
	return context.WithValue(ctx, firstAttemptKey{}, first)
}

// Begin marks every pending record that is due at Now as one more attempt
// begun (Record.Started) and returns how many. Save the book after Begin
// and before Deliver: a record's first attempt is then known to be the
// first even across a crash, and a notifier need not search the target
// for it (FirstAttempt).
func (d *Deliverer) Begin(b *Book) int {
	now := d.Now().UTC()
	d.begun = map[string]bool{}
	for _, r := range b.Pending() {
		if r.NextAttempt.After(now) {
			continue
		}
		r.Started++
		b.Update(r)
		d.begun[r.Key] = true
	}
	return len(d.begun)
}
