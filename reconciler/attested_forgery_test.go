package reconciler

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/replay"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// closedEntry is a reject or withdraw entry at main's head, as a test of
// the attested path starts from.
type closedEntry struct {
	e                    *Engine
	kind                 core.EntryKind
	entry, head, subject plumbing.Hash
	parent               plumbing.Hash // main before the entry
	ref                  string        // replay.ClosedRef of its proposal
	justification        string
}

// closeShip reconciles web-1's ship proposal closed by a rejection (alice)
// or a withdrawal (its proposer).
func closeShip(t *testing.T, kind core.EntryKind) closedEntry {
	t.Helper()
	var (
		e    *Engine
		ship *Proposed
		rep  *ReconcileReport
		just string
	)
	switch kind {
	case core.KindReject:
		e, ship, rep = rejectShip(t)
		just = "wrong ticket"
	case core.KindWithdraw:
		e, ship, rep = withdrawShip(t)
		just = "superseded by ship-2"
	default:
		t.Fatalf("closeShip: kind %s closes nothing", kind)
	}
	entry := rep.Applied[0].Commit
	c, err := e.Store.Commit(entry)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := replay.ClosedRef(kind, ship.Path)
	if err != nil {
		t.Fatal(err)
	}
	return closedEntry{e: e, kind: kind, entry: entry, head: rep.Applied[0].Gate.Pending.Head, subject: ship.Commit,
		parent: c.ParentHashes[0], ref: ref, justification: just}
}

// forge rewrites the entry as the reconciler's key alone can: another head,
// decision commits nobody signed, another justification, and, when
// subject is not zero, another Writ-Subject.
func (ce closedEntry) forge(t *testing.T, subject plumbing.Hash) plumbing.Hash {
	t.Helper()
	decisionRef := regexp.MustCompile(`ref=[0-9a-f]{40}`)
	return rewriteEntry(t, ce.e, ce.entry, func(m string) string {
		m = strings.Replace(m, "@"+ce.head.String(), "@"+strings.Repeat("1", 40), 1)
		m = decisionRef.ReplaceAllString(m, "ref="+strings.Repeat("2", 40))
		if !subject.IsZero() {
			m = strings.ReplaceAll(m, ce.subject.String(), subject.String())
		}
		return strings.ReplaceAll(m, ce.justification, "forged")
	}, ce.parent)
}

// dropObjects deletes refs, then every object nothing reaches any more.
func dropObjects(t *testing.T, e *Engine, refs ...string) *Engine {
	t.Helper()
	for _, ref := range refs {
		gitExec(t, e, nil, nil, "update-ref", "-d", ref)
	}
	gitExec(t, e, nil, nil, "reflog", "expire", "--expire=now", "--all")
	gitExec(t, e, nil, nil, "gc", "-q", "--prune=now")
	store, err := gitstore.Open(e.Store.Dir())
	if err != nil {
		t.Fatal(err)
	}
	return &Engine{Store: store, Keys: e.Keys, Now: e.Now}
}

// TestReplayRefusesForgedAttestedClosing: an entry that closes a proposal
// rests on the reconciler's word only where the evidence is absent. The
// reconciler's key alone cannot make replay accept a rejection or a
// withdrawal by naming a head nobody has while the evidence is present:
// the evidence ref (refs/writ/rejected/, refs/writ/withdrawn/) names
// another head, or the proposal commit named does not verify.
func TestReplayRefusesForgedAttestedClosing(t *testing.T) {
	tests := []struct {
		name   string
		forge  func(t *testing.T, ce closedEntry) *Engine
		tamper func(ce closedEntry) string
	}{
		{"another head and decisions, the evidence ref present", func(t *testing.T, ce closedEntry) *Engine {
			ce.forge(t, plumbing.ZeroHash)
			return ce.e
		}, func(ce closedEntry) string { return ce.ref + " holds " + ce.head.String() }},
		{"another head, decisions and proposal commit, the evidence ref present", func(t *testing.T, ce closedEntry) *Engine {
			ce.forge(t, plumbing.NewHash(strings.Repeat("3", 40)))
			return ce.e
		}, func(ce closedEntry) string { return ce.ref + " holds " + ce.head.String() }},
		{"the evidence gone, a proposal commit its proposer did not sign", func(t *testing.T, ce closedEntry) *Engine {
			// Writ-Subject names main's previous entry, which the
			// reconciler signed: it is present, so it must verify.
			ce.forge(t, ce.parent)
			return dropObjects(t, ce.e, ce.ref)
		}, func(ce closedEntry) string {
			return "proposal commit " + ce.parent.String()[:7] + " is signed by writ-bot"
		}},
	}
	for _, kind := range []core.EntryKind{core.KindReject, core.KindWithdraw} {
		for _, tt := range tests {
			t.Run(string(kind)+": "+tt.name, func(t *testing.T) {
				ce := closeShip(t, kind)
				e := tt.forge(t, ce)
				res, err := e.Replay(ReplayOptions{IgnoreCheckpoint: true, Collect: true})
				if err == nil {
					last := res.Entries[len(res.Entries)-1]
					t.Fatalf("replay accepted the forged %s entry (attested %v)", kind, last.Attested)
				}
				wantTamper(t, err, tt.tamper(ce))
			})
		}
	}
}

