package outbox_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/adapters/slack"
	"github.com/writ-dev/writ/adapters/slack/slackfake"
	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/internal/enginetest"
	"github.com/writ-dev/writ/reconciler/outbox"
	"github.com/writ-dev/writ/reconciler/outcome"
	"github.com/writ-dev/writ/schemas"
)

// newBenchRepo is enginetest.NewRepo for a benchmark.
func newBenchRepo(b *testing.B) (*reconciler.Engine, local.KeyDir) {
	store, err := gitstore.Init(filepath.Join(b.TempDir(), "control"))
	if err != nil {
		b.Fatal(err)
	}
	keys := local.KeyDir{Dir: filepath.Join(b.TempDir(), "keys")}
	clock := &enginetest.FakeClock{T: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	e := &reconciler.Engine{Store: store, Keys: keys, Now: clock.Now}
	if _, err := e.Init(fixtures.Release(), keys); err != nil {
		b.Fatal(err)
	}
	return e, keys
}

// BenchmarkListPending10000 is `writ outbox`'s work with 10,000 pending
// effects: read the outbox ref and list what is pending.
func BenchmarkListPending10000(b *testing.B) {
	e, _ := newBenchRepo(b)
	book, err := outbox.Load(e.Store)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	effects := make([]outbox.Effect, 10000)
	for i := range effects {
		head := fmt.Sprintf("%040x", i)
		effects[i] = outbox.Effect{Target: "slack", Event: outbox.EventWaiting, Subject: head,
			Thread: fmt.Sprintf("proposals/svc-%05d/ship.yaml", i), Instance: fmt.Sprintf("svc-%05d", i),
			Workflow: "release", Transition: "ship", Proposer: "deploy-agent", Link: "https://github.com/acme/control/pull/" + fmt.Sprint(i),
			MustAct: []outbox.Actor{{Identity: "alice", Role: "sre", TargetID: "U0ALICE"}, {Identity: "bob", Role: "sre"}},
			Summary: "policy release-approval: needs 2 more approvals from role sre (rule sre-pair)"}
		effects[i].Key = outbox.KeyOf(head, outbox.EventWaiting, "slack")
	}
	book.Add(effects, now)
	for _, r := range book.Pending() {
		r.Attempts, r.LastError, r.NextAttempt = 3, "slack: chat.postMessage: slack server error: 500 Internal Server Error", now.Add(time.Hour)
	}
	if err := book.Save(now, "bench"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		book, err := outbox.Load(e.Store)
		if err != nil {
			b.Fatal(err)
		}
		if n := len(book.Pending()); n != 10000 {
			b.Fatalf("%d pending", n)
		}
	}
}

// timed is a reporter that adds the time r takes to *d.
type timed struct {
	r reconciler.Reporter
	d *time.Duration
}

func (t timed) Report(ctx context.Context, rep *outcome.Report) error {
	start := time.Now()
	err := t.r.Report(ctx, rep)
	*t.d += time.Since(start)
	return err
}

// BenchmarkReconcile200Notifications times, in the same run, reconciles
// that apply 200 proposals without notifications and with the outbox
// delivering every applied effect to the local fake Slack, each pair on
// two copies of one repository, in alternating order, and reports on/off
// (the target: at most 1.05) and outbox/off, the outbox reporter's own
// time over the reconcile's without it (what on/off measures, without
// the noise of two separate runs).
func BenchmarkReconcile200Notifications(b *testing.B) {
	base, keys := newBenchRepo(b)
	for i := range 200 {
		_, err := base.Propose(reconciler.ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
			Instance: fmt.Sprintf("svc-%03d", i), Workflow: "release", Transition: "create", Owner: "web-team"}})
		if err != nil {
			b.Fatal(err)
		}
	}
	const token = "xoxb-bench"
	fake := slackfake.Start(token)
	defer fake.Stop()
	copyRepo := func(name string) *reconciler.Engine {
		dir := filepath.Join(b.TempDir(), name)
		if out, err := exec.Command("cp", "-a", base.Store.Dir(), dir).CombinedOutput(); err != nil {
			b.Fatalf("copy: %v: %s", err, out)
		}
		s, err := gitstore.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		clock := &enginetest.FakeClock{T: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
		return &reconciler.Engine{Store: s, Keys: keys, Now: clock.Now}
	}
	var report time.Duration // the outbox reporter's share of "on"
	run := func(e *reconciler.Engine, notify bool) time.Duration {
		var opts reconciler.ReconcileOptions
		if notify {
			// A notifier of its own, as a run of the CLI has: its
			// connections are opened in the run.
			notifier, err := slack.New(slack.Config{Channel: "C0BENCH", Token: token, APIURL: fake.URL()})
			if err != nil {
				b.Fatal(err)
			}
			now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			opts.Reporters = []reconciler.Reporter{timed{&outbox.Reporter{Store: e.Store,
				Derivation: outbox.Derivation{Targets: []outbox.Target{{Name: "slack"}}},
				Deliverer: &outbox.Deliverer{Notifiers: map[string]outbox.Notifier{"slack": notifier},
					Now: func() time.Time { return now }, Budget: time.Minute}}, &report}}
		}
		start := time.Now()
		rep, err := e.ReconcileWith(context.Background(), opts)
		took := time.Since(start)
		if err != nil || len(rep.Applied) != 200 {
			b.Fatalf("reconcile: %v, %d applied", err, len(rep.Applied))
		}
		if notify {
			if book, _ := outbox.Load(e.Store); len(book.Pending()) != 0 || book.Len() != 200 {
				b.Fatalf("outbox: %d of %d pending", len(book.Pending()), book.Len())
			}
		}
		return took
	}
	var off, on time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		eOff, eOn := copyRepo(fmt.Sprint("off", i)), copyRepo(fmt.Sprint("on", i))
		b.StartTimer()
		if i%2 == 0 {
			off += run(eOff, false)
			on += run(eOn, true)
		} else {
			on += run(eOn, true)
			off += run(eOff, false)
		}
	}
	b.ReportMetric(off.Seconds()/float64(b.N), "off-s/op")
	b.ReportMetric(on.Seconds()/float64(b.N), "on-s/op")
	b.ReportMetric(on.Seconds()/off.Seconds(), "on/off")
	b.ReportMetric(report.Seconds()/float64(b.N), "outbox-s/op")
	b.ReportMetric(report.Seconds()/off.Seconds(), "outbox/off")
}
