package reconciler

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

func TestHumanInTheLoopEndToEnd(t *testing.T) {
	e, _ := newRepo(t)
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)

	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	p, err := e.Pending(res.State.Rules(), res.Head, name)
	if err != nil {
		t.Fatal(err)
	}
	if g := gateOn(t, e, res, p, core.HLC{Wall: 1 << 50}); g.Verdict != intake.VerdictWaiting {
		t.Fatalf("ship without approvals: %s (%s)", g.Verdict, g.Reason)
	}
	approveAs(t, e, "alice", name)
	if _, err := e.Approve(ApproveRequest{As: "deploy-agent", Proposal: name}); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "author cannot approve") {
		t.Fatalf("self-approval: %v", err)
	}
	if _, err := e.Approve(ApproveRequest{As: "bob", Proposal: name, Reject: true}); !errors.Is(err, ErrRefused) {
		t.Fatalf("rejection without justification: %v", err)
	}
	reconcile(t, e, 0)
	approveAs(t, e, "bob", name)
	rep := reconcile(t, e, 1)

	in, _ := instanceOf(t, rep.State, "web-1")
	if in.State != "released" {
		t.Fatalf("web-1 is %s after ship", in.State)
	}
	// The entry records both approvals, and replay from scratch agrees.
	c, _ := e.Store.Commit(rep.Applied[0].Commit)
	rec, err := wal.Decode(c.Message)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Entry.Decisions) != 2 || rec.Roles["alice"] != "sre" || rec.Roles["bob"] != "sre" {
		t.Fatalf("recorded decisions %+v roles %v", rec.Entry.Decisions, rec.Roles)
	}
	if c.NumParents() != 2 || c.ParentHashes[1] != ship.Commit && c.ParentHashes[1].IsZero() {
		t.Fatalf("entry parents %v", c.ParentHashes)
	}
	full := mustReplay(t, e, ReplayOptions{Collect: true})
	fromCP := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	if full.State.Hash() != rep.State.Hash() || fromCP.State.Hash() != full.State.Hash() {
		t.Fatalf("hashes differ: reconcile %s, full replay %s, checkpoint replay %s", rep.State.Hash(), full.State.Hash(), fromCP.State.Hash())
	}
	// Genesis, five transitions, ship's wait (the first reconcile after
	// the proposal recorded it) and ship.
	if len(full.Entries) != 8 || fromCP.Replayed != 0 {
		t.Fatalf("full replay saw %d entries, checkpoint replay %d", len(full.Entries), fromCP.Replayed)
	}
}

func TestApprovalOnOlderContentDoesNotCount(t *testing.T) {
	e, keys := newRepo(t)
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	approveAs(t, e, "alice", name)
	approveAs(t, e, "bob", name)
	// The proposer changes the proposal after both approvals.
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	p, _ := e.Pending(res.State.Rules(), res.Head, name)
	edited := append([]byte(nil), p.Files[p.Path]...)
	edited = []byte(strings.Replace(string(edited), "CHG-1", "CHG-2", 1))
	signer, _ := keys.Signer("deploy-agent")
	msg, _ := wal.FormatMessage("edit ship", "", nil)
	c, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{p.Head}, Files: map[string][]byte{p.Path: edited},
		Message: msg, Author: e.signature(nil, "deploy-agent"), Committer: e.signature(nil, "deploy-agent"), Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.CompareAndSwap("refs/heads/"+p.Branch, p.Head, c); err != nil {
		t.Fatal(err)
	}
	p, _ = e.Pending(res.State.Rules(), res.Head, name)
	g := gateOn(t, e, res, p, core.HLC{Wall: 1 << 50})
	if g.Verdict != intake.VerdictWaiting || !strings.Contains(g.Reason, "older commit") {
		t.Fatalf("after an edit: %s (%s)", g.Verdict, g.Reason)
	}
	reconcile(t, e, 0)
}

func TestForgedDecisionIsIgnored(t *testing.T) {
	e, keys := newRepo(t)
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	approveAs(t, e, "alice", name)
	// bob's key signs a decision that claims to be carol... and one that
	// claims to be alice again.
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	p, _ := e.Pending(res.State.Rules(), res.Head, name)
	d := p.Decisions[0]
	d.Identity = "bob"
	msg, _ := wal.DecisionMessage(p.Path, d)
	msg = strings.Replace(msg, "Writ-Identity: bob", "Writ-Identity: alice", 1)
	signer, _ := keys.Signer("bob")
	head, _ := e.Store.Commit(p.Head)
	c, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{p.Head}, BaseTree: head.TreeHash, Message: msg,
		Author: e.signature(nil, "bob"), Committer: e.signature(nil, "bob"), Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.CompareAndSwap("refs/heads/"+p.Branch, p.Head, c); err != nil {
		t.Fatal(err)
	}
	p, _ = e.Pending(res.State.Rules(), res.Head, name)
	if len(p.Ignored) != 1 || !strings.Contains(p.Ignored[0].Reason, "signed by bob but claims to be alice") {
		t.Fatalf("ignored = %+v", p.Ignored)
	}
	if g := gateOn(t, e, res, p, core.HLC{Wall: 1 << 50}); g.Verdict != intake.VerdictWaiting {
		t.Fatalf("forged decision counted: %s", g.Verdict)
	}
}

