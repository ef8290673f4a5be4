package slack_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/adapters/slack"
	"github.com/writ-dev/writ/adapters/slack/slackfake"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/outbox"
)

const token = "xoxb-test-1234567890-SECRETSECRET"

func setup(t *testing.T) (*slackfake.Server, *slack.Notifier) {
	t.Helper()
	fake := slackfake.Start(token)
	t.Cleanup(fake.Stop)
	n, err := slack.New(slack.Config{Channel: "C0DEPLOYS", Token: token, APIURL: fake.URL()})
	if err != nil {
		t.Fatal(err)
	}
	return fake, n
}

func eff(ev outbox.Event, subject string) outbox.Effect {
	e := outbox.Effect{Target: "slack", Event: ev, Subject: subject, Thread: "proposals/web-1/ship.yaml",
		Instance: "web-1", Workflow: "release", Transition: "ship", Proposer: "deploy-agent",
		Link: "https://github.example/acme/control/pull/7", Issue: "OPS-12"}
	e.Key = outbox.KeyOf(subject, ev, "slack")
	switch ev {
	case outbox.EventWaiting:
		e.MustAct = []outbox.Actor{{Identity: "alice", Role: "sre", TargetID: "U0ALICE"}, {Identity: "bob", Role: "sre"}}
		e.Summary = "policy release-approval: rule sre-pair needs 2 more approvals"
	case outbox.EventApproval:
		e.MustAct = []outbox.Actor{{Identity: "bob", Role: "sre"}}
		e.Approvals = []string{"alice"}
	case outbox.EventApplied:
		e.Entry, e.Approvals, e.At = "0123456789abcdef0123456789abcdef01234567", []string{"alice", "bob"}, "2026-12-01T09:00:00Z"
	}
	return e
}

// TestOneMessageUpdatedInPlaceWithThreadedOutcome: waiting posts one
// message naming who must act; an approval edits it; the apply is a
// threaded reply, and the root shows the outcome.
func TestOneMessageUpdatedInPlaceWithThreadedOutcome(t *testing.T) {
	fake, n := setup(t)
	ctx := context.Background()
	var thread []outbox.Receipt
	for _, e := range []outbox.Effect{eff(outbox.EventWaiting, "h1"), eff(outbox.EventApproval, "h1/alice"), eff(outbox.EventApplied, "entry")} {
		rc, err := n.Deliver(ctx, e, thread)
		if err != nil {
			t.Fatalf("%s: %v", e.Event, err)
		}
		if rc.Key != e.Key || rc.Target != "slack" || rc.Ref == "" {
			t.Fatalf("%s receipt %+v", e.Event, rc)
		}
		thread = append(thread, rc)
	}
	msgs := fake.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want a root and one reply: %+v", len(msgs), msgs)
	}
	root, reply := msgs[0], msgs[1]
	if root.ThreadTS != "" || reply.ThreadTS != root.TS || root.Edits != 2 {
		t.Fatalf("root %+v reply %+v", root, reply)
	}
	for _, want := range []string{"*web-1* release → ship", ":white_check_mark: applied", "Approved by: alice, bob.", "<https://github.example/acme/control/pull/7|pull request>", "issue OPS-12"} {
		if !strings.Contains(root.Text, want) {
			t.Errorf("root %q lacks %q", root.Text, want)
		}
	}
	if !strings.Contains(reply.Text, "applied (entry `0123456789ab`)") {
		t.Errorf("reply %q", reply.Text)
	}
	if thread[0].Ref != "C0DEPLOYS/"+root.TS || thread[2].Ref != "C0DEPLOYS/"+root.TS+"/"+reply.TS {
		t.Fatalf("receipts %+v", thread)
	}
}

func TestWaitingNamesWhoMustAct(t *testing.T) {
	fake, n := setup(t)
	if _, err := n.Deliver(context.Background(), eff(outbox.EventWaiting, "h1"), nil); err != nil {
		t.Fatal(err)
	}
	text := fake.Messages()[0].Text
	if !strings.Contains(text, "Must act: <@U0ALICE> (sre), bob (sre).") || !strings.Contains(text, "waiting for approval") {
		t.Fatalf("waiting text %q", text)
	}
}

