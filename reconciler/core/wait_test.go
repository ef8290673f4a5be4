package core

import (
	"reflect"
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
)

// shipPath is the proposal path the wait tests record ship proposals at.
const shipPath = "proposals/r1/ship.yaml"

// waitState returns a shippable state, a ship proposal on it (which its
// policy makes wait for two sre approvals), and the state after its wait
// entry.
func waitState(t *testing.T, b *builder) (State, Entry, State) {
	t.Helper()
	s := shippable(t, b)
	ship := b.transition(s, "agent", "r1", "ship")
	b.wall++
	w := WaitEntry(ship, shipPath)
	w.HLC = HLC{Wall: b.wall}
	return s, ship, mustApply(t, s, w, StatusAwaiting)
}

func reject(who string) policies.Decision {
	return policies.Decision{Identity: who, Verdict: policies.VerdictReject, Commit: "c0ffee", Content: "sha256:aa", Ref: "ref-r-" + who}
}

// TestWaitRecorded: a wait entry records the proposal, its start and the
// rules it needs, changes no instance hash (the waiting proposal stays
// applicable), and changes the state hash.
func TestWaitRecorded(t *testing.T) {
	b := &builder{t: t}
	s, ship, waited := waitState(t, b)
	if got, want := hashIn(waited, "r1"), hashIn(s, "r1"); got != want {
		t.Fatalf("a wait changed the instance hash: %s, was %s", got, want)
	}
	if waited.Hash() == s.Hash() {
		t.Fatal("a wait did not change the state hash")
	}
	ws := waited.Waits()
	if len(ws) != 1 {
		t.Fatalf("waits %v, want one", ws)
	}
	want := Wait{Base: hashIn(s, "r1"), Commit: "c0ffee", Content: "sha256:aa", IdemKey: ship.IdemKey, Instance: "r1",
		Path: shipPath, Policy: "release-approval", Proposer: "agent", Rules: []string{"sre-pair needs 2"},
		Since: waited.Clock().HLC, Transition: "ship", Workflow: "release"}
	if !reflect.DeepEqual(ws[0], want) {
		t.Fatalf("wait\n%+v\nwant\n%+v", ws[0], want)
	}
	// The waiting proposal still applies once approved: not stale.
	ship.HLC.Wall = b.wall + 1
	ship.Decisions = []policies.Decision{approve("alice"), approve("bob")}
	done := mustApply(t, waited, ship, StatusApplied)
	if len(done.Waits()) != 0 || done.waits != nil {
		t.Fatalf("the applied proposal still waits: %v", done.Waits())
	}
}

// TestWaitRefused: replay re-judges a wait entry, so one for a proposal
// that would not wait for a human is refused and changes nothing.
func TestWaitRefused(t *testing.T) {
	b := &builder{t: t}
	s := shippable(t, b)
	at := func(e Entry, path string) Entry {
		b.wall++
		w := WaitEntry(e, path)
		w.HLC = HLC{Wall: b.wall}
		return w
	}
	ship := b.transition(s, "agent", "r1", "ship")
	noTicket := b.transition(s, "agent", "r1", "ship")
	noTicket.Proposal.Inputs = nil
	stale := b.transition(s, "agent", "r1", "ship")
	stale.Proposal.BaseState = "sha256:00"
	cancel := b.transition(s, "agent", "r1", "cancel")
	withDecision := at(ship, shipPath)
	withDecision.Decisions = []policies.Decision{approve("alice")}
	applied := b.transition(s, "agent", "r1", "ship", approve("alice"), approve("bob"))
	after := mustApply(t, s, applied, StatusApplied)
	noContent := at(ship, shipPath)
	noContent.Subject.Content = ""
	early := at(ship, shipPath)
	early.HLC = HLC{Wall: 1}
	tests := []struct {
		name   string
		s      State
		e      Entry
		reason string
	}{
		{"no policy: nothing to wait for", s, at(cancel, "proposals/r1/cancel.yaml"), "does not wait for a human: applied"},
		{"a guard fails", s, at(noTicket, shipPath), "does not wait for a human: refused"},
		{"stale", s, at(stale, shipPath), "does not wait for a human: stale"},
		{"closed: its key is consumed", after, at(applied, shipPath), "does not wait for a human: duplicate"},
		{"decisions recorded", s, withDecision, "records no decisions"},
		{"another instance's path", s, at(ship, "proposals/r2/ship.yaml"), "not a proposal of instance r1"},
		{"not a proposal path", s, at(ship, "ship.yaml"), "not a proposal of instance r1"},
		{"no content hash", s, noContent, "content hash"},
		{"clock not after the last entry", s, early, "does not wait for a human: refused: stamp"},
		{"no proposal", s, Entry{Kind: KindWait, HLC: HLC{Wall: 999}, Path: shipPath}, "carries no proposal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, out := full(tt.s, tt.e)
			if out.Status != StatusRefused || !strings.Contains(out.Reason, tt.reason) {
				t.Fatalf("status %s (%s), want refused containing %q", out.Status, out.Reason, tt.reason)
			}
			if next.Hash() != tt.s.Hash() || len(next.Waits()) != len(tt.s.Waits()) {
				t.Fatal("a refused wait changed the state")
			}
		})
	}
}

