package reconciler

import (
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// escalateRepo is the release example whose ship transition escalates to
// role security after 4h (and times out after 3d), with a clock the test
// moves.
func escalateRepo(t *testing.T) (*Engine, *fakeClock) {
	t.Helper()
	return shipRepoWith(t, "    timeout: 3d\n    on_timeout: reject\n    escalate:\n      - after: 4h\n        roles: [security]\n")
}

// TestReconcileEscalatesAWait: a proposal recorded as waiting escalates
// once the clock passes its step, not before and only once; after the
// escalate entry carol's approval (role security, not sre) counts under
// sre-pair, so the proposal applies with alice's; replay on a fresh clone
// gives the same state.
func TestReconcileEscalatesAWait(t *testing.T) {
	e, clock := escalateRepo(t)
	ship := toShippable(t, e)
	if rep := reconcile(t, e, 0); len(rep.Waited) != 1 {
		t.Fatalf("reconcile wrote %d waits, want 1", len(rep.Waited))
	}
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	approveAs(t, e, "alice", name)
	approveAs(t, e, "carol", name)
	l, err := e.Load()
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.ListWaiting(l, clock.t)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Wait == nil || list[0].Wait.NextEscalation == nil ||
		!list[0].Wait.NextEscalation.At.Equal(list[0].Wait.Since.Add(4*time.Hour)) ||
		!strings.Contains(list[0].Wait.String(), "; escalates to role security at "+list[0].Wait.Since.Add(4*time.Hour).Format(time.RFC3339)+" (step 1 of transition ship)") {
		t.Fatalf("pending does not say when the wait escalates: %+v", list)
	}
	since := list[0].Wait.Since
	clock.t = since.Add(4*time.Hour - time.Minute)
	if rep := reconcile(t, e, 0); len(rep.Waited) != 0 {
		t.Fatalf("a minute before the step: %d entries written", len(rep.Waited))
	}
	clock.t = since.Add(4*time.Hour + time.Minute)
	rep := reconcile(t, e, 0)
	if len(rep.Waited) != 1 || rep.Waited[0].Gate.Entry.Kind != core.KindEscalate ||
		!strings.Contains(rep.Waited[0].Gate.Outcome.Reason, "escalated to role security at "+since.Add(4*time.Hour+time.Minute).Format("2006-01-02T15:04")) {
		t.Fatalf("past the step: %+v", rep.Waited)
	}
	w, ok := rep.State.WaitOf(ship.Path)
	if !ok || len(w.Escalated) != 1 || w.Escalated[0].Step != 1 {
		t.Fatalf("the wait after the escalation: %+v %v", w, ok)
	}
	c, err := e.Store.Commit(rep.Waited[0].Commit)
	if err != nil {
		t.Fatal(err)
	}
	if c.NumParents() != 1 {
		t.Fatalf("escalate entry has %d parents, want 1", c.NumParents())
	}
	if rec, err := wal.Decode(c.Message); err != nil || rec.Entry.Kind != core.KindEscalate || rec.Entry.Path != ship.Path {
		t.Fatalf("the escalate entry's message: %+v %v", rec.Entry, err)
	}
	l, err = e.Load()
	if err != nil {
		t.Fatal(err)
	}
	if list, err := e.ListWaiting(l, clock.t); err != nil || len(list) != 1 || !strings.Contains(list[0].Wait.String(), "escalated to role security at "+since.Add(4*time.Hour+time.Minute).Format("2006-01-02T15:04")) || list[0].Wait.NextEscalation != nil {
		t.Fatalf("pending after the escalation: %+v %v", list, err)
	}
	// The next run applies ship: carol counts through the escalation.
	rep = reconcile(t, e, 1)
	got := rep.Applied[0]
	if got.Gate.Entry.Kind != core.KindTransition || got.Gate.Outcome.Status != core.StatusApplied {
		t.Fatalf("applied %s: %s: %s", got.Gate.Entry.Kind, got.Gate.Outcome.Status, got.Gate.Outcome.Reason)
	}
	var sb strings.Builder
	got.Gate.Outcome.Policy.Render(&sb)
	if !strings.Contains(sb.String(), "counted: carol (through escalation step 1 (security))") {
		t.Fatalf("the explanation does not say carol counted through escalation:\n%s", sb.String())
	}
	if len(rep.State.Waits()) != 0 {
		t.Fatalf("still waiting: %+v", rep.State.Waits())
	}
	clock.t = clock.t.Add(time.Hour)
	if rep := reconcile(t, e, 0); len(rep.Waited) != 0 {
		t.Fatal("an applied proposal escalates again")
	}
	res := mustReplay(t, e, ReplayOptions{IgnoreCheckpoint: true})
	if res.State.Hash() != rep.State.Hash() {
		t.Fatalf("replay %s, reconcile %s", res.State.Hash(), rep.State.Hash())
	}
	clone := cloneOf(t, e)
	if res := mustReplay(t, clone, ReplayOptions{IgnoreCheckpoint: true}); res.State.Hash() != rep.State.Hash() {
		t.Fatalf("replay on a clone %s, reconcile %s", res.State.Hash(), rep.State.Hash())
	}
}

// TestReplayRefusesEarlyEscalation: an escalate entry whose clock is
// before the wait's start plus the step's after is refused by replay,
// although the reconciler's key signed it.
func TestReplayRefusesEarlyEscalation(t *testing.T) {
	e, clock := escalateRepo(t)
	toShippable(t, e)
	reconcile(t, e, 0)
	clock.t = clock.t.Add(5 * time.Hour)
	rep := reconcile(t, e, 0)
	if len(rep.Waited) != 1 {
		t.Fatalf("wrote %d entries, want the escalation", len(rep.Waited))
	}
	// pending now lists carol (security) among who may approve for sre-pair.
	l, err := e.Load()
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.ListWaiting(l, clock.t)
	if err != nil || len(list) != 1 || len(list[0].Needs) != 1 || strings.Join(list[0].Needs[0].From, ",") != "alice,bob,carol" {
		t.Fatalf("pending after the escalation: %+v %v", list, err)
	}
	c, err := e.Store.Commit(rep.Waited[0].Commit)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := wal.Decode(c.Message)
	if err != nil {
		t.Fatal(err)
	}
	rec.Entry.HLC.Wall -= (2 * time.Hour).Milliseconds() // 3h after the wait began
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
	wantTamper(t, err, "not due")
}

// cloneOf returns an engine on a bare clone of e's repository, every
// branch included.
func cloneOf(t *testing.T, e *Engine) *Engine {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "clone")
	if out, err := exec.Command("git", "clone", "-q", "--bare", "--no-local", e.Store.GitDir(), dir).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	cs, err := gitstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &Engine{Store: cs, Keys: e.Keys, Now: e.Now}
}