// TestReplayAttestsClosingWithoutEvidence: where the evidence is absent,
// a rejection or withdrawal still replays on the reconciler's word, as
// before: on a plain clone (no refs/writ/), and on a repository that kept
// the proposal commit but not the head, where the proposal commit is
// verified.
func TestReplayAttestsClosingWithoutEvidence(t *testing.T) {
	for _, kind := range []core.EntryKind{core.KindReject, core.KindWithdraw} {
		t.Run(string(kind)+": plain clone", func(t *testing.T) {
			ce := closeShip(t, kind)
			dir := filepath.Join(t.TempDir(), "clone")
			if out, err := exec.Command("git", "clone", "-q", "--bare", "--no-local", ce.e.Store.Dir(), dir).CombinedOutput(); err != nil {
				t.Fatalf("git clone: %v: %s", err, out)
			}
			store, err := gitstore.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := store.Ref(ce.ref); err == nil {
				t.Fatalf("the plain clone has %s; the test cannot show the attested path", ce.ref)
			}
			if _, err := store.Commit(ce.head); err == nil {
				t.Fatal("the plain clone has the closed head; the test cannot show the attested path")
			}
			clone := &Engine{Store: store, Keys: ce.e.Keys, Now: ce.e.Now}
			res := mustReplay(t, clone, ReplayOptions{Collect: true, IgnoreCheckpoint: true})
			if last := res.Entries[len(res.Entries)-1]; last.Commit != ce.entry || !last.Attested {
				t.Fatalf("last entry %s attested %v, want %s on the reconciler's word", last.Commit, last.Attested, ce.entry)
			}
		})
		t.Run(string(kind)+": the proposal commit kept, the head gone", func(t *testing.T) {
			ce := closeShip(t, kind)
			keep := "refs/heads/keep-subject"
			gitExec(t, ce.e, nil, nil, "update-ref", keep, ce.subject.String())
			e := dropObjects(t, ce.e, ce.ref)
			if _, err := e.Store.Commit(ce.head); err == nil {
				t.Fatal("the closed head is still here; the test cannot show the attested path")
			}
			res := mustReplay(t, e, ReplayOptions{Collect: true, IgnoreCheckpoint: true})
			last := res.Entries[len(res.Entries)-1]
			if last.Commit != ce.entry || !last.Attested || last.Proposer.Identity != "deploy-agent" {
				t.Fatalf("last entry %s attested %v proposer %q, want %s on the reconciler's word with its proposal commit verified",
					last.Commit, last.Attested, last.Proposer.Identity, ce.entry)
			}
			// An entry that names another proposer is refused: its
			// proposal commit is here and says who signed it.
			rewriteEntry(t, e, ce.entry, func(m string) string {
				return strings.Replace(m, wal.KeyProposer+": deploy-agent", wal.KeyProposer+": alice", 1)
			}, ce.parent)
			_, err := e.Replay(ReplayOptions{IgnoreCheckpoint: true})
			wantTamper(t, err, "is signed by deploy-agent")
		})
	}
}

