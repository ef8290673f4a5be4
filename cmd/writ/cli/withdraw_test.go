package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWithdrawClosesAProposalOnMain: the proposer withdraws a waiting
// proposal; reconcile records a one-parent withdraw entry with the
// justification, consumes the idem_key as withdrawn, leaves the instance
// where it was, prunes the branch and keeps its commits under
// refs/writ/withdrawn/; writ log shows it, and a clone replays to the same
// state, with and without the kept commits. Someone else, or an agent for
// someone else, is refused and nothing is written.
func TestWithdrawClosesAProposalOnMain(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	walkToApproved(t, repo, "web-1")
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "ship",
		"--name", "ship", "--input", "change_ticket=CHG-1", "--input", "environment=production")
	head := strings.TrimSpace(g.run(repo, "rev-parse", "proposals/web-1/ship"))

	r := writWant(t, ExitRefused, "--repo", repo, "withdraw", "--as", "deploy-agent", "web-1/ship")
	if !strings.Contains(r.err, "needs a justification") {
		t.Fatalf("withdraw without --justification: %s", r)
	}
	r = writWant(t, ExitRefused, "--repo", repo, "withdraw", "--as", "writ-bot", "--justification", "tidy", "web-1/ship")
	if !strings.Contains(r.err, "would never count") {
		t.Fatalf("withdraw by the reconciler: %s", r)
	}
	if now := strings.TrimSpace(g.run(repo, "rev-parse", "proposals/web-1/ship")); now != head {
		t.Fatal("a refused withdrawal wrote to the branch")
	}
	// alice alone is not governance: recorded, but it does not count.
	r = writWant(t, ExitWaiting, "--repo", repo, "withdraw", "--as", "alice", "--justification", "freeze", "web-1/ship")
	if !strings.Contains(r.err, "does not count yet") || !strings.Contains(r.out, "withdraw: withdrawal by alice does not count") {
		t.Fatalf("withdraw by alice alone: %s", r)
	}

	r = writWant(t, ExitOK, "--repo", repo, "withdraw", "--json", "--as", "deploy-agent", "--justification", "superseded by a smaller change", "web-1/ship")
	if v, _ := validateOutput(t, "gate", r.out).(map[string]any); v["verdict"] != "withdrawn" || !strings.Contains(v["reason"].(string), "its proposer deploy-agent") {
		t.Fatalf("withdraw --json by the proposer:\n%s", r)
	}
	r = writWant(t, ExitOK, "--repo", repo, "reconcile")
	if !strings.Contains(r.out, "pruned proposals/web-1/ship") || !strings.Contains(r.out, "withdrawn by entry") {
		t.Fatalf("reconcile:\n%s", r)
	}
	if left := proposalBranches(t, g, repo, "web-1"); len(left) != 0 {
		t.Fatalf("branches left: %v", left)
	}
	if parents := strings.Fields(g.run(repo, "rev-list", "--parents", "-n", "1", "main")); len(parents) != 2 {
		t.Fatalf("the withdraw entry has parents %v, want main alone", parents[1:])
	}
	kept := strings.TrimSpace(g.run(repo, "rev-parse", "refs/writ/withdrawn/web-1/ship"))
	if out := g.run(repo, "merge-base", "--is-ancestor", head, kept); out != "" {
		t.Fatalf("merge-base: %s", out)
	}
	if got := instanceState(t, repo, "web-1"); got != "approved" {
		t.Fatalf("after the withdrawal web-1 is in %q, want approved", got)
	}
	r = writWant(t, ExitOK, "--repo", repo, "log")
	if !strings.Contains(r.out, "withdraw") || !strings.Contains(r.out, "superseded by a smaller change") {
		t.Fatalf("log does not show the withdrawal:\n%s", r)
	}
	writWant(t, ExitFailure, "--repo", repo, "withdraw", "--as", "deploy-agent", "--justification", "again", "web-1/ship") // no such proposal

	want := lastLine(writWant(t, ExitOK, "--repo", repo, "replay").out)
	// --no-local: only what main and the branches reach, as from a server.
	clone := filepath.Join(t.TempDir(), "clone")
	g.run(t.TempDir(), "clone", "-q", "--no-local", repo, clone)
	if got := lastLine(writWant(t, ExitOK, "--repo", clone, "replay").out); got != want {
		t.Fatalf("clone replays to %s, want %s", got, want)
	}
	if r := writWant(t, ExitOK, "--repo", clone, "verify"); !strings.Contains(r.out, "withdrawal on the reconciler's word") {
		t.Fatalf("verify on a clone without refs/writ/withdrawn/:\n%s", r)
	}
	g.run(clone, "fetch", "-q", "origin", "refs/writ/withdrawn/*:refs/writ/withdrawn/*")
	if got := lastLine(writWant(t, ExitOK, "--repo", clone, "replay").out); got != want {
		t.Fatalf("clone with the withdrawn commits replays to %s, want %s", got, want)
	}
	if r := writWant(t, ExitOK, "--repo", clone, "verify"); strings.Contains(r.out, "reconciler's word") {
		t.Fatalf("verify with the withdrawn commits still rests on the reconciler's word:\n%s", r)
	}
}

// TestWithdrawARuleChange: a rule change is withdrawn by its proposer;
// main records it and keeps the rules in force.
func TestWithdrawARuleChange(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	cfgPath := filepath.Join(repo, "writ.yaml")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, []byte(string(cfg)+"# a comment\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--rules", "--as", "carol", "--name", "comment", "--justification", "a comment")
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	before := g.run(repo, "show", "main:writ.yaml")
	writWant(t, ExitOK, "--repo", repo, "withdraw", "-q", "--as", "carol", "--justification", "not needed", "rules/comment")
	r := writWant(t, ExitOK, "--repo", repo, "reconcile")
	if !strings.Contains(r.out, "withdrawn by entry") {
		t.Fatalf("reconcile:\n%s", r)
	}
	if after := g.run(repo, "show", "main:writ.yaml"); after != before {
		t.Fatal("a withdrawn rule change changed writ.yaml on main")
	}
	want := lastLine(writWant(t, ExitOK, "--repo", repo, "replay").out)
	clone := replayClone(t, g, repo)
	g.run(clone, "fetch", "-q", "origin", "refs/writ/withdrawn/*:refs/writ/withdrawn/*")
	if got := lastLine(writWant(t, ExitOK, "--repo", clone, "replay").out); got != want {
		t.Fatalf("clone replays to %s, want %s", got, want)
	}
}
