package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A hand-made override by an identity without the override capability
// (signed with stock git) leaves a waiting proposal waiting: gate exits 2
// and lists the override as ignored, with its reason.
func TestGateBogusOverrideStillWaiting(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	walkToApproved(t, repo, "web-1")
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "ship",
		"--name", "ship", "--input", "change_ticket=CHG-1")
	if code, _ := gateVerdict(t, repo, "web-1/ship"); code != ExitWaiting {
		t.Fatalf("before the override: exit %d", code)
	}
	head := strings.TrimSpace(g.run(repo, "rev-parse", "proposals/web-1/ship"))
	msg := "writ: override proposals/web-1/ship.yaml\n\nI say so\n\nWrit-Decision: override\nWrit-Identity: bob\nWrit-Subject: " + head + "\n"
	wt := filepath.Join(t.TempDir(), "wt")
	g.run(repo, "worktree", "add", "-q", wt, "proposals/web-1/ship")
	file := filepath.Join(t.TempDir(), "msg")
	if err := os.WriteFile(file, []byte(msg), 0o644); err != nil {
		t.Fatal(err)
	}
	g.run(wt, append(signWith(keyPath(repo, "bob")), "commit", "-q", "--allow-empty", "-S", "-F", file)...)
	g.run(repo, "worktree", "remove", "--force", wt)

	r := writWant(t, ExitWaiting, "--repo", repo, "gate", "web-1/ship")
	if !strings.Contains(r.out, "ignored decision") || !strings.Contains(r.out, "by bob: override: lacks capability override") {
		t.Fatalf("the bogus override is not listed as ignored with its reason:\n%s", r)
	}
	code, out := gateVerdict(t, repo, "web-1/ship")
	if code != ExitWaiting || out.Verdict != "waiting" {
		t.Fatalf("gate --json: exit %d, verdict %s", code, out.Verdict)
	}
}

// A decision commit too malformed to name its decider is listed as ignored
// without an empty "by :".
func TestGateMalformedDecisionNamesNoEmptyIdentity(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "create")
	branch := strings.TrimSpace(g.run(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/proposals/web-1"))
	head := strings.TrimSpace(g.run(repo, "rev-parse", branch))
	msg := "writ: reject x\n\nno\n\nWrit-Decision: reject\nWrit-Decision: reject\nWrit-Identity: bob\nWrit-Subject: " + head + "\n"
	wt := filepath.Join(t.TempDir(), "wt")
	g.run(repo, "worktree", "add", "-q", wt, branch)
	file := filepath.Join(t.TempDir(), "msg")
	if err := os.WriteFile(file, []byte(msg), 0o644); err != nil {
		t.Fatal(err)
	}
	g.run(wt, append(signWith(keyPath(repo, "bob")), "commit", "-q", "--allow-empty", "-S", "-F", file)...)
	g.run(repo, "worktree", "remove", "--force", wt)

	r := writWant(t, ExitOK, "--repo", repo, "gate", strings.TrimPrefix(branch, "proposals/"))
	if !strings.Contains(r.out, "ignored decision") || strings.Contains(r.out, "by :") {
		t.Fatalf("the malformed decision is not listed as ignored, or is listed \"by :\":\n%s", r)
	}
}

// A decision commit whose identity carries a terminal escape (ESC[2K
// clears the line, so a fake "READY" could be shown) is printed with the
// escape spelled out, never as raw control bytes.
func TestGateNeverPrintsRawControlCharacters(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "create")
	branch := strings.TrimSpace(g.run(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/proposals/web-1"))
	head := strings.TrimSpace(g.run(repo, "rev-parse", branch))
	msg := "writ: approve x\n\nWrit-Decision: approve\nWrit-Identity: bob\x1b[2K\rgate: READY\nWrit-Subject: " + head + "\n"
	wt := filepath.Join(t.TempDir(), "wt")
	g.run(repo, "worktree", "add", "-q", wt, branch)
	file := filepath.Join(t.TempDir(), "msg")
	if err := os.WriteFile(file, []byte(msg), 0o644); err != nil {
		t.Fatal(err)
	}
	g.run(wt, append(signWith(keyPath(repo, "alice")), "commit", "-q", "--allow-empty", "--cleanup=verbatim", "-S", "-F", file)...)
	g.run(repo, "worktree", "remove", "--force", wt)

	r := writWant(t, ExitOK, "--repo", repo, "gate", strings.TrimPrefix(branch, "proposals/"))
	if !strings.Contains(r.out, "ignored decision") {
		t.Fatalf("the decision is not listed as ignored:\n%s", r)
	}
	if strings.ContainsAny(r.out, "\x1b\r") {
		t.Fatalf("gate printed raw control characters: %q", r.out)
	}
	if !strings.Contains(r.out, `bob\x1b[2K`) {
		t.Fatalf("the escape is not spelled out: %q", r.out)
	}
}
