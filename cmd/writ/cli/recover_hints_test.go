package cli

import (
	"strings"
	"testing"
)

// TestRewrittenHistorySaysHowToRecover: when main is rewritten under the
// checkpoint (a reset of main), replay exits 1 naming the checkpoint and
// saying how to recover; following that advice makes the history verify.
func TestRewrittenHistorySaysHowToRecover(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "create", "--owner", "t")
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	g.run(repo, "update-ref", "refs/heads/main", "main~1")
	r := writWant(t, ExitFailure, "--repo", repo, "replay")
	for _, want := range []string{"checkpoint", "git update-ref -d refs/writ/checkpoint"} {
		if !strings.Contains(r.err, want) {
			t.Errorf("replay of a rewritten history: want %q in the error, got %s", want, r)
		}
	}
	g.run(repo, "update-ref", "-d", "refs/writ/checkpoint")
	writWant(t, ExitOK, "--repo", repo, "replay")
}