// TestFaultsAreTypedAndScrubbed: a 429 carries its Retry-After, a 500 and
// a reset are plain failures; none posts, none shows the token, and the
// next attempt posts exactly once.
func TestFaultsAreTypedAndScrubbed(t *testing.T) {
	tests := []struct {
		name  string
		fault slackfake.Fault
		wait  time.Duration
	}{
		{"429 retry-after", slackfake.Fault{Method: "chat.postMessage", Kind: "429", RetryAfter: 7}, 7 * time.Second},
		{"500 on history", slackfake.Fault{Method: "conversations.history", Kind: "500"}, 0},
		{"500 on post", slackfake.Fault{Method: "chat.postMessage", Kind: "500"}, 0},
		{"connection reset", slackfake.Fault{Method: "chat.postMessage", Kind: "reset"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, n := setup(t)
			fake.Inject(tt.fault)
			e := eff(outbox.EventWaiting, "h1")
			_, err := n.Deliver(context.Background(), e, nil)
			if err == nil {
				t.Fatal("delivery succeeded through a fault")
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "SECRET") {
				t.Fatalf("error shows the token: %v", err)
			}
			var ra outbox.RetryAfter
			if got := errors.As(err, &ra); got != (tt.wait > 0) || (got && ra.RetryAfter() != tt.wait) {
				t.Fatalf("RetryAfter: %v (%v), want %v", got, err, tt.wait)
			}
			if len(fake.Messages()) != 0 {
				t.Fatalf("a failed delivery left messages: %+v", fake.Messages())
			}
			if _, err := n.Deliver(context.Background(), e, nil); err != nil {
				t.Fatalf("retry: %v", err)
			}
			if len(fake.Messages()) != 1 {
				t.Fatalf("%d messages after the retry, want 1", len(fake.Messages()))
			}
		})
	}
}

func TestWrongTokenFailsWithoutShowingIt(t *testing.T) {
	fake, _ := setup(t)
	n, _ := slack.New(slack.Config{Channel: "C0DEPLOYS", Token: "xoxb-wrong-SECRET", APIURL: fake.URL()})
	_, err := n.Deliver(context.Background(), eff(outbox.EventWaiting, "h1"), nil)
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("err = %v", err)
	}
}

