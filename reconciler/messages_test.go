package reconciler

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/schemas"
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
	want := "commit " + unsigned.String()[:12] + ": unsigned: every proposal commit must be signed by a signer of an identity in writ.yaml; sign it again (git commit -S, or writ propose)"
	if len(pend.Problems) != 1 || pend.Problems[0] != want {
		t.Fatalf("problems %q\nwant [%q]", pend.Problems, want)
	}
}

// A rules entry whose tree holds a symlinked rules file is refused naming
// the entry's commit once and the file once, not "commit X: commit X:"
// with the path three times.
func TestReplaySymlinkedRulesFileMessageNamesCommitOnce(t *testing.T) {
	e, _ := newRepo(t)
	p := relax(t, e, "alice", "relax")
	name := p.Branch[len(schemas.ProposalBranchPrefix):]
	approveAs(t, e, "bob", name)
	approveAs(t, e, "carol", name)
	rep := reconcile(t, e, 1)
	head, err := e.Store.Commit(rep.Head)
	if err != nil {
		t.Fatal(err)
	}
	path := "workflows/x.yaml"
	bad := rewriteTree(t, e, head, gitTree(t, e, head.Hash, treeEntry{mode: "120000", path: path, data: []byte("/etc/passwd")}))
	_, err = e.Replay(ReplayOptions{})
	te := wantTamper(t, err, path+" is a symlink (mode 120000)")
	if te.Commit != bad {
		t.Fatalf("tamper error names %s, want %s", te.Commit, bad)
	}
	msg := te.Error()
	if n := strings.Count(msg, bad.String()[:7]); n != 1 {
		t.Fatalf("%q names the commit %d times, want once", msg, n)
	}
	if n := strings.Count(msg, path); n != 1 {
		t.Fatalf("%q names %s %d times, want once", msg, path, n)
	}
}

// A rule change whose rules do not validate says so once, and names main's
// commit as main's, not as if it were the proposal's.
func TestRuleChangeInvalidRulesMessage(t *testing.T) {
	e, _ := newRepo(t)
	p := relax(t, e, "alice", "relax")
	pushOnBranch(t, e, p.Branch, "alice", map[string][]byte{"policies/release-approval.yaml": []byte("name: release-approval\nrules: []\nbogus: 1\n")})
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	pend, err := e.Pending(res.State.Rules(), res.Head, p.Branch[len(schemas.ProposalBranchPrefix):])
	if err != nil {
		t.Fatal(err)
	}
	msg := strings.Join(pend.Problems, "; ")
	if n := strings.Count(msg, "do not validate"); n != 1 {
		t.Fatalf("%q says \"do not validate\" %d times, want once", msg, n)
	}
	if want := "main " + shortHash(res.Head.String()); !strings.Contains(msg, want) {
		t.Fatalf("%q does not name main as %q", msg, want)
	}
}
