package cli

import (
	"regexp"
	"strings"
	"testing"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	demo, _ := sharedDemo(t)
	dir := copyRepo(t, demo)
	r := runWrit("--repo", dir, "verify")
	if r.code != ExitOK {
		t.Fatalf("verify on the demo repo: %s", r)
	}
	line := regexp.MustCompile(`^[0-9a-f]{7} entry \d+ +\w+ +signed by writ-bot \(ssh \w+, SHA256:\S+\) proposer [\w-]+: ok$`)
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if len(lines) != 8 {
		t.Fatalf("want 7 entry lines and a summary, got:\n%s", r.out)
	}
	for _, l := range lines[:7] {
		if !line.MatchString(l) {
			t.Fatalf("unexpected line %q", l)
		}
	}
	since := runWrit("--repo", dir, "verify", "--since", "main~2")
	if since.code != ExitOK || strings.Count(since.out, " entry ") != 2 {
		t.Fatalf("verify --since main~2: %s", since)
	}
	g := newGit(t)
	// A commit on main the reconciler did not write: verify fails, naming it.
	g.run(dir, "commit", "-q", "--allow-empty", "-m", "sneaky")
	bad := strings.TrimSpace(g.run(dir, "rev-parse", "main"))
	r = runWrit("--repo", dir, "verify")
	if r.code != ExitForeign || !strings.Contains(r.out, "FAILED") || !strings.Contains(r.err, bad) {
		t.Fatalf("verify with a foreign commit: %s", r)
	}
}
