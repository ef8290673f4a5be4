package cli

import (
	"strings"
	"testing"
)

// TestDecisionsSurviveARebase: alice approves web-1/ship; main moves; the
// proposer rebases the branch (its decision commits do not survive: the
// rebased copies carry the proposer's signature, not alice's). alice's
// approval still counts, because it binds to content the rebased branch
// still proposes and is kept under refs/writ/decisions/; bob approves,
// reconcile releases web-1 and prunes the branch and the decision ref, and
// a clone replays the entry (the kept decision is reachable from main). A
// rebase that changes the content voids the approval.
func TestDecisionsSurviveARebase(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	for _, changed := range []bool{false, true} {
		repo := newControlRepo(t)
		walkToApproved(t, repo, "web-1")
		writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1",
			"--transition", "ship", "--name", "ship", "--input", "change_ticket=CHG-1")
		writWant(t, ExitOK, "--repo", repo, "approve", "-q", "web-1/ship", "--as", "alice")
		// main moves on.
		writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-2",
			"--transition", "create", "--owner", "web-team")
		writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")

		// The proposer rebases the branch onto main, signing with their key.
		g.run(repo, "checkout", "-q", "proposals/web-1/ship")
		g.run(repo, append(signWith(keyPath(repo, "deploy-agent")), "rebase", "-q", "--keep-empty", "--gpg-sign", "main")...)
		if changed {
			writeFile(t, repo, "proposals/web-1/ship.yaml",
				strings.Replace(g.run(repo, "show", "HEAD:proposals/web-1/ship.yaml"), "CHG-1", "CHG-2", 1))
			g.run(repo, "add", "proposals/web-1/ship.yaml")
			g.run(repo, append(signWith(keyPath(repo, "deploy-agent")), "commit", "-q", "-S", "-m", "ticket CHG-2")...)
		}
		g.run(repo, "checkout", "-q", "main")

		writWant(t, ExitOK, "--repo", repo, "approve", "-q", "web-1/ship", "--as", "bob")
		code, _ := gateVerdict(t, repo, "web-1/ship")
		if changed {
			if code != ExitWaiting {
				t.Fatalf("content changed by the rebase: gate exit %d, want %d (alice's approval is void)", code, ExitWaiting)
			}
			continue
		}
		if code != ExitOK {
			t.Fatalf("after a rebase that kept the content and bob's approval: gate exit %d, want ready", code)
		}
		writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
		if got := instanceState(t, repo, "web-1"); got != "released" {
			t.Fatalf("web-1 is %q, want released", got)
		}
		// Applied: the branch and its decision ref are pruned (the kept
		// decisions are reachable from main through the entry).
		if left := strings.TrimSpace(g.run(repo, "for-each-ref", "refs/heads/proposals/web-1/", "refs/writ/decisions/web-1/")); left != "" {
			t.Fatalf("after the apply the repository still holds:\n%s", left)
		}
		replayClone(t, g, repo)
	}
}
