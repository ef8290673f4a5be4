package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/writ-dev/writ/gitstore"
)

// TestReconcileGitHubMalformedEvent: a malformed event fails with a clear
// error before anything is fetched or written.
func TestReconcileGitHubMalformedEvent(t *testing.T) {
	repo := newControlRepo(t)
	store, err := gitstore.Open(repo)
	if err != nil {
		t.Fatal(err)
	}
	before, err := store.Ref(gitstore.MainRef)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(path, []byte(`{"action":"opened","pull_request":{"number":"seven"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_EVENT_NAME", "pull_request")
	t.Setenv("GITHUB_EVENT_PATH", path)
	t.Setenv("GITHUB_REPOSITORY", "acme/control")
	// No remote named origin exists: the event must fail first.
	r := writWant(t, ExitFailure, "reconcile", "--repo", repo, "--github", "--remote", "origin")
	if !strings.Contains(r.err, "malformed event") || !strings.Contains(r.err, "pull_request.number") {
		t.Fatalf("want an error naming the malformed field, got %s", r)
	}
	after, err := store.Ref(gitstore.MainRef)
	if err != nil || after != before {
		t.Fatalf("main moved from %s to %s (%v)", before, after, err)
	}

	t.Setenv("GITHUB_EVENT_NAME", "workflow_dispatch")
	if err := os.WriteFile(path, []byte(`{"ref":"refs/heads/main","workflow":"writ.yml","repository":{"full_name":"acme/control"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r = writWant(t, ExitFailure, "reconcile", "--repo", repo, "--github")
	if !strings.Contains(r.err, "--github needs --remote") {
		t.Fatalf("want a missing --remote error, got %s", r)
	}
}
