package cli

import (
	"os"
	"strings"
	"testing"
)

// TestReconcilerKeyFromEnvironment: $WRIT_RECONCILER_KEY (the Action's
// reconciler-key input, from a secret) signs the reconciler's entries
// when the key directory has no reconciler key; a wrong key pushes
// nothing, and a malformed one is refused without quoting it.
func TestReconcilerKeyFromEnvironment(t *testing.T) {
	dir := newControlRepo(t)
	botKey := keyPath(dir, "writ-bot")
	pem, err := os.ReadFile(botKey)
	if err != nil {
		t.Fatal(err)
	}
	aliceKey, err := os.ReadFile(keyPath(dir, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(botKey); err != nil {
		t.Fatal(err)
	}
	writWant(t, ExitOK, "--repo", dir, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "create")
	g := newGit(t)
	before := g.run(dir, "rev-parse", "main")

	t.Setenv(reconcilerKeyEnv, "")
	if r := runWrit("--repo", dir, "reconcile"); r.code == ExitOK {
		t.Fatalf("reconcile without the reconciler's key succeeded: %s", r)
	}

	const junk = "not-a-key-SECRET-MATERIAL-1234"
	t.Setenv(reconcilerKeyEnv, junk)
	r := runWrit("--repo", dir, "reconcile")
	if r.code == ExitOK || !strings.Contains(r.err, "$"+reconcilerKeyEnv) || strings.Contains(r.out+r.err, junk) {
		t.Fatalf("a malformed $%s: %s", reconcilerKeyEnv, r)
	}

	t.Setenv(reconcilerKeyEnv, string(aliceKey))
	if r := runWrit("--repo", dir, "reconcile"); r.code == ExitOK {
		t.Fatalf("reconcile signed by alice's key as the reconciler succeeded: %s", r)
	}
	if after := g.run(dir, "rev-parse", "main"); after != before {
		t.Fatalf("main moved from %s to %s with a wrong or missing reconciler key", before, after)
	}

	t.Setenv(reconcilerKeyEnv, string(pem))
	writWant(t, ExitOK, "--repo", dir, "reconcile", "-q")
	if got := instanceState(t, dir, "web-1"); got == "" {
		t.Fatal("web-1 was not created")
	}
	t.Setenv(reconcilerKeyEnv, "")
	if r := writWant(t, ExitOK, "--repo", dir, "replay"); !stateLine.MatchString(lastLine(r.out)) {
		t.Fatalf("replay: %s", r)
	}

	t.Setenv(reconcilerKeyEnv, string(pem))
	t.Setenv("WRIT_KEYLESS", "true")
	if r := runWrit("--repo", dir, "reconcile"); r.code == ExitOK || !strings.Contains(r.err, "unset one") {
		t.Fatalf("keyless and a reconciler key together: %s", r)
	}
}
