package reconciler

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// A rule change built on main's older rules that edits a file a later rules
// change also edited would, merged as it is, silently undo that later
// change: its approvers saw only their own edit (git diff main...branch).
// It is refused, naming the file and asking for a rebase, even when its
// proposal claims the new rules as its base and is approved again.
func TestRuleChangeFromOlderRulesNeverRevertsAFileItEdits(t *testing.T) {
	e, _ := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	cfg, err := e.Store.ReadFile(res.Head, schemas.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	// alice's harmless edit of writ.yaml, made on the rules of genesis.
	harmless := strings.Replace(string(cfg), "repository: ", "repository: renamed-", 1)
	if harmless == string(cfg) {
		t.Fatalf("no repository line in writ.yaml:\n%s", cfg)
	}
	p, err := e.ProposeRules(ProposeRulesRequest{As: "alice", Name: "rename", Files: map[string][]byte{schemas.ConfigFile: []byte(harmless)}})
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix)
	approveAs(t, e, "bob", name)

	// Meanwhile bob's change revokes alice's override, in writ.yaml too.
	revoked := strings.Replace(string(cfg), `capabilities: [approve, "propose:release", override]`, `capabilities: [approve, "propose:release"]`, 1)
	if revoked == string(cfg) {
		t.Fatalf("no override for alice in writ.yaml:\n%s", cfg)
	}
	rv, err := e.ProposeRules(ProposeRulesRequest{As: "bob", Name: "revoke", Files: map[string][]byte{schemas.ConfigFile: []byte(revoked)}})
	if err != nil {
		t.Fatal(err)
	}
	approveAs(t, e, "alice", strings.TrimPrefix(rv.Branch, schemas.ProposalBranchPrefix))
	approveAs(t, e, "carol", strings.TrimPrefix(rv.Branch, schemas.ProposalBranchPrefix))
	rep := reconcile(t, e, 1)

	// alice only moves her proposal's base to the rules now in force, and
	// gets it approved again.
	raw, err := e.Store.ReadFile(p.Commit, p.Path)
	if err != nil {
		t.Fatal(err)
	}
	moved := strings.Replace(string(raw), p.Proposal.BaseState, rep.State.RulesHash(), 1)
	pushOnBranch(t, e, p.Branch, "alice", map[string][]byte{p.Path: []byte(moved)})
	for _, who := range []string{"bob", "carol"} {
		// Refused, or recorded: either way what follows must hold.
		_, _ = e.Approve(ApproveRequest{As: who, Proposal: name})
	}

	res = mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	pend, err := e.Pending(res.State.Rules(), res.Head, name)
	if err != nil {
		t.Fatal(err)
	}
	problems := strings.Join(pend.Problems, "; ")
	if !strings.Contains(problems, schemas.ConfigFile) || !strings.Contains(problems, "rebase") {
		t.Fatalf("the change made on older rules is not refused naming %s and asking for a rebase: %v", schemas.ConfigFile, pend.Problems)
	}
	for _, ig := range pend.Ignored {
		if strings.Contains(ig.Reason, "names proposal commit") {
			t.Fatalf("an approval of the refused change is ignored as contradicting its commit: %+v", ig)
		}
	}
	reconcile(t, e, 0)
	if alice, _ := mustReplay(t, e, ReplayOptions{}).State.Rules().Identity("alice"); alice.HasCapability("override") {
		t.Fatal("alice's revoked override is back")
	}
}

// A change refused for being edited on older rules keeps its approvals'
// meaning: approvals made while it was judged whole (its proposal claimed,
// ahead of time, the rules bob's change would put in force) are not
// reported as contradicting their commit once it is refused.
func TestRefusedRuleChangeDoesNotCallItsApprovalsContradictory(t *testing.T) {
	e, _ := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	cfg, err := e.Store.ReadFile(res.Head, schemas.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	revoked := strings.Replace(string(cfg), `capabilities: [approve, "propose:release", override]`, `capabilities: [approve, "propose:release"]`, 1)
	rv, err := e.ProposeRules(ProposeRulesRequest{As: "bob", Name: "revoke", Files: map[string][]byte{schemas.ConfigFile: []byte(revoked)}})
	if err != nil {
		t.Fatal(err)
	}
	next, err := intake.LoadRulesChanged(e.Store, res.Head, map[string][]byte{schemas.ConfigFile: []byte(revoked)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	nextHash, err := core.HashRules(next)
	if err != nil {
		t.Fatal(err)
	}
	// alice's edit on the old writ.yaml, claiming the rules bob's change
	// will put in force.
	harmless := strings.Replace(string(cfg), "repository: ", "repository: renamed-", 1)
	p, err := e.ProposeRules(ProposeRulesRequest{As: "alice", Name: "rename", Files: map[string][]byte{schemas.ConfigFile: []byte(harmless)}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := e.Store.ReadFile(p.Commit, p.Path)
	if err != nil {
		t.Fatal(err)
	}
	pushOnBranch(t, e, p.Branch, "alice", map[string][]byte{p.Path: []byte(strings.Replace(string(raw), p.Proposal.BaseState, nextHash, 1))})
	name := strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix)
	appendDecision(t, e, name, "carol", policies.VerdictApprove, "")

	approveAs(t, e, "alice", strings.TrimPrefix(rv.Branch, schemas.ProposalBranchPrefix))
	approveAs(t, e, "carol", strings.TrimPrefix(rv.Branch, schemas.ProposalBranchPrefix))
	// Kept: the refused change is read again below.
	if rep, err := e.ReconcileWith(t.Context(), ReconcileOptions{KeepBranches: true}); err != nil || len(rep.Applied) != 1 {
		t.Fatalf("reconcile: %v", err)
	}

	res = mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	pend, err := e.Pending(res.State.Rules(), res.Head, name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(pend.Problems, "; "), "rebase") {
		t.Fatalf("not refused for a rebase: %v", pend.Problems)
	}
	for _, ig := range pend.Ignored {
		if strings.Contains(ig.Reason, "names proposal commit") {
			t.Fatalf("carol's approval of the refused change is called contradictory: %+v", ig)
		}
	}
}
