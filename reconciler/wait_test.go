package reconciler

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// waitShip walks web-1 to "approved", proposes ship (which needs two sre
// approvals) and reconciles: the run writes the wait entry and applies
// nothing.
func waitShip(t *testing.T) (*Engine, *Proposed, *ReconcileReport) {
	t.Helper()
	e, _ := newRepo(t)
	ship := toShippable(t, e)
	rep := reconcile(t, e, 0)
	if len(rep.Waited) != 1 {
		t.Fatalf("reconcile wrote %d wait entries, want 1", len(rep.Waited))
	}
	return e, ship, rep
}

// TestReconcileRecordsWait: a proposal that needs a human is recorded as
// waiting, once: a one-parent entry on main that adds nothing, since its
// clock, with the rules it needs; a rerun writes nothing; the approved
// proposal applies (the wait made nothing stale) and its wait ends; replay
// from scratch verifies every entry and gives the reconciler's state.
func TestReconcileRecordsWait(t *testing.T) {
	e, ship, rep := waitShip(t)
	head, err := e.mainHead()
	if err != nil {
		t.Fatal(err)
	}
	if a := rep.Waited[0]; a.Commit != head || a.Gate.Entry.Kind != core.KindWait {
		t.Fatalf("main is %s, the wait entry %s (%s)", head, a.Commit, a.Gate.Entry.Kind)
	}
	c, err := e.Store.Commit(head)
	if err != nil {
		t.Fatal(err)
	}
	parent, err := e.Store.Commit(c.ParentHashes[0])
	if err != nil {
		t.Fatal(err)
	}
	if c.NumParents() != 1 || c.TreeHash != parent.TreeHash {
		t.Fatalf("wait entry has %d parents and tree %s, want one parent and its tree %s", c.NumParents(), c.TreeHash, parent.TreeHash)
	}
	rec, err := wal.Decode(c.Message)
	if err != nil {
		t.Fatal(err)
	}
	if rec.ProposalPath != ship.Path || rec.ProposalHead != ship.Commit.String() ||
		strings.Join(rec.WaitingFor, "|") != "policy release-approval rule sre-pair needs 2" {
		t.Fatalf("wait entry names %s@%s waiting for %q", rec.ProposalPath, rec.ProposalHead, rec.WaitingFor)
	}
	w, ok := rep.State.WaitOf(ship.Path)
	if !ok || w.Since != rec.Entry.HLC || w.Content != rec.Entry.Subject.Content {
		t.Fatalf("state's wait %+v (%v), want one since %s", w, ok, rec.Entry.HLC)
	}

	again := reconcile(t, e, 0)
	if len(again.Waited) != 0 || again.Head != head {
		t.Fatalf("a rerun wrote %d wait entries, main %s (was %s)", len(again.Waited), again.Head, head)
	}

	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	approveAs(t, e, "alice", name)
	approveAs(t, e, "bob", name)
	done := reconcile(t, e, 1)
	if len(done.Waited) != 0 || len(done.State.Waits()) != 0 {
		t.Fatalf("after the apply: %d new waits, %v still waiting", len(done.Waited), done.State.Waits())
	}

	res := mustReplay(t, e, ReplayOptions{Collect: true})
	if res.State.Hash() != done.State.Hash() {
		t.Fatalf("replay gives %s, the reconcile %s", res.State.Hash(), done.State.Hash())
	}
	var waits int
	for _, v := range res.Entries {
		if v.Record.Entry.Kind == core.KindWait {
			waits++
			if v.Attested || v.Outcome.Status != core.StatusAwaiting {
				t.Fatalf("wait entry verified as %s, attested %v", v.Outcome.Status, v.Attested)
			}
		}
	}
	if waits != 1 {
		t.Fatalf("replay verified %d wait entries, want 1", waits)
	}
}

// TestReconcileWaitAfterCrash: a run that dies after writing the wait
// entry but before main moved leaves no wait; the next run writes it,
// once.
func TestReconcileWaitAfterCrash(t *testing.T) {
	e, _ := newRepo(t)
	toShippable(t, e)
	before, _ := e.mainHead()
	boom := errors.New("killed")
	_, err := e.ReconcileWith(t.Context(), ReconcileOptions{Crash: func(p CrashPoint) error {
		if p == CrashAfterCommitBeforeCAS {
			return boom
		}
		return nil
	}})
	if !errors.Is(err, boom) {
		t.Fatalf("reconcile: %v, want the crash", err)
	}
	if h, _ := e.mainHead(); h != before {
		t.Fatal("main moved in a run that died before the compare-and-swap")
	}
	if rep := reconcile(t, e, 0); len(rep.Waited) != 1 {
		t.Fatalf("the run after the crash wrote %d waits, want 1", len(rep.Waited))
	}
	if rep := reconcile(t, e, 0); len(rep.Waited) != 0 {
		t.Fatalf("the next run wrote %d waits, want none", len(rep.Waited))
	}
}

