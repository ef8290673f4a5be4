package outbox

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/gitstore"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func newStore(t testing.TB) *gitstore.Store {
	t.Helper()
	s, err := gitstore.Init(filepath.Join(t.TempDir(), "repo"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func effect(subject string, ev Event, thread string) Effect {
	return Effect{Key: KeyOf(subject, ev, "fake"), Target: "fake", Event: ev, Subject: subject, Thread: thread, Instance: "web-1"}
}

// fakeNotifier is a function-field notifier.
type fakeNotifier struct {
	deliver func(e Effect, thread []Receipt) (Receipt, error)
	calls   []string
}

func (f *fakeNotifier) Target() string { return "fake" }
func (f *fakeNotifier) Deliver(_ context.Context, e Effect, thread []Receipt) (Receipt, error) {
	f.calls = append(f.calls, string(e.Event)+" "+e.Subject)
	if f.deliver == nil {
		return Receipt{Ref: "ok/" + e.Subject}, nil
	}
	return f.deliver(e, thread)
}

type retryErr struct{ d time.Duration }

func (r retryErr) Error() string             { return "429 slow down" }
func (r retryErr) RetryAfter() time.Duration { return r.d }

func TestBookSavesLoadsAndKeepsTheFirstRecordOfAKey(t *testing.T) {
	s := newStore(t)
	b, err := Load(s)
	if err != nil {
		t.Fatal(err)
	}
	effects := []Effect{effect("a1", EventWaiting, "p/1"), effect("a2", EventApplied, "p/1"), effect("b1", EventWaiting, "p/2")}
	if added := b.Add(effects, t0); len(added) != 3 {
		t.Fatalf("added %d, want 3", len(added))
	}
	if err := b.Save(t0, "record"); err != nil {
		t.Fatal(err)
	}
	head := b.Head()
	again, err := Load(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range again.Records() {
		if r.Subject != "" {
			t.Fatalf("Load read the effect of %s, not only its state", r.Key)
		}
	}
	for _, r := range again.Records() {
		if _, err := again.Effect(r); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range again.Records() {
		if want := b.Records()[i]; !reflect.DeepEqual(*r, *want) {
			t.Fatalf("loaded %+v, saved %+v", *r, *want)
		}
	}
	if added := again.Add(effects, t0.Add(time.Hour)); len(added) != 0 {
		t.Fatalf("re-adding recorded effects added %d", len(added))
	}
	if err := again.Save(t0, "nothing"); err != nil || again.Head() != head {
		t.Fatalf("a save with nothing changed wrote %s (was %s): %v", again.Head(), head, err)
	}
	if seqs := []uint64{b.Records()[0].Seq, b.Records()[1].Seq, b.Records()[2].Seq}; !reflect.DeepEqual(seqs, []uint64{1, 2, 3}) {
		t.Fatalf("seqs %v", seqs)
	}
}

// TestSaveMergesAConcurrentWriter: two books loaded from the same commit
// both save; the second loses the compare-and-swap, merges and keeps both
// writers' records, a done record winning over its pending copy.
func TestSaveMergesAConcurrentWriter(t *testing.T) {
	s := newStore(t)
	b, _ := Load(s)
	b.Add([]Effect{effect("a", EventWaiting, "p/1")}, t0)
	if err := b.Save(t0, "one"); err != nil {
		t.Fatal(err)
	}
	x, _ := Load(s)
	y, _ := Load(s)
	r, _ := x.Get(KeyOf("a", EventWaiting, "fake"))
	r.State, r.Done, r.Receipt = StateDone, t0, &Receipt{Ref: "x"}
	x.Update(r)
	if err := x.Save(t0, "x"); err != nil {
		t.Fatal(err)
	}
	y.Add([]Effect{effect("b", EventWaiting, "p/2")}, t0)
	ry, _ := y.Get(KeyOf("a", EventWaiting, "fake"))
	ry.Attempts = 1
	y.Update(ry)
	if err := y.Save(t0, "y"); err != nil {
		t.Fatal(err)
	}
	z, _ := Load(s)
	if z.Len() != 2 {
		t.Fatalf("after both saves %d records, want 2", z.Len())
	}
	if ra, _ := z.Get(KeyOf("a", EventWaiting, "fake")); ra.State != StateDone {
		t.Fatalf("the done record lost to a pending copy: %+v", ra)
	}
	for _, subject := range []string{"a", "b"} {
		r, _ := z.Get(KeyOf(subject, EventWaiting, "fake"))
		if e, err := z.Effect(r); err != nil || e.Subject != subject {
			t.Fatalf("effect of %s after the merge: %+v, %v", subject, e, err)
		}
	}
}

func TestDeliverBacksOffWithJitterAndHonorsRetryAfter(t *testing.T) {
	now := t0
	tests := []struct {
		name     string
		err      error
		attempts int
		want     time.Duration
	}{
		{"first failure: base, upper half jittered", errors.New("500"), 1, 15*time.Second + 7*time.Second},
		{"third failure doubles twice", errors.New("500"), 3, 60*time.Second + 7*time.Second},
		{"capped at the max delay", errors.New("500"), 40, 30*time.Minute + 7*time.Second},
		{"retry-after longer than the backoff", retryErr{10 * time.Minute}, 1, 10 * time.Minute},
		{"retry-after shorter than the backoff", retryErr{time.Second}, 1, 15*time.Second + 7*time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Deliverer{Now: func() time.Time { return now }, Jitter: func(n time.Duration) time.Duration {
				if n <= 0 {
					t.Fatalf("jitter asked for %v", n)
				}
				return 7 * time.Second
			}, MaxDelay: time.Hour}
			if got := d.Backoff(tt.attempts, tt.err); got != tt.want {
				t.Fatalf("Backoff(%d, %v) = %v, want %v", tt.attempts, tt.err, got, tt.want)
			}
		})
	}
}

// TestDeliverRecordsFailuresAndRetriesWhenDue: a failing target leaves the
// effect pending with its error and next attempt; it is not tried again
// before that, a later effect of the same thread waits behind it, and
// Retry makes it due at once.
func TestDeliverRecordsFailuresAndRetriesWhenDue(t *testing.T) {
	s := newStore(t)
	now := t0
	fail := true
	n := &fakeNotifier{deliver: func(e Effect, thread []Receipt) (Receipt, error) {
		if fail {
			return Receipt{}, fmt.Errorf("post: connection reset (token xoxb-SECRET)")
		}
		return Receipt{Ref: fmt.Sprintf("%d-receipts", len(thread))}, nil
	}}
	d := &Deliverer{Notifiers: map[string]Notifier{"fake": n}, Now: func() time.Time { return now },
		Jitter: func(time.Duration) time.Duration { return 0 }, Secrets: []string{"xoxb-SECRET"}}
	b, _ := Load(s)
	b.Add([]Effect{effect("h", EventWaiting, "p/1"), effect("e", EventApplied, "p/1"), effect("o", EventWaiting, "p/2")}, now)
	res, err := d.Deliver(context.Background(), b)
	if err != nil || res.Failed != 2 || res.NotDue != 1 || res.Delivered != 0 || len(n.calls) != 2 {
		t.Fatalf("first round: %+v %v, calls %v", res, err, n.calls)
	}
	w, _ := b.Get(KeyOf("h", EventWaiting, "fake"))
	if w.Attempts != 1 || !strings.Contains(w.LastError, "connection reset") || strings.Contains(w.LastError, "SECRET") ||
		!w.NextAttempt.Equal(now.Add(15*time.Second)) {
		t.Fatalf("failed record: %+v", w)
	}
	now = now.Add(5 * time.Second)
	if res, _ := d.Deliver(context.Background(), b); len(n.calls) != 2 || res.NotDue != 3 {
		t.Fatalf("tried before its next attempt: %+v, calls %v", res, n.calls)
	}
	if missing := b.Retry(now, []string{w.Key[:12], "ffffffffffff"}); !reflect.DeepEqual(missing, []string{"ffffffffffff"}) {
		t.Fatalf("Retry missing %v", missing)
	}
	fail = false
	res, _ = d.Deliver(context.Background(), b)
	if res.Delivered != 2 || res.Pending != 1 {
		t.Fatalf("after retry: %+v, calls %v", res, n.calls)
	}
	applied, _ := b.Get(KeyOf("e", EventApplied, "fake"))
	if applied.State != StateDone || applied.Receipt.Ref != "1-receipts" {
		t.Fatalf("the thread's second effect did not get the first's receipt: %+v", applied)
	}
}

func TestDeliverStopsAtTheBudgetAndLeavesTheRestDue(t *testing.T) {
	s := newStore(t)
	clock := t0
	n := &fakeNotifier{deliver: func(e Effect, _ []Receipt) (Receipt, error) {
		clock = clock.Add(time.Second)
		return Receipt{Ref: e.Subject}, nil
	}}
	d := &Deliverer{Notifiers: map[string]Notifier{"fake": n}, Now: func() time.Time { return clock }, Budget: time.Hour}
	b, _ := Load(s)
	for i := range 3 {
		b.Add([]Effect{effect(fmt.Sprint(i), EventWaiting, fmt.Sprint("p/", i))}, clock)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n.deliver = func(e Effect, _ []Receipt) (Receipt, error) {
		cancel() // the budget runs out during the first delivery
		return Receipt{Ref: e.Subject}, nil
	}
	res, _ := d.Deliver(ctx, b)
	if res.Delivered != 1 || res.NotDue != 2 || res.Pending != 2 {
		t.Fatalf("%+v", res)
	}
	for _, r := range b.Pending() {
		if r.Attempts != 0 {
			t.Fatalf("a record not reached counts an attempt: %+v", r)
		}
	}
}

func TestCompactRemovesOnlyOldClosedThreads(t *testing.T) {
	s := newStore(t)
	b, _ := Load(s)
	mk := func(subject string, ev Event, thread string, done time.Time) {
		r := b.Add([]Effect{effect(subject, ev, thread)}, done)[0]
		if !done.IsZero() {
			r.State, r.Done, r.Receipt = StateDone, done, &Receipt{Ref: subject}
		}
	}
	old := t0.Add(-30 * 24 * time.Hour)
	mk("c1", EventWaiting, "closed-old", old)
	mk("c2", EventApplied, "closed-old", old)
	mk("n1", EventWaiting, "closed-new", t0.Add(-time.Hour))
	mk("n2", EventRejected, "closed-new", t0.Add(-time.Hour))
	mk("o1", EventWaiting, "open-old", old)
	mk("p1", EventWaiting, "pending", old)
	mk("p2", EventApplied, "pending", time.Time{})
	if got := b.Compact(t0, Compaction{}); got != 2 {
		t.Fatalf("removed %d, want 2", got)
	}
	if _, ok := b.Get(KeyOf("c1", EventWaiting, "fake")); ok {
		t.Fatal("old closed thread kept")
	}
	if got := b.Compact(t0, Compaction{MaxDone: 2}); got != 2 || b.Len() != 3 {
		t.Fatalf("over the cap: removed %d, left %d; want the closed thread gone, the open and pending ones kept", got, b.Len())
	}
	if err := b.Save(t0, "compact"); err != nil {
		t.Fatal(err)
	}
	if again, _ := Load(s); again.Len() != 3 {
		t.Fatalf("saved compaction: %d records", again.Len())
	}
}

// TestBeginMarksOnlyARecordedFirstAttempt: a delivery is a first attempt
// only when Begin recorded it as the record's first; a retry, or a
// delivery Begin did not mark, is not.
func TestBeginMarksOnlyARecordedFirstAttempt(t *testing.T) {
	s := newStore(t)
	now := t0
	var firsts []bool
	fail := true
	d := &Deliverer{Notifiers: map[string]Notifier{"fake": firstRecorder{&firsts, &fail}}, Now: func() time.Time { return now }}
	b, _ := Load(s)
	b.Add([]Effect{effect("a", EventApplied, "p/1")}, now)
	if got := d.Begin(b); got != 1 {
		t.Fatalf("Begin marked %d", got)
	}
	d.Deliver(context.Background(), b)
	now = now.Add(time.Hour)
	d.Begin(b)
	fail = false
	d.Deliver(context.Background(), b)
	b.Add([]Effect{effect("b", EventApplied, "p/2")}, now)
	d.begun = nil
	d.Deliver(context.Background(), b)
	if !reflect.DeepEqual(firsts, []bool{true, false, false}) {
		t.Fatalf("first attempts %v, want [true false false]", firsts)
	}
	if r, _ := b.Get(KeyOf("a", EventApplied, "fake")); r.Started != 2 || r.Attempts != 1 {
		t.Fatalf("record %+v", r)
	}
}

type firstRecorder struct {
	firsts *[]bool
	fail   *bool
}

func (f firstRecorder) Target() string { return "fake" }
func (f firstRecorder) Deliver(ctx context.Context, e Effect, _ []Receipt) (Receipt, error) {
	*f.firsts = append(*f.firsts, FirstAttempt(ctx))
	if *f.fail {
		return Receipt{}, errors.New("down")
	}
	return Receipt{Ref: e.Subject}, nil
}

// TestLayoutGrowsAndShrinks: past PerFile records the outbox splits into
// one file per first hex digit, and back into one file when compaction
// shrinks it; every record and effect reads back each time, and a file
// rewritten for one change keeps the records it held.
func TestLayoutGrowsAndShrinks(t *testing.T) {
	s := newStore(t)
	b, _ := Load(s)
	var effects []Effect
	for i := range PerFile + 200 {
		effects = append(effects, effect(fmt.Sprint("s", i), EventApplied, fmt.Sprint("p/", i)))
	}
	b.Add(effects[:10], t0)
	if err := b.Save(t0, "small"); err != nil {
		t.Fatal(err)
	}
	b.Add(effects[10:], t0)
	if err := b.Save(t0, "big"); err != nil {
		t.Fatal(err)
	}
	files, _ := s.ListFiles(b.Head(), "")
	if len(files) != 32 || !strings.HasPrefix(files[0], "effects-") {
		t.Fatalf("after growing: %d files %v", len(files), files[:min(len(files), 3)])
	}
	check := func(want int) {
		t.Helper()
		again, err := Load(s)
		if err != nil || again.Len() != want {
			t.Fatalf("loaded %d records, want %d: %v", again.Len(), want, err)
		}
		for _, r := range again.Records() {
			if e, err := again.Effect(r); err != nil || e.Key != r.Key || e.Subject == "" {
				t.Fatalf("effect of %s: %+v %v", r.Key, e, err)
			}
		}
	}
	check(PerFile + 200)
	// One record marked done rewrites its state file only, whole.
	r := b.Records()[0]
	r.State, r.Done, r.Receipt = StateDone, t0, &Receipt{Ref: "x"}
	b.Update(r)
	if err := b.Save(t0, "one done"); err != nil {
		t.Fatal(err)
	}
	check(PerFile + 200)
	// Compaction shrinks it back to one file of each.
	for _, r := range b.Records()[:300] {
		r.Event, r.State, r.Done, r.Receipt = EventApplied, StateDone, t0.Add(-30*24*time.Hour), &Receipt{Ref: "x"}
		b.Update(r)
	}
	if n := b.Compact(t0, Compaction{}); n != 300 {
		t.Fatalf("compacted %d", n)
	}
	if err := b.Save(t0, "compact"); err != nil {
		t.Fatal(err)
	}
	files, _ = s.ListFiles(b.Head(), "")
	if !reflect.DeepEqual(files, []string{"effects.json", "state.tsv"}) {
		t.Fatalf("after shrinking: %v", files)
	}
	check(PerFile - 100)
}

// TestDirectMessageEffectLoadsUnderItsKey: a direct message is keyed by
// its recipient as well as its target (KeyFor); a book read back admits
// it under that key, as it admits a thread's effect under KeyOf.
func TestDirectMessageEffectLoadsUnderItsKey(t *testing.T) {
	s := newStore(t)
	b, err := Load(s)
	if err != nil {
		t.Fatal(err)
	}
	reply := effect("e1", EventEscalated, "p/1")
	dm := reply
	dm.Recipient = &Actor{Identity: "carol", Role: "security", TargetID: "U0CAROL"}
	dm.Key = KeyOf(dm.Subject, dm.Event, DirectTarget(dm.Target, "carol"))
	if dm.KeyFor() != dm.Key || reply.KeyFor() != reply.Key || dm.Key == reply.Key {
		t.Fatalf("KeyFor: reply %s, direct message %s", reply.KeyFor(), dm.KeyFor())
	}
	b.Add([]Effect{reply, dm}, t0)
	if err := b.Save(t0, "record"); err != nil {
		t.Fatal(err)
	}
	again, err := Load(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Records()) != 2 {
		t.Fatalf("%d records read back", len(again.Records()))
	}
	for _, r := range again.Records() {
		e, err := again.Effect(r)
		if err != nil {
			t.Fatalf("effect %s: %v", r.Key, err)
		}
		if r.Key == dm.Key && (e.Recipient == nil || e.Recipient.Identity != "carol") {
			t.Fatalf("the direct message read back as %+v", e)
		}
	}
	forged := dm
	forged.Recipient = &Actor{Identity: "mallory", TargetID: "U0MALLORY"}
	if forged.KeyFor() == dm.Key {
		t.Fatal("a direct message to someone else has the same key")
	}
}
