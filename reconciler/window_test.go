package reconciler

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// The times of the window tests: the release example with ship allowed
// only Monday to Thursday, 09:00-17:00 in Berlin, and frozen over the
// year's end; verify (no policy) Monday to Friday.
var (
	thursdayMorning = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)  // 10:00 CET
	fridayEvening   = time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC) // 18:00 CET
	mondayMorning   = time.Date(2026, 12, 7, 8, 30, 0, 0, time.UTC) // 09:30 CET
	inTheFreeze     = time.Date(2026, 12, 22, 9, 0, 0, 0, time.UTC) // a Tuesday, 10:00 CET
)

const shipWindows = `    windows:
      - days: [mon, tue, wed, thu]
        hours: "09:00-17:00"
        zone: Europe/Berlin
    freeze:
      - from: 2026-12-20
        to: 2027-01-04
        zone: Europe/Berlin
        reason: year-end
`

// windowTemplate is the release example with windows on ship and verify,
// and carol (security, not an SRE) holding the override capability.
func windowTemplate(t *testing.T) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(fixtures.Release(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fixtures.Release(), path)
		m[path] = &fstest.MapFile{Data: b, Mode: 0o644}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	wf := string(m["workflows/release.yaml"].Data)
	wf = strings.Replace(wf, "    guards:\n      - input: change_ticket\n        exists: true\n",
		"    guards:\n      - input: change_ticket\n        exists: true\n"+shipWindows, 1)
	wf = strings.Replace(wf, "  - name: verify\n    from: [draft]\n    to: verifying\n",
		"  - name: verify\n    from: [draft]\n    to: verifying\n    windows:\n      - days: [mon, tue, wed, thu, fri]\n        hours: \"09:00-17:00\"\n        zone: Europe/Berlin\n", 1)
	if !strings.Contains(wf, "year-end") || !strings.Contains(wf, "mon, tue, wed, thu, fri") {
		t.Fatal("the release example changed: the window template no longer applies")
	}
	m["workflows/release.yaml"].Data = []byte(wf)
	cfg := string(m["writ.yaml"].Data)
	cfg = strings.Replace(cfg, "roles: [security]\n    capabilities: [approve]", "roles: [security]\n    capabilities: [approve, override]", 1)
	if !strings.Contains(cfg, "[approve, override]") {
		t.Fatal("the release example's writ.yaml changed")
	}
	m["writ.yaml"].Data = []byte(cfg)
	return m
}

// newWindowRepo makes a control repo from windowTemplate with a clock the
// test sets.
func newWindowRepo(t *testing.T) (*Engine, *fakeClock) {
	t.Helper()
	store, err := gitstore.Init(filepath.Join(t.TempDir(), "control"))
	if err != nil {
		t.Fatal(err)
	}
	keys := local.KeyDir{Dir: filepath.Join(t.TempDir(), "keys")}
	clock := &fakeClock{t: thursdayMorning}
	e := &Engine{Store: store, Keys: keys, Now: clock.Now}
	if _, err := e.Init(windowTemplate(t), keys); err != nil {
		t.Fatal(err)
	}
	return e, clock
}

// shipApproved walks web-1 to approved on Thursday morning, then, at
// when, proposes ship and has alice and bob approve it.
func shipApproved(t *testing.T, e *Engine, clock *fakeClock, when time.Time) string {
	t.Helper()
	clock.t = thursdayMorning
	p := toShippable(t, e)
	clock.t = when
	name := strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix)
	approveAs(t, e, "alice", name)
	approveAs(t, e, "bob", name)
	return name
}

// skippedReason is the one skipped proposal's explanation.
func skippedReason(t *testing.T, rep *ReconcileReport) string {
	t.Helper()
	if len(rep.Skipped) != 1 {
		t.Fatalf("skipped %d proposals, want 1", len(rep.Skipped))
	}
	return rep.Skipped[0].Reason
}

// TestWindowHoldsUntilInside: an approved proposal outside its window is
// not rejected: it waits, says when the next window opens, and applies on
// the first reconcile whose clock is inside; replay accepts the entry.
func TestWindowHoldsUntilInside(t *testing.T) {
	e, clock := newWindowRepo(t)
	shipApproved(t, e, clock, fridayEvening)
	rep := reconcile(t, e, 0)
	g := rep.Skipped[0]
	want := "window: outside window mon-thu 09:00-17:00 Europe/Berlin; the next window opens 2026-12-07T09:00+01:00"
	if g.Verdict != intake.VerdictWaiting || skippedReason(t, rep) != want {
		t.Fatalf("friday evening: %s: %q, want waiting: %q", g.Verdict, g.Reason, want)
	}
	// Still waiting a minute before Monday's opening.
	clock.t = time.Date(2026, 12, 7, 7, 58, 0, 0, time.UTC)
	if r := skippedReason(t, reconcile(t, e, 0)); !strings.Contains(r, "the next window opens 2026-12-07T09:00+01:00") {
		t.Fatalf("before the opening: %q", r)
	}
	clock.t = mondayMorning
	rep = reconcile(t, e, 1)
	out := rep.Applied[0].Gate.Outcome
	if out.Override != "" || !hasGuard(out.Guards, core.GuardWindow, true, "at 2026-12-07T09:30+01:00: inside window mon-thu 09:00-17:00 Europe/Berlin, no freeze") {
		t.Fatalf("monday: guards %+v override %q", out.Guards, out.Override)
	}
	c, err := e.Store.Commit(rep.Applied[0].Commit)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Message, "Writ-Guard: window pass at 2026-12-07T09:30+01:00") {
		t.Fatalf("the entry does not record the window guard:\n%s", c.Message)
	}
	res := mustReplay(t, e, ReplayOptions{})
	if in, _ := instanceOf(t, res.State, "web-1"); in.State != "released" {
		t.Fatalf("replayed web-1 is %s", in.State)
	}
}

