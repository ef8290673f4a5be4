package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// propose --rules proposes every rules path validate accepts: writ.yaml,
// workflows/, policies/ and trust/ (here a new trust file).
func TestProposeRulesIncludesTrustFiles(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	if err := os.MkdirAll(filepath.Join(repo, "trust"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "trust", "next-root.pem"), []byte("not yet referenced\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writWant(t, ExitOK, "--repo", repo, "validate")
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--rules", "--as", "alice", "--name", "trust-root")
	files := g.run(repo, "ls-tree", "-r", "--name-only", "proposals/rules/trust-root")
	if !strings.Contains(files, "trust/next-root.pem\n") {
		t.Fatalf("the rules change leaves out trust/next-root.pem; its tree:\n%s", files)
	}
}

// propose --rules never follows a symlink in the working tree: it refuses,
// naming the path, and proposes nothing (no bytes from outside the
// repository reach a commit).
func TestProposeRulesRefusesSymlinks(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	outside := filepath.Join(t.TempDir(), "secret.yaml")
	if err := os.WriteFile(outside, []byte("name: secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	symlink(t, outside, filepath.Join(repo, "policies", "leak.yaml"))
	r := writWant(t, ExitFailure, "--repo", repo, "propose", "-q", "--rules", "--as", "alice", "--name", "leak")
	if !strings.Contains(r.err, "policies/leak.yaml: (file): a symlink") {
		t.Fatalf("want the symlink named, got %s", r)
	}
	if out, _, err := g.exec(repo, "", "rev-parse", "--verify", "-q", "refs/heads/proposals/rules/leak"); err == nil {
		t.Fatalf("a branch was written: %s", out)
	}
}
