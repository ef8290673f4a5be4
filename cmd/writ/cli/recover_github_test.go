package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/adapters/github/githubtest"
	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/fixtures"
	ghfixtures "github.com/writ-dev/writ/fixtures/github"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/remotetest"
	"github.com/writ-dev/writ/reconciler"
)

// TestReconcileGitHubForeignCommit drives `writ reconcile --github` on a
// remote whose main holds a commit a human pushed: it exits ExitForeign
// naming the commit and its author, moves nothing, and publishes a failing
// check run on that commit that names them.
func TestReconcileGitHubForeignCommit(t *testing.T) {
	ctx := context.Background()
	keys := local.KeyDir{Dir: filepath.Join(t.TempDir(), "keys")}
	seedStore, err := gitstore.Init(filepath.Join(t.TempDir(), "seed"))
	if err != nil {
		t.Fatal(err)
	}
	clock := &ghTick{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	seed := &reconciler.Engine{Store: seedStore, Keys: keys, Now: clock.Now}
	if _, err := seed.Init(fixtures.Release(), keys); err != nil {
		t.Fatal(err)
	}
	main, _ := seedStore.Ref(gitstore.MainRef)
	human := object.Signature{Name: "Mallory Human", Email: "mallory@example.com", When: time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)}
	foreign, err := seedStore.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{main},
		Files: map[string][]byte{"README.md": []byte("edited on the web\n")}, Message: "Update README.md\n", Author: human, Committer: human})
	if err != nil {
		t.Fatal(err)
	}
	srv := remotetest.New(t)
	ghOrigin(t, seedStore, srv.URL)
	if err := seedStore.PushCAS(ctx, "origin", gitstore.MainRef, plumbing.ZeroHash, foreign); err != nil {
		t.Fatal(err)
	}
	gh := githubtest.New(t, "octo-org", "octo-repo", time.Now)
	cloneDir := filepath.Join(t.TempDir(), "checkout")
	clone, err := gitstore.Init(cloneDir)
	if err != nil {
		t.Fatal(err)
	}
	ghOrigin(t, clone, srv.URL)
	payload, err := ghfixtures.Event("workflow_dispatch.json")
	if err != nil {
		t.Fatal(err)
	}
	eventPath := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(eventPath, payload, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_EVENT_NAME", "workflow_dispatch")
	t.Setenv("GITHUB_EVENT_PATH", eventPath)
	t.Setenv("GITHUB_REPOSITORY", "octo-org/octo-repo")
	t.Setenv("GITHUB_API_URL", gh.URL)
	t.Setenv("GITHUB_TOKEN", "ghs_test")
	t.Setenv("WRIT_KEYLESS", "")
	t.Setenv("GITHUB_OUTPUT", filepath.Join(t.TempDir(), "output"))
	t.Setenv("GITHUB_STEP_SUMMARY", filepath.Join(t.TempDir(), "summary"))
	r := writWant(t, ExitForeign, "reconcile", "--repo", cloneDir, "--keys", keys.Dir, "--github", "--remote", "origin")
	if !strings.Contains(r.err, foreign.String()[:7]) || !strings.Contains(r.err, "Mallory Human <mallory@example.com>") {
		t.Fatalf("want the commit and its author named, got %s", r)
	}
	refs, err := seedStore.RemoteRefs(ctx, "origin")
	if err != nil || refs[gitstore.MainRef] != foreign {
		t.Fatalf("remote main %s (%v), want the foreign commit %s", refs[gitstore.MainRef], err, foreign)
	}
	runs := gh.CheckRuns(foreign.String())
	if len(runs) != 1 || runs[0].Conclusion != "failure" || !strings.Contains(runs[0].Title, "Mallory Human") ||
		!strings.Contains(runs[0].Summary, "Update README.md") {
		t.Fatalf("check runs on the foreign commit: %+v, want one failure naming the author and subject", runs)
	}
}
