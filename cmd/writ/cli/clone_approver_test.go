package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestApproverWorksFromAClone: an approver who cloned the control repo has
// the proposals only as remote-tracking branches (origin/proposals/…).
// writ pending lists them, writ show and gate read them, and writ approve
// sets up the local branch from the remote's, as git switch does, records
// the decision on it and says how to publish it; the decision, pushed,
// counts for the reconciler.
func TestApproverWorksFromAClone(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	proposeShip(t, repo, "web-3")
	g := newGit(t)
	clone := filepath.Join(t.TempDir(), "approver")
	g.run("", "clone", "-q", repo, clone)
	// The clone needs the approver's key: the demo keys live in the
	// origin's git directory.
	keys := filepath.Join(repo, ".git", "writ", "keys")
	pending := writWant(t, ExitOK, "--repo", clone, "pending").out
	wantAll(t, "pending in a clone", pending, "proposals/web-3/ship")
	wantAll(t, "show in a clone", writWant(t, ExitOK, "--repo", clone, "show", "web-3/ship").out,
		"proposal proposals/web-3/ship: WAITING", "from origin/proposals/web-3/ship")
	out := writWant(t, ExitOK, "--repo", clone, "--keys", keys, "approve", "web-3/ship", "--as", "alice").out
	wantAll(t, "approve in a clone", out, "set up branch proposals/web-3/ship from origin/proposals/web-3/ship", "git push")
	if head := strings.TrimSpace(g.run(clone, "rev-parse", "proposals/web-3/ship")); head == strings.TrimSpace(g.run(clone, "rev-parse", "origin/proposals/web-3/ship")) {
		t.Fatal("the decision is not on the local branch")
	}
	g.run(clone, "push", "-q", "origin", "proposals/web-3/ship")
	gate := writWant(t, ExitWaiting, "--repo", repo, "gate", "web-3/ship").out
	wantAll(t, "gate at the origin after the push", gate, "counted: alice")
	// A second approver, in a fresh clone, publishes with --push.
	second := filepath.Join(t.TempDir(), "second")
	g.run("", "clone", "-q", repo, second)
	out = writWant(t, ExitOK, "--repo", second, "--keys", keys, "approve", "web-3/ship", "--as", "bob", "--push").out
	wantAll(t, "approve --push in a clone", out, "set up branch proposals/web-3/ship from origin/proposals/web-3/ship", "pushed")
	gate = writWant(t, ExitWaiting, "--repo", repo, "gate", "web-3/ship").out
	wantAll(t, "gate at the origin after the second push", gate, "counted: alice", "counted: bob")
}
