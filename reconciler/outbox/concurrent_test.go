package outbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// parallelNotifier is a function-field notifier safe for concurrent use:
// it records each thread's calls in order and the most calls it had in
// flight at once.
type parallelNotifier struct {
	name        string
	concurrency int // 0: does not implement Concurrent's answer (one)
	deliver     func(ctx context.Context, e Effect) error

	mu       sync.Mutex
	inFlight int
	peak     int
	byThread map[string][]string
}

func (p *parallelNotifier) Target() string   { return p.name }
func (p *parallelNotifier) Concurrency() int { return p.concurrency }

func (p *parallelNotifier) Deliver(ctx context.Context, e Effect, _ []Receipt) (Receipt, error) {
	p.mu.Lock()
	p.inFlight++
	p.peak = max(p.peak, p.inFlight)
	if p.byThread == nil {
		p.byThread = map[string][]string{}
	}
	p.byThread[e.Thread] = append(p.byThread[e.Thread], e.Subject)
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.inFlight--
		p.mu.Unlock()
	}()
	if p.deliver != nil {
		if err := p.deliver(ctx, e); err != nil {
			return Receipt{}, err
		}
	}
	return Receipt{Ref: p.name + "/" + e.Subject}, nil
}

// addThreads records n threads of k effects each for target, thread by
// thread, and returns each thread's subjects in the order recorded.
func addThreads(b *Book, target string, n, k int) map[string][]string {
	want := map[string][]string{}
	for i := range n {
		thread := fmt.Sprintf("proposals/%s-%d/ship.yaml", target, i)
		for j, ev := range []Event{EventWaiting, EventApproval, EventApplied}[:k] {
			subject := fmt.Sprintf("%s-%d-%d", target, i, j)
			e := Effect{Key: KeyOf(subject, ev, target), Target: target, Event: ev, Subject: subject, Thread: thread, Instance: "web"}
			b.Add([]Effect{e}, t0)
			want[thread] = append(want[thread], subject)
		}
	}
	return want
}

// TestDeliverRunsThreadsSideBySideWithinTheBound: threads of a target run
// concurrently, never more calls in flight than its Concurrency, and each
// thread's effects reach it one at a time, in the order recorded.
func TestDeliverRunsThreadsSideBySideWithinTheBound(t *testing.T) {
	tests := []struct {
		name        string
		concurrency int
		wantPeak    int
	}{
		{"one at a time", 1, 1},
		{"three", 3, 3},
		{"capped", 100, MaxConcurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := Load(newStore(t))
			want := addThreads(b, "fake", 2*tt.wantPeak+1, 3)
			n := &parallelNotifier{name: "fake", concurrency: tt.concurrency,
				deliver: func(context.Context, Effect) error { time.Sleep(5 * time.Millisecond); return nil }}
			d := &Deliverer{Notifiers: map[string]Notifier{"fake": n}, Now: func() time.Time { return t0 }}
			res, err := d.Deliver(context.Background(), b)
			if err != nil || res.Delivered != len(want)*3 || res.Pending != 0 {
				t.Fatalf("%+v %v", res, err)
			}
			if n.peak > tt.wantPeak {
				t.Errorf("%d calls in flight at once, want at most %d", n.peak, tt.wantPeak)
			}
			if tt.wantPeak > 1 && n.peak < 2 {
				t.Errorf("threads ran one at a time (peak %d), want side by side", n.peak)
			}
			for thread, subjects := range want {
				if got := n.byThread[thread]; fmt.Sprint(got) != fmt.Sprint(subjects) {
					t.Errorf("%s delivered %v, want %v in order", thread, got, subjects)
				}
			}
		})
	}
}

// TestAFailureStopsItsThreadOnly: a failed effect holds back the later
// effects of its own thread (they wait behind it, in order), while every
// other thread is delivered.
func TestAFailureStopsItsThreadOnly(t *testing.T) {
	b, _ := Load(newStore(t))
	want := addThreads(b, "fake", 6, 3)
	bad := "fake-2-0"
	n := &parallelNotifier{name: "fake", concurrency: 3, deliver: func(_ context.Context, e Effect) error {
		if e.Subject == bad {
			return errors.New("500 Internal Server Error")
		}
		return nil
	}}
	d := &Deliverer{Notifiers: map[string]Notifier{"fake": n}, Now: func() time.Time { return t0 }}
	res, err := d.Deliver(context.Background(), b)
	if err != nil || res.Delivered != 15 || res.Failed != 1 || res.NotDue != 2 || res.Pending != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	for thread, subjects := range want {
		got := n.byThread[thread]
		if subjects[0] == bad {
			subjects = subjects[:1]
		}
		if fmt.Sprint(got) != fmt.Sprint(subjects) {
			t.Errorf("%s delivered %v, want %v", thread, got, subjects)
		}
	}
	r, _ := b.Get(KeyOf(bad, EventWaiting, "fake"))
	if r.State != StatePending || r.Attempts != 1 || r.LastError == "" {
		t.Fatalf("failed record %+v", r)
	}
}

// TestASlowTargetDoesNotHoldUpAnother: while one target's call hangs,
// the other target's threads are still delivered in the same run.
func TestASlowTargetDoesNotHoldUpAnother(t *testing.T) {
	b, _ := Load(newStore(t))
	addThreads(b, "slow", 3, 1) // recorded first: first in line
	addThreads(b, "fast", 5, 2)
	fastDone := make(chan struct{})
	fast := &parallelNotifier{name: "fast"}
	var once sync.Once
	slow := &parallelNotifier{name: "slow", deliver: func(ctx context.Context, e Effect) error {
		select {
		case <-fastDone:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("slow: gave up waiting: %w", ctx.Err())
		}
	}}
	delivered := 0
	fast.deliver = func(context.Context, Effect) error {
		fast.mu.Lock()
		delivered++
		if delivered == 10 {
			once.Do(func() { close(fastDone) })
		}
		fast.mu.Unlock()
		return nil
	}
	d := &Deliverer{Notifiers: map[string]Notifier{"slow": slow, "fast": fast}, Now: func() time.Time { return t0 },
		CallBudget: 2 * time.Second}
	res, err := d.Deliver(context.Background(), b)
	if err != nil || res.Delivered != 13 || res.Pending != 0 {
		t.Fatalf("the slow target's call held up the fast target's threads: %+v %v", res, err)
	}
}
