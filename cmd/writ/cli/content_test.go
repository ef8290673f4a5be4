package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
)

// withOverride returns writ.yaml with carol holding the override
// capability.
func withOverride(t *testing.T, cfg string) string {
	t.Helper()
	at := strings.Index(cfg, "name: carol")
	i := strings.Index(cfg[max(at, 0):], "capabilities: [approve")
	if at < 0 || i < 0 {
		t.Fatalf("no capabilities for carol in writ.yaml:\n%s", cfg)
	}
	i += at + len("capabilities: [approve")
	return cfg[:i] + ", override" + cfg[i:]
}

// ruleChangeApproved runs `writ propose --rules` as carol (one SRE is
// enough) and `writ approve` as alice and bob, and returns the repo.
func ruleChangeApproved(t *testing.T) string {
	t.Helper()
	repo := newControlRepo(t)
	policy := filepath.Join(repo, "policies", "release-approval.yaml")
	old, err := os.ReadFile(policy)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(policy, []byte(strings.Replace(string(old), "count: 2", "count: 1", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--rules", "--as", "carol", "--name", "relax", "--justification", "one SRE")
	if err := os.WriteFile(policy, old, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"alice", "bob"} {
		writWant(t, ExitOK, "--repo", repo, "approve", "rules/relax", "--as", who)
	}
	return repo
}

// After `writ approve`, a commit that edits writ.yaml on the approved rule
// change voids the approvals: `writ reconcile` does not apply it, and the
// gate says the approvals were on an older commit.
func TestRuleChangeApprovalsVoidedByALaterEdit(t *testing.T) {
	t.Parallel()
	repo := ruleChangeApproved(t)
	g := newGit(t)
	cfg := g.run(repo, "show", "main:writ.yaml")
	wt := filepath.Join(t.TempDir(), "wt")
	g.run(repo, "worktree", "add", "-q", wt, "proposals/rules/relax")
	if err := os.WriteFile(filepath.Join(wt, "writ.yaml"), []byte(withOverride(t, cfg)), 0o644); err != nil {
		t.Fatal(err)
	}
	g.run(wt, append(signWith(keyPath(repo, "carol")), "commit", "-q", "-S", "-a", "-m", "propose: a small fix")...)
	g.run(repo, "worktree", "remove", "--force", wt)

	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if now := g.run(repo, "show", "main:writ.yaml"); now != cfg {
		t.Fatalf("writ reconcile applied a writ.yaml edit nobody approved:\n%s", now)
	}
	_, gate := gateVerdict(t, repo, "rules/relax")
	if gate.Verdict != "waiting" || !strings.Contains(gate.Reason, "older commit") {
		t.Fatalf("gate: %+v", gate)
	}
}

// A rules entry signed with the reconciler's key whose writ.yaml is not
// the approved one: `writ verify` fails, naming the entry and the file.
func TestVerifyRefusesRulesNobodyApproved(t *testing.T) {
	t.Parallel()
	repo := ruleChangeApproved(t)
	g := newGit(t)
	granted := withOverride(t, g.run(repo, "show", "main:writ.yaml"))
	forged := forgeRulesEntry(t, repo, "rules/relax", map[string][]byte{"writ.yaml": []byte(granted)})

	r := runWrit("--repo", repo, "verify")
	// The forged entry is the last commit: a foreign commit after the
	// last verified entry (exit ExitForeign).
	if r.code != ExitForeign || !strings.Contains(r.out, "FAILED") {
		t.Fatalf("verify of a forged rules entry: %s", r)
	}
	for _, want := range []string{forged.String(), "writ.yaml", "approved"} {
		if !strings.Contains(r.out, want) {
			t.Fatalf("verify's failure does not mention %q:\n%s", want, r)
		}
	}
}

// forgeRulesEntry writes, on repo's main, the entry a reconciler would
// write for the approved proposal, but with files written over the change
// it merges, consistent in every trailer and signed with the reconciler's
// key: what a holder of that key alone could do.
func forgeRulesEntry(t *testing.T, repo, name string, files map[string][]byte) plumbing.Hash {
	t.Helper()
	store, err := gitstore.Open(repo)
	if err != nil {
		t.Fatal(err)
	}
	keys := local.KeyDir{Dir: filepath.Join(store.GitDir(), "writ", "keys")}
	e := &reconciler.Engine{Store: store, Keys: keys}
	res, err := e.Replay(reconciler.ReplayOptions{FromCheckpoint: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Pending(res.State.Rules(), res.Head, name)
	if err != nil || len(p.Problems) > 0 {
		t.Fatalf("pending %s: %v %v", name, err, p.Problems)
	}
	for f, b := range files {
		p.Files[f] = b
	}
	if p.Rules, err = intake.LoadRulesChanged(store, res.Head, p.Files, p.Deleted); err != nil {
		t.Fatal(err)
	}
	g, err := intake.Gate(res.State, p, core.NextHLC(res.State.Clock().HLC, res.State.Clock().HLC.Wall+1000))
	if err != nil {
		t.Fatal(err)
	}
	if g.Verdict != intake.VerdictReady {
		t.Fatalf("the forged change is not ready: %s: %s", g.Verdict, g.Reason)
	}
	next, out, err := core.Apply(res.State, g.Entry)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := wal.Encode(wal.Record{Entry: g.Entry, ProposalPath: p.Path, ProposalHead: p.Head.String(),
		RulesHash: next.RulesHash(), Guards: out.Guards, Summary: out.Reason, StatePre: res.State.Hash(), StatePost: next.Hash(),
		InstancePre: out.InstancePre, InstancePost: out.InstancePost})
	if err != nil {
		t.Fatal(err)
	}
	id := res.State.Rules().Config.Reconciler.Identity
	signer, err := keys.Signer(id)
	if err != nil {
		t.Fatal(err)
	}
	head, err := store.Commit(res.Head)
	if err != nil {
		t.Fatal(err)
	}
	c, err := store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{res.Head, p.Head}, Files: p.Files, Delete: p.Deleted,
		Message: msg, Author: head.Author, Committer: head.Committer, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CompareAndSwap(gitstore.MainRef, res.Head, c); err != nil {
		t.Fatal(err)
	}
	return c
}
