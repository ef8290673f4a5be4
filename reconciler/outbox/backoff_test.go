package outbox

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

// TestBackoffIsTotal: whatever the attempts count (a crafted outbox ref
// may hold any), delays and jitter, Backoff returns a wait within its
// bounds and never panics; a server's Retry-After counts up to
// MaxRetryAfter only.
func TestBackoffIsTotal(t *testing.T) {
	tests := []struct {
		name     string
		d        Deliverer
		attempts int
		err      error
		want     time.Duration
	}{
		{"zero attempts count as the first", Deliverer{}, 0, errors.New("500"), DefaultBaseDelay},
		{"negative attempts count as the first", Deliverer{}, -1, errors.New("500"), DefaultBaseDelay},
		{"most negative attempts", Deliverer{}, math.MinInt, errors.New("500"), DefaultBaseDelay},
		{"most attempts", Deliverer{}, math.MaxInt, errors.New("500"), DefaultMaxDelay},
		{"base above max", Deliverer{BaseDelay: 2 * time.Hour, MaxDelay: time.Hour}, 1, nil, time.Hour},
		{"huge max never overflows", Deliverer{BaseDelay: time.Second, MaxDelay: math.MaxInt64}, 200, nil, math.MaxInt64},
		{"retry-after of ten years", Deliverer{}, 1, retryErr{10 * 365 * 24 * time.Hour}, MaxRetryAfter},
		{"negative retry-after", Deliverer{}, 1, retryErr{-time.Hour}, DefaultBaseDelay},
		{"jitter out of range", Deliverer{Jitter: func(time.Duration) time.Duration { return -time.Hour }}, 1, nil, DefaultBaseDelay / 2},
		{"jitter too large", Deliverer{Jitter: func(n time.Duration) time.Duration { return 10 * n }}, 1, nil, DefaultBaseDelay - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.Backoff(tt.attempts, tt.err); got != tt.want {
				t.Fatalf("Backoff(%d, %v) = %v, want %v", tt.attempts, tt.err, got, tt.want)
			}
		})
	}
}

// TestNotifierPanicIsAFailedAttempt: a notifier that panics fails its
// attempt (recorded, retried with backoff); the run and the process go on.
func TestNotifierPanicIsAFailedAttempt(t *testing.T) {
	s := newStore(t)
	b, _ := Load(s)
	b.Add([]Effect{effect("boom", EventWaiting, "p/1"), effect("fine", EventWaiting, "p/2")}, t0)
	n := &fakeNotifier{deliver: func(e Effect, _ []Receipt) (Receipt, error) {
		if e.Subject == "boom" {
			panic("index out of range")
		}
		return Receipt{Ref: "ok"}, nil
	}}
	d := &Deliverer{Notifiers: map[string]Notifier{"fake": n}, Now: func() time.Time { return t0 }}
	res, err := d.Deliver(context.Background(), b)
	if err != nil || res.Failed != 1 || res.Delivered != 1 {
		t.Fatalf("deliver: %+v %v", res, err)
	}
	r, _ := b.Get(effect("boom", EventWaiting, "p/1").Key)
	if r.State != StatePending || r.Attempts != 1 || !r.NextAttempt.After(t0) || r.LastError == "" {
		t.Fatalf("the panicking delivery is not a failed attempt: %+v", r)
	}
}
