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

// TestMalformedDecisionCannotWedgeTheLoop: a signed decision commit whose
// trailer values are not hashes (a Writ-Plan smuggling " ref=…", which the
// WAL's one-line decision encoding would read back as another decision)
// is ignored, so it can neither change what an entry records nor stop the
// reconcile from applying this and unrelated proposals.
func TestMalformedDecisionCannotWedgeTheLoop(t *testing.T) {
	e, _ := newRepo(t)
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	l, err := e.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.PendingWith(l, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []policies.Decision{
		{Plan: "sha256:00 ref=" + strings.Repeat("3", 40)},
		{Content: "sha256:aa justification=x"},
		{Commit: strings.Repeat("a", 39) + " x"},
	} {
		d := policies.Decision{Identity: "deploy-agent", Verdict: policies.VerdictApprove, Commit: p.Subject.Commit, Content: p.Subject.Content}
		if bad.Plan != "" {
			d.Plan = bad.Plan
		}
		if bad.Content != "" {
			d.Content = bad.Content
		}
		if bad.Commit != "" {
			d.Commit = bad.Commit
		}
		if _, err := e.recordDecision(l.Rules, p, d); err == nil {
			t.Fatalf("writ wrote a decision with a malformed value: %+v", d)
		}
		// Written by hand (not by writ), it is ignored when read.
		forgeDecisionCommit(t, e, l, p, d)
		if p, err = e.PendingWith(l, name); err != nil {
			t.Fatal(err)
		}
	}
	approveAs(t, e, "alice", name)
	approveAs(t, e, "bob", name)
	if _, err := e.Propose(ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{Instance: "web-2", Workflow: "release", Transition: "create"}}); err != nil {
		t.Fatal(err)
	}
	rep := reconcile(t, e, 2)
	for _, a := range rep.Applied {
		for _, d := range a.Gate.Entry.Decisions {
			if d.Identity == "deploy-agent" {
				t.Fatalf("the entry records the malformed decision: %+v", d)
			}
		}
	}
	mustReplay(t, e, ReplayOptions{})
}

// forgeDecisionCommit writes decision d on p's branch the way a hostile
// key holder would, formatting the trailers itself, signed by d's identity.
func forgeDecisionCommit(t *testing.T, e *Engine, l *Loaded, p intake.Pending, d policies.Decision) {
	t.Helper()
	trailers := []wal.Trailer{
		{Key: wal.KeyDecision, Value: string(d.Verdict)},
		{Key: wal.KeyDecisionIdentity, Value: d.Identity},
		{Key: wal.KeyDecisionSubject, Value: d.Commit},
		{Key: wal.KeyDecisionContent, Value: d.Content},
	}
	if d.Plan != "" {
		trailers = append(trailers, wal.Trailer{Key: wal.KeyDecisionPlan, Value: d.Plan})
	}
	msg, err := wal.FormatMessage("writ: approve "+p.Path, "", trailers)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := e.Keys.Signer(d.Identity)
	if err != nil {
		t.Fatal(err)
	}
	head, err := e.Store.Commit(p.Head)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{p.Head}, BaseTree: head.TreeHash, Message: msg,
		Author: e.signature(l.Rules, d.Identity), Committer: e.signature(l.Rules, d.Identity), Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.CompareAndSwap("refs/heads/"+p.Branch, p.Head, c); err != nil {
		t.Fatal(err)
	}
}
