package engine

import (
	"testing"

	"github.com/writ-dev/writ/gitstore"
)

// Errors name a commit once: the signature layer says "commit <id>: ...",
// and the proposal reader adds what it means, not the commit again.
func TestUnsignedProposalCommitMessage(t *testing.T) {
	e, _ := newRepo(t)
	p := propose(t, e, "deploy-agent", "create", nil)
	head, err := e.Store.Commit(p.Commit)
	if err != nil {
		t.Fatal(err)
	}
	unsigned, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: head.ParentHashes, BaseTree: head.TreeHash,
		Message: head.Message, Author: head.Author, Committer: head.Committer})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.CompareAndSwap("refs/heads/"+p.Branch, p.Commit, unsigned); err != nil {
		t.Fatal(err)
	}
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	pend, err := e.Pending(res.State.Rules(), res.Head, p.Branch)
	if err != nil {
		t.Fatal(err)
	}
	want := "commit " + unsigned.String()[:12] + ": unsigned: a commit counts only when a signer of an identity in writ.yaml signed it"
	if len(pend.Problems) != 1 || pend.Problems[0] != want {
		t.Fatalf("problems %q\nwant [%q]", pend.Problems, want)
	}
}