// TestFreezeHoldsAndNoPolicyWindow: inside a freeze the explanation says
// until when and why; a transition without a policy waits for its window
// too.
func TestFreezeHoldsAndNoPolicyWindow(t *testing.T) {
	e, clock := newWindowRepo(t)
	shipApproved(t, e, clock, inTheFreeze)
	want := "window: frozen until 2027-01-05T00:00+01:00 (year-end); the next window opens 2027-01-05T09:00+01:00"
	if r := skippedReason(t, reconcile(t, e, 0)); r != want {
		t.Fatalf("in the freeze: %q, want %q", r, want)
	}

	e2, clock2 := newWindowRepo(t)
	propose(t, e2, "deploy-agent", "create", nil)
	reconcile(t, e2, 1)
	clock2.t = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC) // Saturday
	propose(t, e2, "deploy-agent", "verify", nil)
	if r := skippedReason(t, reconcile(t, e2, 0)); r != "window: outside window mon-fri 09:00-17:00 Europe/Berlin; the next window opens 2026-12-07T09:00+01:00" {
		t.Fatalf("saturday verify: %q", r)
	}
	clock2.t = mondayMorning
	reconcile(t, e2, 1)
}

// TestWindowOverride: a break-glass override lets an approved proposal
// through outside its window; the entry flags it (Writ-Override and the
// window guard name the overrider and the justification) and replays.
func TestWindowOverride(t *testing.T) {
	e, clock := newWindowRepo(t)
	name := shipApproved(t, e, clock, fridayEvening)
	// bob holds no override capability: refused before anything is written.
	if _, err := e.Approve(ApproveRequest{As: "bob", Proposal: name, Override: true, Justification: "x"}); err == nil {
		t.Fatal("bob's override was recorded")
	}
	if _, err := e.Approve(ApproveRequest{As: "carol", Proposal: name, Override: true, Justification: "INC-7: prod is down"}); err != nil {
		t.Fatal(err)
	}
	rep := reconcile(t, e, 1)
	out := rep.Applied[0].Gate.Outcome
	wantGuard := "outside window mon-thu 09:00-17:00 Europe/Berlin; the next window opens 2026-12-07T09:00+01:00; window overridden by carol: INC-7: prod is down"
	if out.Override != "carol" || !hasGuard(out.Guards, core.GuardWindow, true, wantGuard) || !strings.HasPrefix(out.Reason, "OVERRIDE by carol: ") {
		t.Fatalf("override not flagged: %q %q %+v", out.Override, out.Reason, out.Guards)
	}
	c, err := e.Store.Commit(rep.Applied[0].Commit)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Message, "Writ-Override: carol") || !strings.Contains(c.Message, "window overridden by carol: INC-7: prod is down") {
		t.Fatalf("the entry does not flag the override:\n%s", c.Message)
	}
	res := mustReplay(t, e, ReplayOptions{Collect: true})
	if last := res.Entries[len(res.Entries)-1]; last.Outcome.Override != "carol" {
		t.Fatalf("replay: override %q", last.Outcome.Override)
	}
}

// TestReplayRefusesEntryOutsideWindow: an entry whose clock is outside
// its transition's window, without an override, does not replay (a
// forger, or a reconciler whose clock was set back, cannot slip one in).
func TestReplayRefusesEntryOutsideWindow(t *testing.T) {
	e, clock := newWindowRepo(t)
	shipApproved(t, e, clock, mondayMorning)
	rep := reconcile(t, e, 1)
	entry := rep.Applied[0].Commit
	c, err := e.Store.Commit(entry)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := wal.Decode(c.Message)
	if err != nil {
		t.Fatal(err)
	}
	outside := core.HLC{Wall: fridayEvening.UnixMilli()}.String()
	rewriteEntry(t, e, entry, func(msg string) string {
		return strings.Replace(msg, wal.KeyHLC+": "+rec.Entry.HLC.String(), wal.KeyHLC+": "+outside, 1)
	}, c.ParentHashes...)
	if err := e.Store.DeleteRef(gitstore.CheckpointRef); err != nil {
		t.Fatal(err)
	}
	_, err = e.Replay(ReplayOptions{})
	wantTamper(t, err, "window: outside window mon-thu 09:00-17:00 Europe/Berlin")
}

func hasGuard(gs []core.GuardResult, name string, passed bool, detail string) bool {
	for _, g := range gs {
		if g.Name == name && g.Passed == passed && strings.Contains(g.Detail, detail) {
			return true
		}
	}
	return false
}
