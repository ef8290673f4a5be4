package outbox_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/internal/enginetest"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// target is a fake outside system: it keeps one delivery per key and
// finds an earlier one by the key, as a notifier must.
type target struct {
	down    bool
	posts   map[string]int // key -> posts
	updates int
}

func (t *target) Target() string { return "slack" }
func (t *target) Deliver(_ context.Context, e outbox.Effect, _ []outbox.Receipt) (outbox.Receipt, error) {
	if t.down {
		return outbox.Receipt{}, errors.New("dial tcp 127.0.0.1:9: connection refused")
	}
	if t.posts[e.Key] > 0 {
		t.updates++
	} else {
		t.posts[e.Key]++
	}
	return outbox.Receipt{Ref: "C1/" + e.Key[:8]}, nil
}

func reporter(e *reconciler.Engine, tg *target, now *time.Time) *outbox.Reporter {
	return &outbox.Reporter{Store: e.Store, Derivation: outbox.Derivation{Targets: []outbox.Target{{Name: "slack"}}},
		Deliverer: &outbox.Deliverer{Notifiers: map[string]outbox.Notifier{"slack": tg}, Now: func() time.Time { return *now }}}
}

// TestAnOutageNeverFailsAReconcile: with the target down, the reconcile
// applies and succeeds; the effect is recorded, pending with the error,
// and a note says so. Once the target is back and the backoff passed, the
// next reconcile delivers it.
func TestAnOutageNeverFailsAReconcile(t *testing.T) {
	e, _ := enginetest.NewRepo(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	tg := &target{down: true, posts: map[string]int{}}
	rep := reporter(e, tg, &now)
	enginetest.Propose(t, e, "deploy-agent", "create", nil)
	res, err := e.ReconcileWith(context.Background(), reconciler.ReconcileOptions{Reporters: []reconciler.Reporter{rep}})
	if err != nil || len(res.Applied) != 1 {
		t.Fatalf("reconcile with the target down: %v, %d applied", err, len(res.Applied))
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "outbox: 1 of 1 deliveries failed") {
		t.Fatalf("notes %q", res.Notes)
	}
	b, _ := outbox.Load(e.Store)
	p := b.Pending()
	if len(p) != 1 || p[0].Event != outbox.EventApplied || p[0].Attempts != 1 || !strings.Contains(p[0].LastError, "connection refused") {
		t.Fatalf("pending %+v", p)
	}
	tg.down = false
	if _, err := e.ReconcileWith(context.Background(), reconciler.ReconcileOptions{Reporters: []reconciler.Reporter{rep}}); err != nil {
		t.Fatal(err)
	}
	if len(tg.posts) != 0 {
		t.Fatal("delivered before its next attempt")
	}
	now = now.Add(time.Hour)
	if _, err := e.ReconcileWith(context.Background(), reconciler.ReconcileOptions{Reporters: []reconciler.Reporter{rep}}); err != nil {
		t.Fatal(err)
	}
	if b, _ := outbox.Load(e.Store); len(tg.posts) != 1 || len(b.Pending()) != 0 {
		t.Fatalf("after the backoff: posts %v, pending %d", tg.posts, len(b.Pending()))
	}
}

// TestACrashAfterDeliveryRedeliversToTheSameKey: the reporter dies after
// delivering, before marking done; the next reconcile delivers the same
// key again (the target updates, never posts twice) and marks it done.
func TestACrashAfterDeliveryRedeliversToTheSameKey(t *testing.T) {
	e, _ := enginetest.NewRepo(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	tg := &target{posts: map[string]int{}}
	rep := reporter(e, tg, &now)
	rep.Deliverer.AfterDeliver = func(*outbox.Record) error { return errors.New("crash injected") }
	enginetest.Propose(t, e, "deploy-agent", "create", nil)
	res, err := e.ReconcileWith(context.Background(), reconciler.ReconcileOptions{Reporters: []reconciler.Reporter{rep}})
	if err != nil || len(res.Applied) != 1 || len(tg.posts) != 1 {
		t.Fatalf("crashing run: %v, %d applied, posts %v", err, len(res.Applied), tg.posts)
	}
	if b, _ := outbox.Load(e.Store); len(b.Pending()) != 1 {
		t.Fatalf("the crash lost the effect: %d pending", len(b.Pending()))
	}
	rep.Deliverer.AfterDeliver = nil
	if _, err := e.ReconcileWith(context.Background(), reconciler.ReconcileOptions{Reporters: []reconciler.Reporter{rep}}); err != nil {
		t.Fatal(err)
	}
	b, _ := outbox.Load(e.Store)
	for key, n := range tg.posts {
		if n != 1 {
			t.Fatalf("key %s posted %d times", key, n)
		}
	}
	if len(b.Pending()) != 0 || tg.updates != 1 {
		t.Fatalf("after the rerun: %d pending, %d updates", len(b.Pending()), tg.updates)
	}
}