// TestCrashBetweenDeliveryAndDoneDoesNotDoublePost: the outbox delivers,
// then dies before marking the effects done; the next run delivers them
// again, and the notifier finds its messages by the key and edits them:
// still one root and one reply.
func TestCrashBetweenDeliveryAndDoneDoesNotDoublePost(t *testing.T) {
	fake, n := setup(t)
	store, err := gitstore.Init(filepath.Join(t.TempDir(), "repo"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	crash := errors.New("crash injected")
	for _, step := range []outbox.Effect{eff(outbox.EventWaiting, "h1"), eff(outbox.EventApplied, "entry")} {
		b, err := outbox.Load(store)
		if err != nil {
			t.Fatal(err)
		}
		b.Add([]outbox.Effect{step}, now)
		if err := b.Save(now, "record"); err != nil {
			t.Fatal(err)
		}
		d := &outbox.Deliverer{Notifiers: map[string]outbox.Notifier{"slack": n}, Now: func() time.Time { return now },
			AfterDeliver: func(*outbox.Record) error { return crash }}
		// As the reporter does: the attempt is recorded as begun, then
		// made (a first attempt: the notifier does not search).
		d.Begin(b)
		if err := b.Save(now, "begin"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Deliver(context.Background(), b); !errors.Is(err, crash) {
			t.Fatalf("deliver: %v", err)
		}
		// The process died: the book in memory is lost. The next run
		// loads what was saved and delivers again: a second attempt.
		b, _ = outbox.Load(store)
		d.AfterDeliver = nil
		d.Begin(b)
		if err := b.Save(now, "begin"); err != nil {
			t.Fatal(err)
		}
		res, err := d.Deliver(context.Background(), b)
		if err != nil || res.Delivered != 1 {
			t.Fatalf("redeliver: %+v %v", res, err)
		}
		if err := b.Save(now, "done"); err != nil {
			t.Fatal(err)
		}
	}
	msgs := fake.Messages()
	if len(msgs) != 2 || msgs[1].ThreadTS != msgs[0].TS {
		t.Fatalf("%d messages after two crashes, want a root and one reply: %+v", len(msgs), msgs)
	}
	if fake.Calls("chat.postMessage") != 2 {
		t.Fatalf("%d posts, want 2", fake.Calls("chat.postMessage"))
	}
}

// TestAFirstAttemptDoesNotSearch: when the outbox says an attempt is the
// first, the notifier posts without reading the channel's history; when
// unsure, it searches.
func TestAFirstAttemptDoesNotSearch(t *testing.T) {
	fake, n := setup(t)
	e := eff(outbox.EventApplied, "entry")
	if _, err := n.Deliver(outbox.WithFirstAttempt(context.Background(), true), e, nil); err != nil {
		t.Fatal(err)
	}
	if got := fake.Calls("conversations.history"); got != 0 {
		t.Fatalf("a first attempt read the history %d times", got)
	}
	e2 := eff(outbox.EventApplied, "other")
	e2.Thread = "proposals/web-2/ship.yaml"
	if _, err := n.Deliver(context.Background(), e2, nil); err != nil {
		t.Fatal(err)
	}
	if got := fake.Calls("conversations.history"); got != 1 {
		t.Fatalf("a delivery that may be a repeat read the history %d times, want 1", got)
	}
}

// TestConcurrentDeliveryKeepsEachThreadInOrder: the outbox delivers many
// proposals' effects side by side, each proposal's in order: every
// waiting message is a root, every applied one a reply under it, and no
// effect is posted twice.
func TestConcurrentDeliveryKeepsEachThreadInOrder(t *testing.T) {
	fake, n := setup(t)
	store, err := gitstore.Init(filepath.Join(t.TempDir(), "repo"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	b, _ := outbox.Load(store)
	const proposals = 24
	for i := range proposals {
		for _, ev := range []outbox.Event{outbox.EventWaiting, outbox.EventApplied} {
			e := eff(ev, fmt.Sprint(ev, i))
			e.Thread = fmt.Sprintf("proposals/svc-%d/ship.yaml", i)
			b.Add([]outbox.Effect{e}, now)
		}
	}
	d := &outbox.Deliverer{Notifiers: map[string]outbox.Notifier{"slack": n}, Now: func() time.Time { return now }}
	d.Begin(b)
	res, err := d.Deliver(context.Background(), b)
	if err != nil || res.Delivered != 2*proposals || res.Pending != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	roots := map[string]bool{}
	for _, m := range fake.Messages() {
		if m.ThreadTS == "" {
			roots[m.TS] = true
		}
	}
	for _, m := range fake.Messages() {
		if m.ThreadTS != "" && !roots[m.ThreadTS] {
			t.Fatalf("reply %+v under no root", m)
		}
	}
	if len(roots) != proposals || len(fake.Messages()) != 2*proposals {
		t.Fatalf("%d roots, %d messages", len(roots), len(fake.Messages()))
	}
}

// TestConcurrentDeliveriesReuseTheirConnections: a run that delivers
// many proposals side by side opens no more connections than it has calls
// in flight, rather than one per call.
func TestConcurrentDeliveriesReuseTheirConnections(t *testing.T) {
	fake, n := setup(t)
	store, err := gitstore.Init(filepath.Join(t.TempDir(), "repo"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	b, _ := outbox.Load(store)
	const proposals = 60
	for i := range proposals {
		e := eff(outbox.EventApplied, fmt.Sprint("applied", i))
		e.Thread = fmt.Sprintf("proposals/svc-%d/ship.yaml", i)
		b.Add([]outbox.Effect{e}, now)
	}
	d := &outbox.Deliverer{Notifiers: map[string]outbox.Notifier{"slack": n}, Now: func() time.Time { return now }}
	d.Begin(b)
	if res, err := d.Deliver(context.Background(), b); err != nil || res.Delivered != proposals {
		t.Fatalf("%+v %v", res, err)
	}
	if got := fake.Connections(); got > n.Concurrency() {
		t.Fatalf("%d calls came on %d connections, want at most %d (one per call in flight)", proposals, got, n.Concurrency())
	}
}