// TestRemoteLostRaceLeavesNoStaleEvidence: a reconciler whose push of a
// withdrawal loses the race leaves no evidence ref of its own behind. The
// winner judged another head (the proposer withdrew again meanwhile); a
// stale local ref naming the loser's head would contradict the winner's
// entry, and replay would refuse the log.
func TestRemoteLostRaceLeavesNoStaleEvidence(t *testing.T) {
	r := newRemote(t)
	r.propose(t, "web-1")
	if _, err := r.seed.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin"}); err != nil {
		t.Fatal(err)
	}
	p, err := r.seed.Propose(ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
		Instance: "web-1", Workflow: "release", Transition: "verify"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.seed.Store.PushCAS(context.Background(), "origin", "refs/heads/"+p.Branch, plumbing.ZeroHash, p.Commit); err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(p.Branch, "proposals/")
	withdraw := func(old plumbing.Hash, why string) plumbing.Hash {
		h, err := r.seed.Withdraw(WithdrawRequest{As: "deploy-agent", Proposal: name, Justification: why})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.seed.Store.PushCAS(context.Background(), "origin", "refs/heads/"+p.Branch, old, h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	first := withdraw(p.Commit, "not needed")
	ref, err := replay.ClosedRef(core.KindWithdraw, p.Path)
	if err != nil {
		t.Fatal(err)
	}
	a, b := r.clone(t), r.clone(t)
	var second plumbing.Hash
	rep, err := a.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin",
		Crash: func(cp CrashPoint) error {
			if cp == CrashAfterCommitBeforePush && second.IsZero() {
				second = withdraw(first, "not needed, really")
				if _, err := b.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin"}); err != nil {
					t.Errorf("b: %v", err)
				}
			}
			return nil
		}})
	if err != nil {
		t.Fatalf("a after losing the race: %v", err)
	}
	if rep.Races != 1 || len(rep.Applied) != 0 {
		t.Fatalf("a: %d races, applied %d; want one lost race and nothing applied", rep.Races, len(rep.Applied))
	}
	if _, err := a.Replay(ReplayOptions{IgnoreCheckpoint: true}); err != nil {
		t.Errorf("replay of a's repository: %v", err)
	}
	if got, err := a.Store.Ref(ref); err == nil && got != second {
		t.Fatalf("a's %s = %s after losing the race, want absent or the winner's head %s", ref, got, second)
	}
}

// TestRemoteCrashLeavesNoStaleEvidence: a reconciler that stops after
// writing a withdrawal locally, before pushing it, follows the remote's
// evidence ref on its next run: the winner judged another head, which a
// ref left naming the unpublished entry's head would contradict.
func TestRemoteCrashLeavesNoStaleEvidence(t *testing.T) {
	r := newRemote(t)
	r.propose(t, "web-1")
	ctx := context.Background()
	if _, err := r.seed.ReconcileWith(ctx, ReconcileOptions{Remote: "origin"}); err != nil {
		t.Fatal(err)
	}
	p, err := r.seed.Propose(ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
		Instance: "web-1", Workflow: "release", Transition: "verify"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.seed.Store.PushCAS(ctx, "origin", "refs/heads/"+p.Branch, plumbing.ZeroHash, p.Commit); err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(p.Branch, "proposals/")
	withdraw := func(old plumbing.Hash, why string) plumbing.Hash {
		h, err := r.seed.Withdraw(WithdrawRequest{As: "deploy-agent", Proposal: name, Justification: why})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.seed.Store.PushCAS(ctx, "origin", "refs/heads/"+p.Branch, old, h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	first := withdraw(p.Commit, "not needed")
	ref, err := replay.ClosedRef(core.KindWithdraw, p.Path)
	if err != nil {
		t.Fatal(err)
	}
	a, b := r.clone(t), r.clone(t)
	_, err = a.ReconcileWith(ctx, ReconcileOptions{Remote: "origin", Crash: func(cp CrashPoint) error {
		if cp == CrashAfterCommitBeforePush {
			return errStop
		}
		return nil
	}})
	if !errors.Is(err, errStop) {
		t.Fatalf("a: %v, want the crash", err)
	}
	if got, _ := a.Store.Ref(ref); got != first {
		t.Fatalf("a's %s = %s before pushing, want %s", ref, got, first)
	}
	second := withdraw(first, "not needed, really")
	if _, err := b.ReconcileWith(ctx, ReconcileOptions{Remote: "origin"}); err != nil {
		t.Fatalf("b: %v", err)
	}
	if _, err := a.ReconcileWith(ctx, ReconcileOptions{Remote: "origin"}); err != nil {
		t.Fatalf("a after the crash: %v", err)
	}
	if _, err := a.Replay(ReplayOptions{IgnoreCheckpoint: true}); err != nil {
		t.Errorf("replay of a's repository: %v", err)
	}
	if got, err := a.Store.Ref(ref); err != nil || got != second {
		t.Fatalf("a's %s = %s (%v) after the crash, want the remote's %s", ref, got, err, second)
	}
}
