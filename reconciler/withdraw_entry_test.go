package reconciler

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/replay"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// withdrawShip walks web-1 to "approved", proposes ship as deploy-agent,
// has it withdraw the proposal and reconciles: the withdraw entry is
// main's head.
func withdrawShip(t *testing.T) (*Engine, *Proposed, *ReconcileReport) {
	t.Helper()
	e, _ := newRepo(t)
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	if _, err := e.Withdraw(WithdrawRequest{As: "deploy-agent", Proposal: name, Justification: "superseded by ship-2"}); err != nil {
		t.Fatal(err)
	}
	rep := reconcile(t, e, 1)
	if k := rep.Applied[0].Gate.Entry.Kind; k != core.KindWithdraw {
		t.Fatalf("entry kind %s, want withdraw", k)
	}
	return e, ship, rep
}

// TestWithdrawEntryKeepsProposalOffMain: a withdraw entry has one parent;
// the proposal's commits are kept under refs/writ/withdrawn/, the branch
// is pruned, the idem_key is consumed as withdrawn and replay verifies
// the withdrawal commit.
func TestWithdrawEntryKeepsProposalOffMain(t *testing.T) {
	e, ship, rep := withdrawShip(t)
	entry := rep.Applied[0].Commit
	c, err := e.Store.Commit(entry)
	if err != nil {
		t.Fatal(err)
	}
	head := rep.Applied[0].Gate.Pending.Head
	if c.NumParents() != 1 {
		t.Fatalf("withdraw entry has parents %v, want one (main)", c.ParentHashes)
	}
	if ok, err := e.Store.IsAncestor(head, entry); err != nil || ok {
		t.Fatalf("the withdrawn head %s is an ancestor of main (%v)", head, err)
	}
	rec, err := wal.Decode(c.Message)
	if err != nil || rec.ProposalHead != head.String() || rec.Entry.Subject.Commit != ship.Commit.String() {
		t.Fatalf("entry names head %s subject %s (%v); want %s and %s", rec.ProposalHead, rec.Entry.Subject.Commit, err, head, ship.Commit)
	}
	if len(rec.Entry.Decisions) != 1 || rec.Entry.Decisions[0].Justification != "superseded by ship-2" {
		t.Fatalf("entry decisions %+v, want the withdrawal with its justification", rec.Entry.Decisions)
	}
	ref, err := replay.ClosedRef(core.KindWithdraw, ship.Path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.Store.Ref(ref); err != nil || got != head {
		t.Fatalf("%s = %s (%v), want the proposal's head %s", ref, got, err, head)
	}
	if _, err := e.Store.Ref("refs/heads/" + ship.Branch); !errors.Is(err, gitstore.ErrNoRef) {
		t.Fatalf("branch %s not pruned (%v)", ship.Branch, err)
	}
	if len(rep.Pruned) != 1 || !strings.Contains(rep.Pruned[0].Reason, "withdrawn by entry") {
		t.Fatalf("pruned %+v", rep.Pruned)
	}
	res := mustReplay(t, e, ReplayOptions{Collect: true})
	last := res.Entries[len(res.Entries)-1]
	if last.Commit != entry || last.Attested || last.Outcome.Status != core.StatusWithdrawn {
		t.Fatalf("last entry %s attested %v status %s; want the verified withdrawal %s", last.Commit, last.Attested, last.Outcome.Status, entry)
	}
	in, ok := instanceOf(t, res.State, "web-1")
	if !ok || in.State != "approved" || in.Keys[ship.Proposal.IdemKey] != "withdrawn" {
		t.Fatalf("web-1 after the withdrawal: %+v", in)
	}
}

// TestWithdrawEntryForms: replay refuses a withdraw entry that is not what
// a withdrawal commit says, exactly as it refuses such a rejection.
func TestWithdrawEntryForms(t *testing.T) {
	tests := []struct {
		name    string
		rewrite func(t *testing.T, e *Engine, entry, head, other plumbing.Hash)
		tamper  string
	}{
		{"one-parent transition entry", func(t *testing.T, e *Engine, entry, _, _ plumbing.Hash) {
			c, _ := e.Store.Commit(entry)
			rewriteEntry(t, e, entry, func(m string) string {
				return strings.Replace(m, wal.KeyKind+": withdraw", wal.KeyKind+": transition", 1)
			}, c.ParentHashes[0])
		}, "has 1 parents"},
		{"two-parent withdraw entry: GitHub would show it merged", func(t *testing.T, e *Engine, entry, head, _ plumbing.Hash) {
			c, _ := e.Store.Commit(entry)
			rewriteEntry(t, e, entry, nil, c.ParentHashes[0], head)
		}, "a withdraw entry has one parent"},
		{"evidence that does not hold the proposal commit", func(t *testing.T, e *Engine, entry, head, other plumbing.Hash) {
			c, _ := e.Store.Commit(entry)
			rewriteEntry(t, e, entry, func(m string) string {
				return strings.Replace(m, "@"+head.String(), "@"+other.String(), 1)
			}, c.ParentHashes[0])
		}, "does not descend from the proposal commit"},
		{"a withdrawal by someone else than its commit's signer", func(t *testing.T, e *Engine, entry, _, _ plumbing.Hash) {
			c, _ := e.Store.Commit(entry)
			rewriteEntry(t, e, entry, func(m string) string {
				return strings.Replace(m, ": deploy-agent verdict=withdraw", ": alice verdict=withdraw", 1)
			}, c.ParentHashes[0])
		}, "does not match the recorded withdraw by alice"},
		{"another justification", func(t *testing.T, e *Engine, entry, _, _ plumbing.Hash) {
			c, _ := e.Store.Commit(entry)
			rewriteEntry(t, e, entry, func(m string) string {
				return strings.Replace(m, "superseded by ship-2", "forged", 1)
			}, c.ParentHashes[0])
		}, "does not match the recorded withdraw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, rep := withdrawShip(t)
			entry, head := rep.Applied[0].Commit, rep.Applied[0].Gate.Pending.Head
			c, _ := e.Store.Commit(entry)
			tt.rewrite(t, e, entry, head, c.ParentHashes[0])
			_, err := e.Replay(ReplayOptions{IgnoreCheckpoint: true})
			wantTamper(t, err, tt.tamper)
		})
	}
}