func TestCompareAndSwapRace(t *testing.T) {
	e, _ := newRepo(t)
	propose(t, e, "deploy-agent", "create", nil)
	// A second reconciler on the same repository wins the race: it moves
	// main between our read and our write. Simulate by applying first.
	other := &Engine{Store: e.Store, Keys: e.Keys, Now: e.Now}
	reconcile(t, other, 1)
	// Now a proposal made against the old state... and a fresh one.
	propose(t, e, "deploy-agent", "verify", nil)
	rep := reconcile(t, e, 1)
	if rep.Races != 0 {
		t.Fatalf("unexpected races %d", rep.Races)
	}
	// Direct CAS with a stale expectation fails with ErrRefMoved.
	err := e.Store.CompareAndSwap(gitstore.MainRef, plumbing.ZeroHash, rep.Head)
	if !errors.Is(err, gitstore.ErrRefMoved) {
		t.Fatalf("CAS on a moved main: %v", err)
	}
}

func TestStaleAndDuplicateProposals(t *testing.T) {
	e, _ := newRepo(t)
	propose(t, e, "deploy-agent", "create", nil)
	reconcile(t, e, 1)
	// Two proposals from the same base: the first applied makes the other
	// stale.
	propose(t, e, "deploy-agent", "verify", nil)
	propose(t, e, "deploy-agent", "cancel", nil)
	rep := reconcile(t, e, 1)
	if len(rep.Skipped) != 1 || rep.Skipped[0].Outcome.Status != core.StatusStale {
		t.Fatalf("skipped %+v", rep.Skipped)
	}
	if !strings.Contains(rep.Skipped[0].Reason, "propose again") {
		t.Fatalf("stale reason %q does not say how to refresh", rep.Skipped[0].Reason)
	}
}

func TestBadProposalDoesNotBlockOthers(t *testing.T) {
	e, keys := newRepo(t)
	main, _ := e.Store.Ref(gitstore.MainRef)
	signer, _ := keys.Signer("deploy-agent")
	msg, _ := wal.FormatMessage("bad", "", nil)
	bad, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{main},
		Files:   map[string][]byte{"proposals/web-9/bad.yaml": []byte("instance: web-9\nworkflow: release\ntransition: [oops\n")},
		Message: msg, Author: e.signature(nil, "deploy-agent"), Committer: e.signature(nil, "deploy-agent"), Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.CompareAndSwap("refs/heads/proposals/web-9/bad", plumbing.ZeroHash, bad); err != nil {
		t.Fatal(err)
	}
	propose(t, e, "deploy-agent", "create", nil)
	rep := reconcile(t, e, 1)
	if len(rep.Skipped) != 1 || rep.Skipped[0].Verdict != intake.VerdictRefused || !strings.Contains(rep.Skipped[0].Reason, "proposals/web-9/bad.yaml:3") {
		t.Fatalf("bad proposal: %+v", rep.Skipped)
	}
}

func TestNumericInputsReplayExactly(t *testing.T) {
	e, _ := newRepo(t)
	propose(t, e, "deploy-agent", "create", map[string]any{"build": 12345678901234567, "ratio": 0.1, "tags": []any{"a", 2}})
	rep := reconcile(t, e, 1)
	full := mustReplay(t, e, ReplayOptions{})
	if full.State.Hash() != rep.State.Hash() {
		t.Fatalf("replay %s != reconcile %s", full.State.Hash(), rep.State.Hash())
	}
}

func TestOverrideIsRecordedAndReplays(t *testing.T) {
	e, _ := newRepo(t)
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	if _, err := e.Approve(ApproveRequest{As: "bob", Proposal: name, Override: true, Justification: "x"}); !errors.Is(err, ErrRefused) {
		t.Fatalf("override without the capability: %v", err)
	}
	if _, err := e.Approve(ApproveRequest{As: "alice", Proposal: name, Override: true}); !errors.Is(err, ErrRefused) {
		t.Fatalf("override without a justification: %v", err)
	}
	if _, err := e.Approve(ApproveRequest{As: "alice", Proposal: name, Override: true, Justification: "outage INC-7"}); err != nil {
		t.Fatal(err)
	}
	rep := reconcile(t, e, 1)
	c, _ := e.Store.Commit(rep.Head)
	rec, err := wal.Decode(c.Message)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Override != "alice" || !strings.Contains(c.Message, "Writ-Override: alice") {
		t.Fatalf("override not flagged in the entry:\n%s", c.Message)
	}
	full := mustReplay(t, e, ReplayOptions{Collect: true})
	last := full.Entries[len(full.Entries)-1]
	if last.Outcome.Override != "alice" || full.State.Hash() != rep.State.Hash() {
		t.Fatalf("replay: override %q, hash %s vs %s", last.Outcome.Override, full.State.Hash(), rep.State.Hash())
	}
}
