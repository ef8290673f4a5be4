package reconciler

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// pushOnBranch appends a commit signed by who to a proposal branch,
// writing files over its head's tree, and returns it.
func pushOnBranch(t *testing.T, e *Engine, branch, who string, files map[string][]byte) plumbing.Hash {
	t.Helper()
	ref := "refs/heads/" + branch
	head, err := e.Store.Ref(ref)
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.Keys.Signer(who)
	if err != nil {
		t.Fatal(err)
	}
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	sig := e.signature(res.State.Rules(), who)
	h, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{head}, Files: files,
		Message: "propose: a small fix\n", Author: sig, Committer: sig, Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.CompareAndSwap(ref, head, h); err != nil {
		t.Fatal(err)
	}
	return h
}

// grantOverride returns main's writ.yaml with carol holding the override
// capability.
func grantOverride(t *testing.T, e *Engine) []byte {
	t.Helper()
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	cfg, err := e.Store.ReadFile(res.Head, schemas.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	text := string(cfg)
	at := strings.Index(text, "name: carol")
	i := strings.Index(text[max(at, 0):], "capabilities: [approve]")
	if at < 0 || i < 0 {
		t.Fatalf("no capabilities line for carol in writ.yaml:\n%s", cfg)
	}
	i += at + len("capabilities: [approve")
	return []byte(text[:i] + ", override" + text[i:])
}

// An approval of a rule change binds to the whole change: a later commit
// that edits writ.yaml on the approved branch voids it, even though the
// proposal file is unchanged, and fresh approvals on the new content (which
// the decision commits and the entry record) apply it.
func TestRuleChangeApprovalCoversTheWholeChange(t *testing.T) {
	e, _ := newRepo(t)
	p := relax(t, e, "carol", "relax")
	name := strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix)
	approveAs(t, e, "alice", name)
	approveAs(t, e, "bob", name)
	// The harmless change is approved; carol now grants herself override.
	pushOnBranch(t, e, p.Branch, "carol", map[string][]byte{schemas.ConfigFile: grantOverride(t, e)})

	rep := reconcile(t, e, 0)
	if len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0].Reason, "older") {
		t.Fatalf("the rule change with an unapproved writ.yaml edit: skipped %+v", rep.Skipped)
	}
	res := mustReplay(t, e, ReplayOptions{})
	if carol, _ := res.State.Rules().Identity("carol"); carol.HasCapability("override") {
		t.Fatal("carol holds override without anyone approving it")
	}

	// Approvals of what the branch now holds apply it; the decision commits
	// and the entry carry the whole change's content hash, not the
	// proposal file's.
	pend, err := e.Pending(res.State.Rules(), res.Head, name)
	if err != nil || len(pend.Problems) > 0 {
		t.Fatalf("pending: %v %v", err, pend.Problems)
	}
	raw := pend.Files[pend.Path]
	if pend.Subject.Content == "" || pend.Subject.Content == schemas.HashBytes(raw) {
		t.Fatalf("the rule change's content is %q, the proposal file's alone", pend.Subject.Content)
	}
	for _, who := range []string{"alice", "bob"} {
		d := approveAs(t, e, who, name)
		c, err := e.Store.Commit(d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(c.Message, "Writ-Content: "+pend.Subject.Content) {
			t.Fatalf("decision commit of %s does not carry the change's content %s:\n%s", who, pend.Subject.Content, c.Message)
		}
	}
	rep = reconcile(t, e, 1)
	entry, err := e.Store.Commit(rep.Head)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := wal.Decode(entry.Message)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Entry.Subject.Content != pend.Subject.Content {
		t.Fatalf("entry records content %s, approved %s", rec.Entry.Subject.Content, pend.Subject.Content)
	}
	latest := map[string]string{}
	for _, d := range rec.Entry.Decisions {
		latest[d.Identity] = d.Content
	}
	for _, who := range []string{"alice", "bob"} {
		if latest[who] != pend.Subject.Content {
			t.Fatalf("the counted approval by %s records content %s, want %s", who, latest[who], pend.Subject.Content)
		}
	}
	full := mustReplay(t, e, ReplayOptions{})
	if carol, _ := full.State.Rules().Identity("carol"); !carol.HasCapability("override") {
		t.Fatal("the approved writ.yaml is not in force")
	}
}

// A rule change merges main's rules plus exactly what its branch changed:
// a branch made before a rules change landed, whose proposal file then
// claims the new rules as its base, does not bring back the rules its
// fork point held (here alice's revoked override) with its merge. It is
// refused, naming the file, and nothing of it applies.
func TestRuleChangeNeverRevertsRulesItDidNotChange(t *testing.T) {
	e, _ := newRepo(t)
	// alice's branch forks while she still holds override.
	p := relax(t, e, "alice", "relax")
	name := strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix)

	// Meanwhile her override is revoked.
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	cfg, err := e.Store.ReadFile(res.Head, schemas.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
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

	// alice rebases nothing: she only moves her proposal's base to the
	// rules now in force.
	raw, err := e.Store.ReadFile(p.Commit, p.Path)
	if err != nil {
		t.Fatal(err)
	}
	rebased := strings.Replace(string(raw), p.Proposal.BaseState, rep.State.RulesHash(), 1)
	pushOnBranch(t, e, p.Branch, "alice", map[string][]byte{p.Path: []byte(rebased)})
	for _, who := range []string{"bob", "carol"} {
		// Refused, or recorded: either way what follows must hold.
		_, _ = e.Approve(ApproveRequest{As: who, Proposal: name})
	}

	res = mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	pend, err := e.Pending(res.State.Rules(), res.Head, name)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pend.Files[schemas.ConfigFile]; ok {
		t.Fatalf("the rule change would merge its fork point's %s", schemas.ConfigFile)
	}
	if rep, err := e.Reconcile(); err != nil {
		t.Fatal(err)
	} else if len(rep.Applied) == 1 {
		// Applying the touched files only is safe too; what must never
		// happen is the revoked capability coming back.
		full := mustReplay(t, e, ReplayOptions{})
		if alice, _ := full.State.Rules().Identity("alice"); alice.HasCapability("override") {
			t.Fatal("alice's revoked override is back")
		}
		return
	}
	if len(pend.Problems) == 0 || !strings.Contains(strings.Join(pend.Problems, "; "), schemas.ConfigFile) {
		t.Fatalf("not applied, but the problems do not name %s: %v", schemas.ConfigFile, pend.Problems)
	}
	if alice, _ := mustReplay(t, e, ReplayOptions{}).State.Rules().Identity("alice"); alice.HasCapability("override") {
		t.Fatal("alice's revoked override is back")
	}
}
