package cli

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/writ-dev/writ/gitstore/remotetest"
)

// TestDecisionsThroughARemote is a shared control repo on a git server that
// demands credentials, used from three clones. In clone 1 alice approves
// web-1/ship with --push, and bob approves without it and runs the git push
// approve prints. Main moves on; in clone 2 the proposer rebases the branch
// onto it (the decision commits on the branch lose their deciders'
// signatures) and force-pushes it; approve --push in clone 1, whose branch
// is now behind, refuses and writes nothing. In clone 3 `writ reconcile --remote
// origin` fetches the branch and the decision ref, counts both approvals
// from the decision ref, applies the transition, and prunes the branch and
// the decision ref on the server. A fresh clone replays the entry, which
// records both approvals.
func TestDecisionsThroughARemote(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a git server")
	}
	t.Parallel()
	g := newGit(t)
	srv := remotetest.New(t)
	const token = "ghs_decisionsRemote0123456789abcTOKEN"
	seed := newControlRepo(t)
	keys := filepath.Join(seed, ".git", "writ", "keys")
	walkToApproved(t, seed, "web-1")
	writWant(t, ExitOK, "--repo", seed, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1",
		"--transition", "ship", "--name", "ship", "--input", "change_ticket=CHG-1")
	g.run(seed, "remote", "add", "origin", srv.URL)
	g.run(seed, "push", "-q", "origin", "main", "refs/writ/checkpoint", "refs/heads/proposals/web-1/ship")
	srv.RequireToken(token)
	withToken := strings.Replace(srv.URL, "http://", "http://"+remotetest.TokenUser+":"+token+"@", 1)
	g.run(seed, "remote", "set-url", "origin", withToken)
	clone := func(name string) string {
		dir := filepath.Join(t.TempDir(), name)
		g.run("", "clone", "-q", withToken, dir)
		return dir
	}
	const branch, kept = "refs/heads/proposals/web-1/ship", "refs/writ/decisions/web-1/ship"
	onServer := func(ref string) string {
		out, _, err := g.exec(srv.Dir, "", "rev-parse", "--verify", "--quiet", ref)
		if err != nil {
			return ""
		}
		return strings.TrimSpace(out)
	}

	// Clone 1: alice approves and publishes with --push.
	c1 := clone("approvers")
	g.run(c1, "branch", "proposals/web-1/ship", "origin/proposals/web-1/ship")
	r := writWant(t, ExitOK, "--repo", c1, "--keys", keys, "approve", "web-1/ship", "--as", "alice", "--push")
	if !strings.Contains(r.out, "pushed "+branch+" and "+kept+" to origin") {
		t.Fatalf("approve --push does not say what it pushed:\n%s", r)
	}
	alice := strings.TrimSpace(g.run(c1, "rev-parse", "proposals/web-1/ship"))
	if onServer(branch) != alice || onServer(kept) != alice {
		t.Fatalf("after approve --push the server holds %s = %q, %s = %q; want alice's decision %s", branch, onServer(branch), kept, onServer(kept), alice)
	}
	// bob approves without --push: approve says how to publish, and that
	// command publishes it.
	r = writWant(t, ExitOK, "--repo", c1, "--keys", keys, "approve", "web-1/ship", "--as", "bob")
	hint := "git push --atomic origin " + branch + " " + kept
	if !strings.Contains(r.out, hint) {
		t.Fatalf("approve in a clone with a remote does not say how to publish the decision (%q):\n%s", hint, r)
	}
	if onServer(branch) != alice {
		t.Fatal("approve without --push pushed")
	}
	g.run(c1, strings.Fields(hint)[1:]...)
	bob := strings.TrimSpace(g.run(c1, "rev-parse", "proposals/web-1/ship"))
	if onServer(branch) != bob || onServer(kept) != bob {
		t.Fatalf("the hinted push did not publish bob's decision %s", bob)
	}

	// Main moves on: another proposal applied and pushed from the seed
	// (whose copy of web-1/ship has no decisions, so it waits there).
	writWant(t, ExitOK, "--repo", seed, "propose", "-q", "--as", "deploy-agent", "--instance", "web-2",
		"--transition", "create", "--owner", "web-team")
	writWant(t, ExitOK, "--repo", seed, "reconcile", "-q")
	g.run(seed, "push", "-q", "origin", "main", "+refs/writ/checkpoint:refs/writ/checkpoint")

	// Clone 2: the proposer rebases the branch onto the new main, signing
	// with their key, and force-pushes it.
	c2 := clone("proposer")
	g.run(c2, "checkout", "-q", "-b", "proposals/web-1/ship", "origin/proposals/web-1/ship")
	g.run(c2, append(signWith(keyPath(seed, "deploy-agent")), "rebase", "-q", "--keep-empty", "--gpg-sign", "origin/main")...)
	g.run(c2, "push", "-q", "--force", "origin", "proposals/web-1/ship")
	rebased := onServer(branch)
	if rebased == bob || rebased == "" {
		t.Fatal("the force-push did not replace the branch on the server")
	}
	if onServer(kept) != bob {
		t.Fatal("the rebase touched the decision ref")
	}
	// Clone 1 still holds the branch as it was before the rebase: --push
	// refuses to decide on it, writing nothing, and says how to catch up.
	r = runWrit("--repo", c1, "--keys", keys, "approve", "web-1/ship", "--as", "carol", "--push")
	if r.code != ExitRefused || !strings.Contains(r.err, "nothing written") || !strings.Contains(r.err, "git fetch origin") {
		t.Fatalf("approve --push on a branch the remote rewrote: want exit %d naming the fix, got %s", ExitRefused, r)
	}
	if now := strings.TrimSpace(g.run(c1, "rev-parse", "proposals/web-1/ship")); now != bob || onServer(branch) != rebased {
		t.Fatal("a refused approve --push wrote or pushed something")
	}

	// Clone 3: the reconciler counts both decisions and applies.
	c3 := clone("reconciler")
	r = writWant(t, ExitOK, "--repo", c3, "--keys", keys, "reconcile", "--remote", "origin")
	if !strings.Contains(r.out, "applied proposals/web-1/ship") {
		t.Fatalf("reconcile --remote did not apply web-1/ship with the decisions of the decision ref:\n%s", r)
	}
	if !strings.Contains(r.out, "pruned proposals/web-1/ship on origin (was ") {
		t.Fatalf("reconcile --remote does not report pruning web-1/ship:\n%s", r)
	}
	if b, d := onServer(branch), onServer(kept); b != "" || d != "" {
		t.Fatalf("after the apply the server still holds %s = %q, %s = %q", branch, b, kept, d)
	}
	if left := strings.TrimSpace(g.run(c3, "for-each-ref", "refs/remotes/origin/proposals/", "refs/writ/remotes/origin/decisions/")); left != "" {
		t.Fatalf("tracking refs of the pruned proposal left in the reconciler's clone:\n%s", left)
	}

	// A fresh clone replays; the entry records alice's and bob's approvals.
	fresh := clone("auditor")
	if r := writWant(t, ExitOK, "--repo", fresh, "replay"); !stateLine.MatchString(lastLine(r.out)) {
		t.Fatalf("replay of a fresh clone: %s", r)
	}
	if got := instanceState(t, fresh, "web-1"); got != "released" {
		t.Fatalf("web-1 is %q on the server's main, want released", got)
	}
	r = writWant(t, ExitOK, "--repo", fresh, "log", "--json")
	var entries []struct {
		Instance   string `json:"instance"`
		Transition string `json:"transition"`
		Decisions  []struct {
			Identity string `json:"identity"`
			Verdict  string `json:"verdict"`
		} `json:"decisions"`
	}
	if err := json.Unmarshal([]byte(r.out), &entries); err != nil {
		t.Fatalf("log --json: %v\n%s", err, r.out)
	}
	var approvers []string
	for _, e := range entries {
		if e.Instance == "web-1" && e.Transition == "ship" {
			for _, d := range e.Decisions {
				approvers = append(approvers, d.Identity+":"+d.Verdict)
			}
		}
	}
	sort.Strings(approvers)
	if strings.Join(approvers, ",") != "alice:approve,bob:approve" {
		t.Fatalf("the ship entry records approvals %v, want alice and bob\n%s", approvers, r.out)
	}
}
