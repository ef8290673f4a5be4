package reconciler

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/wal"
)

// timeoutRepo is the release example whose ship transition times out
// after 3d (on_timeout: reject), with a clock the test moves.
func timeoutRepo(t *testing.T) (*Engine, *fakeClock) {
	t.Helper()
	return shipRepoWith(t, "    timeout: 3d\n    on_timeout: reject\n")
}

// shipRepoWith is the release example with lines added to its ship
// transition (after its policy and materiality), with a clock the test
// moves, starting 2026-11-23 10:00 UTC.
func shipRepoWith(t *testing.T, lines string) (*Engine, *fakeClock) {
	t.Helper()
	raw, err := fs.ReadFile(fixtures.Release(), "workflows/release.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const ship = "    policy: release-approval\n    materiality: high\n"
	if !strings.Contains(string(raw), ship) {
		t.Fatal("the release example's ship transition changed: update this test")
	}
	wf := strings.Replace(string(raw), ship, ship+lines, 1)
	e := newRepoFrom(t, map[string]string{"workflows/release.yaml": wf})
	clock := &fakeClock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	e.Now = clock.Now
	return e, clock
}

// TestReconcileTimesOutAWait: a proposal recorded as waiting is rejected
// by the clock once its transition's timeout has passed since its wait
// entry, not before: the reconciler writes one timeout entry (the idem_key
// consumed as rejected, the wait ended, the branch pruned) and replay on a
// fresh clone accepts it.
func TestReconcileTimesOutAWait(t *testing.T) {
	e, clock := timeoutRepo(t)
	ship := toShippable(t, e)
	if rep := reconcile(t, e, 0); len(rep.Waited) != 1 {
		t.Fatalf("reconcile wrote %d waits, want 1", len(rep.Waited))
	}
	l, err := e.Load()
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.ListWaiting(l, clock.t)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Wait == nil || list[0].Wait.Deadline == nil ||
		!list[0].Wait.Deadline.Equal(list[0].Wait.Since.Add(72*time.Hour)) || list[0].Wait.TimeoutBy != "transition ship" ||
		!strings.Contains(list[0].Wait.String(), "; times out at ") {
		t.Fatalf("pending does not say when the wait times out: %+v", list)
	}
	clock.t = clock.t.Add(71 * time.Hour)
	if rep := reconcile(t, e, 0); len(rep.Waited) != 0 {
		t.Fatalf("71h into a 3d timeout: %d waits written", len(rep.Waited))
	}
	clock.t = clock.t.Add(2 * time.Hour)
	rep := reconcile(t, e, 1)
	got := rep.Applied[0]
	if got.Gate.Entry.Kind != core.KindTimeout || got.Gate.Outcome.Status != core.StatusRejected ||
		!strings.Contains(got.Gate.Outcome.Reason, "longer than the 72h0m0s timeout of transition ship") {
		t.Fatalf("applied a %s entry: %s: %s", got.Gate.Entry.Kind, got.Gate.Outcome.Status, got.Gate.Outcome.Reason)
	}
	if len(rep.State.Waits()) != 0 || len(rep.Skipped) != 0 {
		t.Fatalf("still waiting after the timeout: %v; skipped %+v", rep.State.Waits(), rep.Skipped)
	}
	in, _ := instanceOf(t, rep.State, "web-1")
	if in.State != "approved" || in.Keys[got.Gate.Entry.IdemKey] != "rejected" {
		t.Fatalf("web-1 in %s with keys %v, want approved and the ship key rejected", in.State, in.Keys)
	}
	if len(rep.Pruned) != 1 || !strings.Contains(rep.Pruned[0].Reason, "timed out (rejected) by entry") {
		t.Fatalf("pruned %+v", rep.Pruned)
	}
	c, err := e.Store.Commit(got.Commit)
	if err != nil {
		t.Fatal(err)
	}
	if c.NumParents() != 1 {
		t.Fatalf("timeout entry has %d parents, want 1", c.NumParents())
	}
	if _, err := e.Store.ReadFile(got.Commit, ship.Path); err != nil {
		t.Fatalf("the timeout entry does not close the proposal on main: %v", err)
	}
	res := mustReplay(t, e, ReplayOptions{IgnoreCheckpoint: true})
	if res.State.Hash() != rep.State.Hash() {
		t.Fatalf("replay %s, reconcile %s", res.State.Hash(), rep.State.Hash())
	}
	if rep := reconcile(t, e, 0); len(rep.Waited) != 0 {
		t.Fatal("a closed proposal waits again")
	}
}

// TestReplayRefusesEarlyTimeout: a timeout entry whose clock is before the
// wait's start plus the declared timeout is refused by replay, although
// the reconciler's key signed it.
func TestReplayRefusesEarlyTimeout(t *testing.T) {
	e, clock := timeoutRepo(t)
	toShippable(t, e)
	reconcile(t, e, 0)
	clock.t = clock.t.Add(73 * time.Hour)
	rep := reconcile(t, e, 1)
	c, err := e.Store.Commit(rep.Applied[0].Commit)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := wal.Decode(c.Message)
	if err != nil {
		t.Fatal(err)
	}
	rec.Entry.HLC.Wall -= (2 * time.Hour).Milliseconds() // 71h after the wait began
	rules := rep.State.Rules()
	id := rules.Config.Reconciler.Identity
	signer, err := e.Keys.Signer(id)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := wal.Encode(rec)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: c.ParentHashes, BaseTree: c.TreeHash, Message: msg,
		Author: e.signature(rules, id), Committer: e.signature(rules, id), Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.CompareAndSwap(gitstore.MainRef, c.Hash, forged); err != nil {
		t.Fatal(err)
	}
	_, err = e.Replay(ReplayOptions{IgnoreCheckpoint: true})
	wantTamper(t, err, "not timed out")
}
