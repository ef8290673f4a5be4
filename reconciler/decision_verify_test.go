package reconciler

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// writeDecision writes bob's approval of the proposal on branch as a
// decision commit shaped by req (parents, files), signed with bob's key,
// naming content ("": the proposal's content), and moves the branch to it.
func writeDecision(t *testing.T, e *Engine, branch, content string, shape func(p intake.Pending, req *gitstore.CommitRequest)) {
	t.Helper()
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	p, err := e.Pending(res.State.Rules(), res.Head, branch)
	if err != nil {
		t.Fatal(err)
	}
	if content == "" {
		content = p.Subject.Content
	}
	msg, err := wal.DecisionMessage(p.Path, policies.Decision{Identity: "bob", Verdict: policies.VerdictApprove,
		Commit: p.Subject.Commit, Content: content})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := e.Keys.Signer("bob")
	if err != nil {
		t.Fatal(err)
	}
	req := gitstore.CommitRequest{Parents: []plumbing.Hash{p.Head}, Message: msg,
		Author: e.signature(nil, "bob"), Committer: e.signature(nil, "bob"), Signer: signer}
	shape(p, &req)
	c, err := e.Store.WriteCommit(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.CompareAndSwap("refs/heads/"+p.Branch, p.Head, c); err != nil {
		t.Fatal(err)
	}
}

// forgeCounting writes, with the reconciler's key through the real apply
// path, the entry for branch that counts every decision commit on it,
// those intake refused included (as a reconciler that skipped intake's
// checks would).
func forgeCounting(t *testing.T, e *Engine, branch string) {
	t.Helper()
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	p, err := e.Pending(res.State.Rules(), res.Head, branch)
	if err != nil {
		t.Fatal(err)
	}
	for _, ig := range p.Ignored {
		c, err := e.Store.Commit(plumbing.NewHash(ig.Commit))
		if err != nil {
			t.Fatal(err)
		}
		d, ok, err := wal.ParseDecisionMessage(c.Message)
		if !ok || err != nil {
			t.Fatalf("ignored commit %s is not a decision: %v", ig.Commit, err)
		}
		d.Ref = ig.Commit
		p.Decisions = append(p.Decisions, d)
	}
	p.Ignored = nil
	if applied := forgeThroughLoop(t, e, res, p).Applied; len(applied) != 1 {
		t.Fatalf("forge: %d entries", len(applied))
	}
}

// One verifier judges a decision commit for the gate and for replay: a
// decision commit the gate does not count (it changes files, it merges,
// it names the proposal commit with other content) is one replay refuses
// in an entry that counted it, for the same reason. (Before, replay
// checked only the message and the signature, and took all three.)
func TestDecisionVerifiedAlikeByGateAndReplay(t *testing.T) {
	tests := []struct {
		name    string
		content string
		shape   func(t *testing.T, e *Engine, p intake.Pending, req *gitstore.CommitRequest)
		reason  string
	}{
		{
			name: "changes a file",
			shape: func(t *testing.T, e *Engine, p intake.Pending, req *gitstore.CommitRequest) {
				req.Files = map[string][]byte{"notes.txt": []byte("bob was here\n")}
			},
			reason: "a decision commit may not change files",
		},
		{
			name: "two parents",
			shape: func(t *testing.T, e *Engine, p intake.Pending, req *gitstore.CommitRequest) {
				main, err := e.mainHead()
				if err != nil {
					t.Fatal(err)
				}
				c, err := e.Store.Commit(p.Head)
				if err != nil {
					t.Fatal(err)
				}
				req.Parents, req.BaseTree = append(req.Parents, main), c.TreeHash
			},
			reason: "a decision commit has exactly one parent",
		},
		{
			name:    "contradicts its commit's content",
			content: "sha256:" + strings.Repeat("0", 64),
			shape: func(t *testing.T, e *Engine, p intake.Pending, req *gitstore.CommitRequest) {
				c, err := e.Store.Commit(p.Head)
				if err != nil {
					t.Fatal(err)
				}
				req.BaseTree = c.TreeHash
			},
			reason: "but content sha256:0000",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newRepo(t)
			ship := toShippable(t, e)
			name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
			approveAs(t, e, "alice", name)
			writeDecision(t, e, name, tt.content, func(p intake.Pending, req *gitstore.CommitRequest) { tt.shape(t, e, p, req) })
			g := gateNow(t, e, name)
			wantIgnored(t, g, "bob", tt.reason)
			if g.Verdict != intake.VerdictWaiting {
				t.Fatalf("gate: %s (%s), want waiting on bob's approval", g.Verdict, g.Reason)
			}
			forgeCounting(t, e, name)
			_, err := e.Replay(ReplayOptions{})
			wantTamper(t, err, tt.reason)
		})
	}
}