// TestWaitEnds: a wait ends with an entry that applies, rejects or
// withdraws its proposal, or that changes its instance (every proposal
// waiting on it is then stale); an entry on another instance leaves it.
// A second wait with the same content is a duplicate; with new content it
// replaces the first and its start.
func TestWaitEnds(t *testing.T) {
	b := &builder{t: t}
	_, ship, waited := waitState(t, b)
	next := func(e Entry, ds ...policies.Decision) Entry {
		b.wall++
		e.HLC, e.Decisions = HLC{Wall: b.wall}, ds
		return e
	}
	rejected := next(ship, reject("bob"))
	rejected.Kind = KindReject
	other := b.transition(waited, "agent", "r9", "create")
	cancel := b.transition(waited, "alice", "r1", "cancel")
	tests := []struct {
		name  string
		e     Entry
		want  Status
		waits int
	}{
		{"applied", next(ship, approve("alice"), approve("bob")), StatusApplied, 0},
		{"rejected", rejected, StatusRejected, 0},
		{"withdrawn", asWithdraw(next(ship), withdrawal("agent")), StatusWithdrawn, 0},
		{"another proposal moves the instance", cancel, StatusApplied, 0},
		{"another instance moves", other, StatusApplied, 1},
		{"waited again, same content", next(WaitEntry(ship, shipPath)), StatusDuplicate, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustApply(t, waited, tt.e, tt.want)
			if n := len(got.Waits()); n != tt.waits {
				t.Fatalf("%d waits after %s, want %d", n, tt.want, tt.waits)
			}
			if tt.waits == 0 && got.waits != nil {
				t.Fatal("an empty table of waits is not nil: the state hash would differ from one that never waited")
			}
		})
	}
	t.Run("pushed: new content replaces the wait", func(t *testing.T) {
		pushed := next(WaitEntry(ship, shipPath))
		pushed.Subject = policies.Subject{Commit: "beef", Content: "sha256:bb"}
		got := mustApply(t, waited, pushed, StatusAwaiting)
		ws := got.Waits()
		if len(ws) != 1 || ws[0].Content != "sha256:bb" || ws[0].Since != pushed.HLC {
			t.Fatalf("waits %+v, want one on sha256:bb since %s", ws, pushed.HLC)
		}
	})
}

// TestWaitSnapshot: a checkpoint carries the waits; restoring it and
// applying on gives the state a replay from scratch gives.
func TestWaitSnapshot(t *testing.T) {
	b := &builder{t: t}
	_, ship, waited := waitState(t, b)
	files, err := waited.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	restored, err := Restore(files)
	if err != nil {
		t.Fatal(err)
	}
	if restored.Hash() != waited.Hash() || !reflect.DeepEqual(restored.Waits(), waited.Waits()) {
		t.Fatalf("restored %s %v, want %s %v", restored.Hash(), restored.Waits(), waited.Hash(), waited.Waits())
	}
	head, err := RestoreHead(files[SnapshotHead])
	if err != nil {
		t.Fatal(err)
	}
	if got, want := head.Needs(WaitEntry(ship, shipPath)), []byte{BucketOf("r1")}; !reflect.DeepEqual(got, want) {
		t.Fatalf("a wait entry on a restored head needs buckets %v, want %v", got, want)
	}
	b.wall++
	ship.HLC, ship.Decisions = HLC{Wall: b.wall}, []policies.Decision{approve("alice"), approve("bob")}
	a, b2 := mustApply(t, waited, ship, StatusApplied), mustApply(t, restored, ship, StatusApplied)
	if a.Hash() != b2.Hash() {
		t.Fatalf("after restore %s, from scratch %s", b2.Hash(), a.Hash())
	}
	// A head without waits is the head written before waits existed.
	plain, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(plain[SnapshotHead]), "waits") {
		t.Fatalf("a head without waits mentions them: %s", plain[SnapshotHead])
	}
	// A forged wait in a head does not restore.
	bad := SnapshotFiles{}
	for k, v := range files {
		bad[k] = v
	}
	bad[SnapshotHead] = []byte(strings.Replace(string(files[SnapshotHead]), "sre-pair needs 2", "sre-pair needs 1", 1))
	if _, err := Restore(bad); err == nil {
		t.Fatal("a head whose waits were changed restored")
	}
}
