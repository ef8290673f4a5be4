package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestStockGitKeepsUpWithRulesChanges: init configures stock git to check
// signatures against writ.yaml; after a governed rules change adds an
// identity, `git verify-commit` (the real git, with the repository's own
// configuration) recognises the new signer without any manual step.
func TestStockGitKeepsUpWithRulesChanges(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)

	keys := t.TempDir()
	daveKey := filepath.Join(keys, "dave")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dave", "-f", daveKey).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(daveKey + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(repo, "writ.yaml")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	dave := "    - name: dave\n      kind: human\n      email: dave@writ.example\n      roles: [sre]\n" +
		"      capabilities: [approve]\n      signers:\n        - name: laptop\n          ssh: \"" + strings.TrimSpace(string(pub)) + "\"\n"
	at := strings.Index(string(cfg), "    - name: alice\n")
	if at < 0 {
		t.Fatalf("no alice in writ.yaml:\n%s", cfg)
	}
	added := string(cfg[:at]) + dave + string(cfg[at:])
	if err := os.WriteFile(cfgPath, []byte(added), 0o644); err != nil {
		t.Fatal(err)
	}
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--rules", "--as", "carol", "--name", "dave", "--justification", "dave joins the SREs")
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"alice", "bob"} {
		writWant(t, ExitOK, "--repo", repo, "approve", "-q", "rules/dave", "--as", who)
	}
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if !strings.Contains(g.run(repo, "show", "main:writ.yaml"), "name: dave") {
		t.Fatal("the rules change adding dave did not land")
	}

	// dave signs a commit on a branch of his own with stock git.
	wt := filepath.Join(t.TempDir(), "wt")
	g.run(repo, "worktree", "add", "-q", "-b", "dave-notes", wt, "main")
	if err := os.WriteFile(filepath.Join(wt, "notes.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g.run(wt, "add", "notes.txt")
	g.run(wt, append(signWith(daveKey), "commit", "-q", "-S", "-m", "dave's first commit")...)
	out, errOut, err := g.exec(repo, "", "verify-commit", "dave-notes")
	if err != nil || !strings.Contains(errOut, `with ED25519 key`) || strings.Contains(errOut, "No principal matched") {
		t.Fatalf("git verify-commit of dave's commit: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
}
