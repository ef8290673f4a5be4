package github

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
)

// A review made on a commit of a rule change whose change is over the
// diff limits (a tree reusing one subtree under 128 names, three levels
// deep: 2,097,152 paths) binds to no content, and reading it is no error
// that would leave the pull request unjudged run after run.
func TestContentHashesOfAChangeOverTheDiffLimits(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skipf("git not installed: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "clone")
	git := gitInClone(t, dir)
	path := "proposals/rules/widen.yaml"
	if err := os.MkdirAll(filepath.Join(dir, "proposals", "rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	git("", "init", "-q")
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(path)), []byte("instance: rules\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("", "add", path)
	h, mode, kind := git("x\n", "hash-object", "-w", "--stdin"), "100644", "blob"
	for range 3 {
		var b strings.Builder
		for i := range 128 {
			fmt.Fprintf(&b, "%s %s %s\tn%03d\n", mode, kind, h, i)
		}
		h, mode, kind = git(b.String(), "mktree"), "040000", "tree"
	}
	root := git(git("", "ls-tree", git("", "write-tree"))+"\n040000 tree "+h+"\tzz\n", "mktree")
	dag := git("", "commit-tree", root, "-m", "a rule change and 2 million paths")

	store, err := gitstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := &PullRequests{Store: store}
	f := PullRequestFacts{HeadSHA: dag, Reviews: []Review{{ID: 1, UserLogin: "alice-gh", State: "APPROVED", CommitID: dag}}}
	got, err := r.contentHashes(context.Background(), plumbing.ZeroHash, path, f)
	if err != nil {
		t.Fatalf("contentHashes: %v", err)
	}
	if h, ok := got[dag]; !ok || h != "" {
		t.Fatalf("content at the commit over the limits = %q (present %v), want none", h, ok)
	}
}

// gitInClone returns a runner of the git client in dir, with stdin, an
// empty configuration and a fixed author and committer; it returns git's
// trimmed output and fails the test when git does.
func gitInClone(t *testing.T, dir string) func(stdin string, args ...string) string {
	home := t.TempDir()
	return func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+home,
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@x", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@x")
		cmd.Stdin = strings.NewReader(stdin)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, errOut.String())
		}
		return strings.TrimSpace(out.String())
	}
}
