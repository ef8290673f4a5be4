package reconciler

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/replay"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// rejectShip walks web-1 to "approved", proposes ship, has alice reject it
// and reconciles: the reject entry is main's head.
func rejectShip(t *testing.T) (*Engine, *Proposed, *ReconcileReport) {
	t.Helper()
	e, _ := newRepo(t)
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	if _, err := e.Approve(ApproveRequest{As: "alice", Proposal: name, Reject: true, Justification: "wrong ticket"}); err != nil {
		t.Fatal(err)
	}
	rep := reconcile(t, e, 1)
	if k := rep.Applied[0].Gate.Entry.Kind; k != core.KindReject {
		t.Fatalf("entry kind %s, want reject", k)
	}
	return e, ship, rep
}

// TestRejectEntryKeepsProposalOffMain: a reject entry has one parent, so
// the rejected proposal's head is not part of main; its commits are kept
// under refs/writ/rejected/<instance>/<name>, and replay verifies them.
func TestRejectEntryKeepsProposalOffMain(t *testing.T) {
	e, ship, rep := rejectShip(t)
	entry := rep.Applied[0].Commit
	c, err := e.Store.Commit(entry)
	if err != nil {
		t.Fatal(err)
	}
	// reconcile pruned the branch: its head is the one the entry judged.
	head := rep.Applied[0].Gate.Pending.Head
	if c.NumParents() != 1 {
		t.Fatalf("reject entry has parents %v, want one (main)", c.ParentHashes)
	}
	if ok, err := e.Store.IsAncestor(head, entry); err != nil || ok {
		t.Fatalf("the rejected head %s is an ancestor of main (%v)", head, err)
	}
	rec, err := wal.Decode(c.Message)
	if err != nil || rec.ProposalHead != head.String() || rec.Entry.Subject.Commit != ship.Commit.String() {
		t.Fatalf("entry names head %s subject %s (%v); want %s and %s", rec.ProposalHead, rec.Entry.Subject.Commit, err, head, ship.Commit)
	}
	ref, err := replay.RejectedRef(ship.Path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.Store.Ref(ref); err != nil || got != head {
		t.Fatalf("%s = %s (%v), want the proposal's head %s", ref, got, err, head)
	}
	res := mustReplay(t, e, ReplayOptions{Collect: true})
	last := res.Entries[len(res.Entries)-1]
	if last.Commit != entry || last.Attested || last.Outcome.Status != core.StatusRejected {
		t.Fatalf("last entry %s attested %v status %s; want the verified rejection %s", last.Commit, last.Attested, last.Outcome.Status, entry)
	}
}

// rewriteEntry writes a copy of WAL entry h with other parents (and the
// same tree, message and author), signed by the reconciler, and moves
// main to it.
func rewriteEntry(t *testing.T, e *Engine, h plumbing.Hash, message func(string) string, parents ...plumbing.Hash) plumbing.Hash {
	t.Helper()
	c, err := e.Store.Commit(h)
	if err != nil {
		t.Fatal(err)
	}
	rules := mustReplay(t, e, ReplayOptions{}).State.Rules()
	signer, err := e.Keys.Signer(rules.Config.Reconciler.Identity)
	if err != nil {
		t.Fatal(err)
	}
	msg := c.Message
	if message != nil {
		msg = message(msg)
	}
	n, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: parents, BaseTree: c.TreeHash, Message: msg,
		Author: c.Author, Committer: c.Committer, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.CompareAndSwap(gitstore.MainRef, h, n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRejectEntryForms: entries written before (a merge of the rejected
// head) still replay; a one-parent entry is a rejection's privilege, and
// a one-parent rejection whose evidence is present must verify.
func TestRejectEntryForms(t *testing.T) {
	tests := []struct {
		name    string
		rewrite func(t *testing.T, e *Engine, entry, head, other plumbing.Hash)
		tamper  string // "" when replay must accept
	}{
		{"two-parent reject entry of an older writ", func(t *testing.T, e *Engine, entry, head, _ plumbing.Hash) {
			c, _ := e.Store.Commit(entry)
			rewriteEntry(t, e, entry, nil, c.ParentHashes[0], head)
		}, ""},
		{"one-parent transition entry", func(t *testing.T, e *Engine, entry, _, _ plumbing.Hash) {
			c, _ := e.Store.Commit(entry)
			rewriteEntry(t, e, entry, func(m string) string {
				return strings.Replace(m, wal.KeyKind+": reject", wal.KeyKind+": transition", 1)
			}, c.ParentHashes[0])
		}, "has 1 parents"},
		{"evidence that does not hold the proposal commit", func(t *testing.T, e *Engine, entry, head, other plumbing.Hash) {
			c, _ := e.Store.Commit(entry)
			rewriteEntry(t, e, entry, func(m string) string {
				return strings.Replace(m, "@"+head.String(), "@"+other.String(), 1)
			}, c.ParentHashes[0])
		}, "does not descend from the proposal commit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, rep := rejectShip(t)
			entry, head := rep.Applied[0].Commit, rep.Applied[0].Gate.Pending.Head
			c, _ := e.Store.Commit(entry)
			tt.rewrite(t, e, entry, head, c.ParentHashes[0])
			_, err := e.Replay(ReplayOptions{IgnoreCheckpoint: true})
			if tt.tamper == "" {
				if err != nil {
					t.Fatalf("replay: %v", err)
				}
				return
			}
			wantTamper(t, err, tt.tamper)
		})
	}
}
