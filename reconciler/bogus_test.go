package reconciler

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// appendDecision writes a decision commit by who on the proposal branch,
// signed with who's key, bypassing Approve's own checks (as a hand-made
// commit would).
func appendDecision(t *testing.T, e *Engine, branch, who string, verdict policies.Verdict, why string) {
	t.Helper()
	appendDecisionOn(t, e, branch, who, verdict, why, "")
}

// appendDecisionOn is appendDecision naming content as what was decided
// on ("": the proposal's current content).
func appendDecisionOn(t *testing.T, e *Engine, branch, who string, verdict policies.Verdict, why, content string) {
	t.Helper()
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	p, err := e.Pending(res.State.Rules(), res.Head, branch)
	if err != nil {
		t.Fatal(err)
	}
	if content == "" {
		content = p.Subject.Content
	}
	msg, err := wal.DecisionMessage(p.Path, policies.Decision{Identity: who, Verdict: verdict, Commit: p.Subject.Commit,
		Content: content, Justification: why})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := e.Keys.Signer(who)
	if err != nil {
		t.Fatal(err)
	}
	head, err := e.Store.Commit(p.Head)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{p.Head}, BaseTree: head.TreeHash, Message: msg,
		Author: e.signature(nil, who), Committer: e.signature(nil, who), Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.CompareAndSwap("refs/heads/"+p.Branch, p.Head, c); err != nil {
		t.Fatal(err)
	}
}

// gateNow judges a proposal branch against main.
func gateNow(t *testing.T, e *Engine, branch string) intake.GateResult {
	t.Helper()
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	p, err := e.Pending(res.State.Rules(), res.Head, branch)
	if err != nil {
		t.Fatal(err)
	}
	state, err := e.RestoreBuckets(res.State, res.Checkpoint, p.Needs(res.State))
	if err != nil {
		t.Fatal(err)
	}
	return mustGate(t, state, p, core.NextHLC(res.State.Clock().HLC, 1<<50))
}

// wantIgnored fails unless the gate lists a decision by who as ignored
// with a reason containing reason.
func wantIgnored(t *testing.T, g intake.GateResult, who, reason string) {
	t.Helper()
	for _, ig := range g.Ignored() {
		if ig.Identity == who && strings.Contains(ig.Reason, reason) {
			return
		}
	}
	t.Fatalf("no ignored decision by %s saying %q: %+v", who, reason, g.Ignored())
}

// A decision that does not count never changes the verdict: a waiting
// proposal stays waiting after an override by an identity without the
// override capability and after a rejection by someone no rule makes
// eligible; both are listed as ignored with their reason, and the real
// approvals then make it ready (applied without any override).
func TestBogusDecisionsNeverChangeAVerdict(t *testing.T) {
	e, _ := newRepo(t)
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	if g := gateNow(t, e, name); g.Verdict != intake.VerdictWaiting {
		t.Fatalf("before: %s: %s", g.Verdict, g.Reason)
	}

	appendDecision(t, e, name, "bob", policies.VerdictOverride, "I say so")
	g := gateNow(t, e, name)
	if g.Verdict != intake.VerdictWaiting {
		t.Fatalf("a bogus override changed the verdict: %s: %s", g.Verdict, g.Reason)
	}
	wantIgnored(t, g, "bob", "lacks capability override")
	if !strings.Contains(g.Reason, "needs 2 more approvals") || !strings.Contains(g.Reason, "bob's override does not count: lacks capability override") {
		t.Fatalf("reason %q", g.Reason)
	}

	appendDecision(t, e, name, "carol", policies.VerdictReject, "not on my watch")
	g = gateNow(t, e, name)
	if g.Verdict != intake.VerdictWaiting {
		t.Fatalf("a rejection by an ineligible identity changed the verdict: %s: %s", g.Verdict, g.Reason)
	}
	wantIgnored(t, g, "carol", "not in role sre")

	appendDecision(t, e, name, "alice", policies.VerdictOverride, "")
	wantIgnored(t, gateNow(t, e, name), "alice", "override has no justification")

	approveAs(t, e, "alice", name)
	approveAs(t, e, "bob", name)
	g = gateNow(t, e, name)
	if g.Verdict != intake.VerdictReady || g.Outcome.Override != "" {
		t.Fatalf("with two approvals: %s (override %q): %s", g.Verdict, g.Outcome.Override, g.Reason)
	}
	rep := reconcile(t, e, 1)
	if o := rep.Applied[0].Gate.Outcome; o.Override != "" {
		t.Fatalf("applied as an override by %s", o.Override)
	}
	full := mustReplay(t, e, ReplayOptions{})
	if full.State.Hash() != rep.State.Hash() {
		t.Fatalf("replay %s != reconcile %s", full.State.Hash(), rep.State.Hash())
	}
}
