package outbox_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/writ-dev/writ/adapters/slack"
	"github.com/writ-dev/writ/adapters/slack/slackfake"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// benchEffects are n applied effects, each on its own thread, whose
// subjects start with prefix.
func benchEffects(prefix string, n int) []outbox.Effect {
	es := make([]outbox.Effect, n)
	for i := range es {
		head := fmt.Sprintf("%s%0*x", prefix, 40-len(prefix), i)
		es[i] = outbox.Effect{Target: "slack", Event: outbox.EventApplied, Subject: head,
			Thread: fmt.Sprintf("proposals/svc-%05d/ship.yaml", i), Instance: fmt.Sprintf("svc-%05d", i),
			Workflow: "release", Transition: "ship", Proposer: "deploy-agent", Link: "https://github.com/acme/control/pull/" + fmt.Sprint(i),
			Entry: head, Approvals: []string{"alice", "bob"}, At: "2026-12-01T09:00:00Z"}
		es[i].Key = outbox.KeyOf(head, outbox.EventApplied, "slack")
	}
	return es
}

// BenchmarkDeliver200 is the delivery part of a reconcile that applied
// 200 proposals: 200 effects, each on its own thread, delivered to the
// local fake Slack by a notifier built for the run, as the CLI does.
func BenchmarkDeliver200(b *testing.B) {
	e, _ := newBenchRepo(b)
	const token = "xoxb-bench"
	fake := slackfake.Start(token)
	defer fake.Stop()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		book, err := outbox.Load(e.Store)
		if err != nil {
			b.Fatal(err)
		}
		book.Add(benchEffects(fmt.Sprintf("%06x", i), 200), now)
		notifier, err := slack.New(slack.Config{Channel: "C0BENCH", Token: token, APIURL: fake.URL()})
		if err != nil {
			b.Fatal(err)
		}
		d := &outbox.Deliverer{Notifiers: map[string]outbox.Notifier{"slack": notifier},
			Now: func() time.Time { return now }, Budget: time.Minute}
		d.Begin(book)
		b.StartTimer()
		if res, err := d.Deliver(context.Background(), book); err != nil || res.Delivered != 200 {
			b.Fatalf("deliver: %v, %+v", err, res)
		}
	}
}

// BenchmarkRecord200Beside is the recording part: load the outbox, add
// 200 effects and save, beside the done records kept from earlier runs.
func BenchmarkRecord200Beside(b *testing.B) {
	for _, held := range []int{1000, 4000} {
		b.Run(fmt.Sprint(held), func(b *testing.B) {
			e, _ := newBenchRepo(b)
			now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			book, _ := outbox.Load(e.Store)
			book.Add(benchEffects("0ld", held), now)
			for _, r := range book.Pending() {
				r.State, r.Done, r.Receipt = outbox.StateDone, now, &outbox.Receipt{Ref: "C1/1700000000.000001"}
				book.Update(r)
			}
			if err := book.Save(now, "bench"); err != nil {
				b.Fatal(err)
			}
			base, last := book.Head(), book.Head()
			for i := 0; b.Loop(); i++ {
				if last != base { // each run finds the same outbox
					b.StopTimer()
					if err := e.Store.CompareAndSwap(outbox.Ref, last, base); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				book, err := outbox.Load(e.Store)
				if err != nil {
					b.Fatal(err)
				}
				book.Add(benchEffects(fmt.Sprintf("n%05x", i), 200), now)
				if err := book.Save(now, "bench"); err != nil {
					b.Fatal(err)
				}
				last = book.Head()
			}
		})
	}
}