// TestWithdrawRefusesWhoCouldNeverCount: an agent never withdraws what
// someone else proposed, and nothing is written.
func TestWithdrawRefusesWhoCouldNeverCount(t *testing.T) {
	e, _ := newRepo(t)
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	if _, err := e.Approve(ApproveRequest{As: "alice", Proposal: name}); err != nil {
		t.Fatal(err)
	}
	for _, req := range []WithdrawRequest{
		{As: "writ-bot", Proposal: name, Justification: "tidy"},
		{As: "mallory", Proposal: name, Justification: "tidy"},
		{As: "deploy-agent", Proposal: name},
	} {
		before, _ := e.Store.Ref("refs/heads/" + ship.Branch)
		if _, err := e.Withdraw(req); !errors.Is(err, ErrRefused) {
			t.Fatalf("withdraw %+v: %v, want refused", req, err)
		}
		if after, _ := e.Store.Ref("refs/heads/" + ship.Branch); after != before {
			t.Fatalf("withdraw %+v wrote to the branch", req)
		}
	}
}

// TestPruneDecisionRefs: pruning a closed proposal's branch deletes its
// decision ref too (applied, rejected and withdrawn alike); every counted
// decision stays reachable, so replay, after a gc, still verifies.
func TestPruneDecisionRefs(t *testing.T) {
	for _, close := range []string{"approve", "reject", "withdraw"} {
		t.Run(close, func(t *testing.T) {
			e, _ := newRepo(t)
			ship := toShippable(t, e)
			name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
			var err error
			switch close {
			case "approve":
				_, err = e.Approve(ApproveRequest{As: "alice", Proposal: name})
				if err == nil {
					_, err = e.Approve(ApproveRequest{As: "bob", Proposal: name})
				}
			case "reject":
				_, err = e.Approve(ApproveRequest{As: "alice", Proposal: name, Reject: true, Justification: "no"})
			case "withdraw":
				_, err = e.Withdraw(WithdrawRequest{As: "deploy-agent", Proposal: name, Justification: "not needed"})
			}
			if err != nil {
				t.Fatal(err)
			}
			ref := wal.DecisionRef(ship.Branch)
			if _, err := e.Store.Ref(ref); err != nil {
				t.Fatalf("no decision ref %s before the reconcile: %v", ref, err)
			}
			rep := reconcile(t, e, 1)
			if len(rep.Pruned) != 1 {
				t.Fatalf("pruned %+v", rep.Pruned)
			}
			if _, err := e.Store.Ref(ref); !errors.Is(err, gitstore.ErrNoRef) {
				t.Fatalf("decision ref %s not pruned with its branch (%v)", ref, err)
			}
			gitExec(t, e, nil, nil, "reflog", "expire", "--expire=now", "--all")
			gitExec(t, e, nil, nil, "gc", "-q", "--prune=now")
			store, err := gitstore.Open(e.Store.Dir())
			if err != nil {
				t.Fatal(err)
			}
			fresh := &Engine{Store: store, Keys: e.Keys, Now: e.Now}
			res := mustReplay(t, fresh, ReplayOptions{Collect: true, IgnoreCheckpoint: true})
			if last := res.Entries[len(res.Entries)-1]; last.Attested {
				t.Fatal("after the prune the entry rests on the reconciler's word")
			}
		})
	}
}

// TestWithdrawACreatingProposal: withdrawing a proposal that would create
// its instance writes a withdraw entry (the instance still does not
// exist, before and after), and the log replays.
func TestWithdrawACreatingProposal(t *testing.T) {
	e, _ := newRepo(t)
	p := propose(t, e, "deploy-agent", "create", nil)
	name := strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix)
	if _, err := e.Withdraw(WithdrawRequest{As: "deploy-agent", Proposal: name, Justification: "not needed after all"}); err != nil {
		t.Fatal(err)
	}
	rep := reconcile(t, e, 1)
	out := rep.Applied[0].Gate.Outcome
	if k := rep.Applied[0].Gate.Entry.Kind; k != core.KindWithdraw || out.InstancePre != schemas.BaseStateNone || out.InstancePost != schemas.BaseStateNone {
		t.Fatalf("entry %s, instance %q → %q; want a withdraw entry with no instance before or after", k, out.InstancePre, out.InstancePost)
	}
	if _, ok := instanceOf(t, mustReplay(t, e, ReplayOptions{}).State, "web-1"); ok {
		t.Fatal("withdrawing a creating proposal created the instance")
	}
}