// TestReplayRefusesForgedWait: replay re-judges every wait entry: a second
// wait for unchanged content, Writ-Waiting-For that are not the rules the
// proposal needs, a wait that changes main's tree or merges the proposal
// are refused, although the reconciler's key signed them.
func TestReplayRefusesForgedWait(t *testing.T) {
	tests := []struct {
		name   string
		forge  func(t *testing.T, e *Engine, c *object.Commit, rec *wal.Record, req *gitstore.CommitRequest)
		reason string
	}{
		{"a second wait for the same content", func(t *testing.T, e *Engine, c *object.Commit, rec *wal.Record, req *gitstore.CommitRequest) {
			req.Parents = []plumbing.Hash{c.Hash}
			rec.Entry.HLC.Wall++
			rec.StatePre = rec.StatePost
		}, "does not apply: duplicate"},
		{"other rules", func(t *testing.T, e *Engine, c *object.Commit, rec *wal.Record, req *gitstore.CommitRequest) {
			rec.WaitingFor = []string{"policy release-approval rule sre-pair needs 1"}
		}, "Writ-Waiting-For says"},
		{"adds the proposal file", func(t *testing.T, e *Engine, c *object.Commit, rec *wal.Record, req *gitstore.CommitRequest) {
			req.Files = map[string][]byte{rec.ProposalPath: []byte("x")}
		}, "changes no file"},
		{"merges the proposal", func(t *testing.T, e *Engine, c *object.Commit, rec *wal.Record, req *gitstore.CommitRequest) {
			req.Parents = append(req.Parents, plumbing.NewHash(rec.ProposalHead))
		}, "a wait entry has one parent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, rep := waitShip(t)
			c, err := e.Store.Commit(rep.Waited[0].Commit)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := wal.Decode(c.Message)
			if err != nil {
				t.Fatal(err)
			}
			rules := rep.State.Rules()
			id := rules.Config.Reconciler.Identity
			signer, err := e.Keys.Signer(id)
			if err != nil {
				t.Fatal(err)
			}
			req := gitstore.CommitRequest{Parents: c.ParentHashes, Author: e.signature(rules, id), Committer: e.signature(rules, id), Signer: signer}
			tt.forge(t, e, c, &rec, &req)
			if req.Message, err = wal.Encode(rec); err != nil {
				t.Fatal(err)
			}
			forged, err := e.Store.WriteCommit(req)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Store.CompareAndSwap(gitstore.MainRef, c.Hash, forged); err != nil {
				t.Fatal(err)
			}
			_, err = e.Replay(ReplayOptions{IgnoreCheckpoint: true})
			wantTamper(t, err, tt.reason)
		})
	}
}

// TestReplayWaitOnClone: a clone of main alone (without the proposal
// branch, so without the waiting proposal's commits) replays the wait on
// the reconciler's word and gives the same state; a full clone verifies
// the proposal commit too.
func TestReplayWaitOnClone(t *testing.T) {
	e, _, rep := waitShip(t)
	for _, tt := range []struct {
		name     string
		args     []string
		attested bool
	}{
		{"main only", []string{"--single-branch", "--branch", "main"}, true},
		{"every branch", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "clone")
			args := append(append([]string{"clone", "-q", "--bare", "--no-local"}, tt.args...), e.Store.GitDir(), dir)
			if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
				t.Fatalf("git clone: %v\n%s", err, out)
			}
			cs, err := gitstore.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			res := mustReplay(t, &Engine{Store: cs, Keys: e.Keys, Now: e.Now}, ReplayOptions{IgnoreCheckpoint: true, Collect: true})
			if res.State.Hash() != rep.State.Hash() || len(res.State.Waits()) != 1 {
				t.Fatalf("replay on the clone: %s with %d waits, want %s with 1", res.State.Hash(), len(res.State.Waits()), rep.State.Hash())
			}
			last := res.Entries[len(res.Entries)-1]
			if last.Record.Entry.Kind != core.KindWait || last.Attested != tt.attested {
				t.Fatalf("last entry %s attested %v, want a wait attested %v", last.Record.Entry.Kind, last.Attested, tt.attested)
			}
		})
	}
}
