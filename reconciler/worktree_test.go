package reconciler

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestWorktreeFollowsMain(t *testing.T) {
	e, _ := newRepo(t)
	dir := e.Store.Dir()
	// A local edit to a file the WAL does not touch must survive.
	notes := filepath.Join(dir, "NOTES.md")
	if err := os.WriteFile(notes, []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := propose(t, e, "deploy-agent", "create", nil)
	reconcile(t, e, 1)
	if _, err := os.Stat(filepath.Join(dir, p.Path)); err != nil {
		t.Fatalf("applied proposal not in the working tree: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "writ.yaml")); err != nil {
		t.Fatalf("writ.yaml not checked out: %v", err)
	}
	cmd := exec.Command("git", "status", "--porcelain")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git status: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "?? NOTES.md" {
		t.Fatalf("git status after reconcile:\n%s", out)
	}
}
