package cli

import (
	"strings"
	"testing"
)

// TestKeylessOutsideActions: --keyless routes the reconciler's signature
// through the Actions OIDC token source; outside Actions that is refused
// with the reason and main does not move.
func TestKeylessOutsideActions(t *testing.T) {
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_URL", "")
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "")
	t.Setenv("GITHUB_ACTIONS", "")
	dir := newControlRepo(t)
	writWant(t, ExitOK, "--repo", dir, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "create")
	g := newGit(t)
	before := g.run(dir, "rev-parse", "main")
	r := runWrit("--repo", dir, "--keyless", "--fulcio-url", "http://127.0.0.1:1", "reconcile")
	if r.code == ExitOK || !strings.Contains(strings.ToLower(r.err), "actions") {
		t.Fatalf("--keyless outside Actions: %s", r)
	}
	if after := g.run(dir, "rev-parse", "main"); after != before {
		t.Fatalf("main moved from %s to %s", before, after)
	}
}
