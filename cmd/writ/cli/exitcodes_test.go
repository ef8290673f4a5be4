package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExitCodeTable runs each command in each of its states (ok, error,
// waiting, refused, foreign) on one control repo and checks the exit code
// against the documented table (exitcodes.go, the README's "Exit codes").
func TestExitCodeTable(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	missing := filepath.Join(t.TempDir(), "no-such-repo")
	invalid := t.TempDir()
	if err := os.WriteFile(filepath.Join(invalid, "writ.yaml"), []byte("version: one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	zero := "sha256:" + strings.Repeat("0", 64)
	type step struct {
		name string
		want int
		args []string
		// out, when set, must appear in stdout or stderr.
		out string
	}
	in := func(dir string, args ...string) []string { return append([]string{"--repo", dir}, args...) }
	run := func(t *testing.T, steps []step) {
		t.Helper()
		for _, s := range steps {
			r := runWrit(s.args...)
			if r.code != s.want {
				t.Errorf("%s: writ %s: want exit %d, got %s", s.name, strings.Join(s.args, " "), s.want, r)
				continue
			}
			if s.out != "" && !strings.Contains(r.out+r.err, s.out) {
				t.Errorf("%s: writ %s: want %q in the output, got %s", s.name, strings.Join(s.args, " "), s.out, r)
			}
		}
	}
	walkToApproved(t, repo, "web-1")
	run(t, []step{
		{"validate ok", ExitOK, in(repo, "validate"), ""},
		{"validate error", ExitFailure, in(invalid, "validate"), ""},
		{"propose ok, waiting for a human", ExitOK, in(repo, "propose", "--as", "deploy-agent", "--instance", "web-1", "--transition", "ship", "--name", "ship",
			"--input", "change_ticket=CHG-1", "--input", "environment=staging"), "WAITING"},
		{"propose error", ExitFailure, in(missing, "propose", "--as", "deploy-agent", "--instance", "web-1", "--transition", "ship"), ""},
		{"propose refused before writing", ExitRefused, in(repo, "propose", "--as", "deploy-agent", "--instance", "web-1", "--transition", "no-such-transition"), ""},
		{"propose refused by its own gate", ExitRefused, in(repo, "propose", "--as", "deploy-agent", "--instance", "web-1", "--transition", "cancel", "--name", "stale",
			"--base-state", zero), "REFUSED"},
		{"propose quiet, refused by its own gate", ExitRefused, in(repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "cancel", "--name", "stale-quiet",
			"--base-state", zero), ""},
		{"propose name reuse", ExitRefused, in(repo, "propose", "--as", "deploy-agent", "--instance", "web-1", "--transition", "cancel", "--name", "ship"), "--name"},
		{"gate waiting", ExitWaiting, in(repo, "gate", "web-1/ship"), ""},
		{"gate refused", ExitRefused, in(repo, "gate", "web-1/stale"), ""},
		{"gate missing proposal", ExitFailure, in(repo, "gate", "web-1/nope"), ""},
		{"gate error", ExitFailure, in(missing, "gate", "web-1/ship"), ""},
		{"approve missing proposal (as gate)", ExitFailure, in(repo, "approve", "web-1/nope", "--as", "alice"), ""},
		{"approve refused", ExitRefused, in(repo, "approve", "web-1/ship", "--as", "deploy-agent"), ""},
		{"approve refused proposal", ExitRefused, in(repo, "approve", "web-1/stale", "--as", "alice"), ""},
		{"approve error", ExitFailure, in(missing, "approve", "web-1/ship", "--as", "alice"), ""},
		{"approve ok", ExitOK, in(repo, "approve", "-q", "web-1/ship", "--as", "alice"), ""},
		{"approve ok", ExitOK, in(repo, "approve", "-q", "web-1/ship", "--as", "bob"), ""},
		{"gate ready", ExitOK, in(repo, "gate", "web-1/ship"), ""},
		{"reconcile ok", ExitOK, in(repo, "reconcile", "--keep-branches"), "applied proposals/web-1/ship"},
		{"reconcile error", ExitFailure, in(missing, "reconcile"), ""},
		{"replay ok", ExitOK, in(repo, "replay"), ""},
		{"replay error", ExitFailure, in(missing, "replay"), ""},
		{"verify ok", ExitOK, in(repo, "verify"), ""},
		{"verify error", ExitFailure, in(missing, "verify"), ""},
	})
	// A commit on main that writ did not write.
	g.run(repo, "reset", "-q", "--hard", "main")
	if err := os.WriteFile(filepath.Join(repo, "FOREIGN.md"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g.run(repo, "add", "FOREIGN.md")
	g.run(repo, "commit", "-q", "-m", "a direct push")
	run(t, []step{
		{"reconcile foreign", ExitForeign, in(repo, "reconcile"), "writ propose --recover"},
		{"replay foreign", ExitForeign, in(repo, "replay"), "writ propose --recover"},
		{"verify foreign", ExitForeign, in(repo, "verify"), "writ propose --recover"},
		{"gate against the last verified entry", ExitRefused, in(repo, "gate", "web-1/stale"), ""},
	})
}