// TestReconcileTimesOutToATransition: with on_timeout: cancel on ship, the
// reconciler's timeout entry moves web-1 along cancel (approved →
// cancelled) once the clock passes the deadline; pending said so before;
// replay agrees.
func TestReconcileTimesOutToATransition(t *testing.T) {
	raw, err := fs.ReadFile(fixtures.Release(), "workflows/release.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const ship = "    policy: release-approval\n    materiality: high\n"
	wf := strings.Replace(string(raw), ship, ship+"    timeout: 1h\n    on_timeout: cancel\n", 1)
	e := newRepoFrom(t, map[string]string{"workflows/release.yaml": wf})
	clock := &fakeClock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	e.Now = clock.Now
	toShippable(t, e)
	reconcile(t, e, 0)
	l, err := e.Load()
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.ListWaiting(l, clock.t)
	if err != nil || len(list) != 1 || list[0].Wait == nil || !strings.Contains(list[0].Wait.String(), "(timeout of transition ship, on_timeout: cancel)") {
		t.Fatalf("pending: %+v %v", list, err)
	}
	clock.t = list[0].Wait.Since.Add(time.Hour + time.Minute)
	rep := reconcile(t, e, 1)
	got := rep.Applied[0]
	if got.Gate.Entry.Kind != core.KindTimeout || !strings.Contains(got.Gate.Outcome.Reason, "on_timeout: cancel: approved → cancelled") {
		t.Fatalf("applied a %s entry: %s", got.Gate.Entry.Kind, got.Gate.Outcome.Reason)
	}
	if in, _ := instanceOf(t, rep.State, "web-1"); in.State != "cancelled" {
		t.Fatalf("web-1 in %s, want cancelled", in.State)
	}
	if res := mustReplay(t, e, ReplayOptions{IgnoreCheckpoint: true}); res.State.Hash() != rep.State.Hash() {
		t.Fatalf("replay %s, reconcile %s", res.State.Hash(), rep.State.Hash())
	}
}
