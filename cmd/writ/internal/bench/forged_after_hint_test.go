package bench

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/replay"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// TestAForgedProposalIsRefusedAfterAHintThatFailed: the reconciler's key
// holder re-signs a goal action entry E' whose message records a proposal
// other than the signed (and approved) file B, and pushes a later commit
// whose tree holds, at E's path, the rendering R of the forged proposal.
// The worker's hinted blob (from the tip) is R, so its first check sees
// the file rendered; the fold's tree check refuses the hint and checks the
// proposal again on the real blob B, which is read, so the forged
// proposal is matched against B and refused: whether a file was rendered
// is each check's own, never left from an earlier one.
func TestAForgedProposalIsRefusedAfterAHintThatFailed(t *testing.T) {
	r, err := Build(t.TempDir(), GoalSpec(1), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gitstore.Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	keys := local.KeyDir{Dir: r.Keys}
	head, err := s.Commit(plumbing.NewHash(r.Head))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := wal.Decode(head.Message)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(rec.ProposalPath, "/") != 3 {
		t.Fatalf("head entry %s is not a goal action", rec.ProposalPath)
	}
	// The state before the head: main at its first parent.
	if err := s.DeleteRef(gitstore.CheckpointRef); err != nil {
		t.Fatal(err)
	}
	if err := s.CompareAndSwap(gitstore.MainRef, head.Hash, head.ParentHashes[0]); err != nil {
		t.Fatal(err)
	}
	before, err := (&replay.Replayer{Store: s}).Replay(reconciler.ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The forged proposal: the signed one with another justification.
	forged := *rec.Entry.Proposal
	forged.Justification = "forged by whoever holds the reconciler key"
	rec.Entry.Proposal = &forged
	next, out, err := core.Apply(before.State, rec.Entry)
	if err != nil {
		t.Fatal(err)
	}
	rec.StatePost, rec.InstancePost = next.Hash(), out.InstancePost
	msg, err := wal.Encode(rec)
	if err != nil {
		t.Fatal(err)
	}
	bot, err := keys.Signer(before.State.Rules().Config.Reconciler.Identity)
	if err != nil {
		t.Fatal(err)
	}
	forgedEntry, err := s.WriteCommit(gitstore.CommitRequest{Parents: head.ParentHashes, BaseTree: head.TreeHash, Message: msg,
		Author: head.Author, Committer: head.Committer, Signer: bot})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CompareAndSwap(gitstore.MainRef, head.ParentHashes[0], forgedEntry); err != nil {
		t.Fatal(err)
	}
	// Alone, the forged entry is refused.
	_, err = (&replay.Replayer{Store: s}).Replay(reconciler.ReplayOptions{})
	if err == nil || !strings.Contains(err.Error(), "differs from the signed proposal file") {
		t.Fatalf("forged entry alone: %v", err)
	}
	// A later commit (anyone's) puts the rendering of the forged proposal
	// at the entry's path: the tip the hints are taken from.
	body, ok := schemas.ProposalYAML(&forged)
	if !ok {
		t.Fatal("no rendering")
	}
	later, err := s.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{forgedEntry}, Message: "later\n",
		Files: map[string][]byte{rec.ProposalPath: body}, Author: head.Author, Committer: head.Committer})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CompareAndSwap(gitstore.MainRef, forgedEntry, later); err != nil {
		t.Fatal(err)
	}
	res, stats, err := (&replay.Replayer{Store: s}).ReplayStats(reconciler.ReplayOptions{})
	if res != nil && res.Head == forgedEntry {
		t.Fatalf("replay verified the forged entry %s: state %s (forged %s); err: %v; %+v", forgedEntry, res.State.Hash(), rec.StatePost, err, stats)
	}
	if err == nil || !strings.Contains(err.Error(), "differs from the signed proposal file") {
		t.Fatalf("replay did not refuse the forged entry: %v", err)
	}
}
