package github

import (
	"context"
	"github.com/go-git/go-git/v5/plumbing"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/writ-dev/writ/gitstore"
)

// A review made on a commit where the proposal was a symlink binds to no
// content (the symlink's target text is never hashed as the proposal), and
// reading it is no error that would stop the run.
func TestContentHashesOfASymlinkedProposal(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skipf("git not installed: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "clone")
	gitStdin := gitInClone(t, dir)
	git := func(args ...string) string { return gitStdin("", args...) }
	if err := os.MkdirAll(filepath.Join(dir, "proposals", "web-1"), 0o755); err != nil {
		t.Fatal(err)
	}
	git("init", "-q")
	path := "proposals/web-1/ship.yaml"
	if err := os.Symlink("instance: web-1\n", filepath.Join(dir, filepath.FromSlash(path))); err != nil {
		t.Fatal(err)
	}
	git("add", path)
	git("commit", "-q", "-m", "symlinked proposal")
	sym := git("rev-parse", "HEAD")

	store, err := gitstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := &PullRequests{Store: store}
	f := PullRequestFacts{HeadSHA: sym, Reviews: []Review{{ID: 1, UserLogin: "alice-gh", State: "APPROVED", CommitID: sym}}}
	got, err := r.contentHashes(context.Background(), plumbing.ZeroHash, path, f)
	if err != nil {
		t.Fatalf("contentHashes: %v", err)
	}
	if h, ok := got[sym]; !ok || h != "" {
		t.Fatalf("content at the symlink commit = %q (present %v), want none", h, ok)
	}
}
