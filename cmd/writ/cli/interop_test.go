package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestInteropGitReadsWrit checks the demo repo with stock git: it is a
// well-formed repository, main's first-parent history is the WAL, and git
// verifies every signature writ made against the keys in writ.yaml.
func TestInteropGitReadsWrit(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo, _ := sharedDemo(t)

	out, errOut, err := g.exec(repo, "", "fsck", "--strict", "--no-dangling", "--full")
	if err != nil || strings.TrimSpace(errOut) != "" {
		t.Errorf("git fsck --strict: %v\n%s\n%s", err, out, errOut)
	}

	// First-parent history, newest first, is the WAL, root first.
	firstParent := strings.Fields(g.run(repo, "log", "--first-parent", "--format=%H", "main"))
	slices.Reverse(firstParent)
	var wal []string
	entries := readLog(t, repo)
	for _, e := range entries {
		wal = append(wal, e.Commit)
	}
	if !slices.Equal(firstParent, wal) {
		t.Fatalf("git log --first-parent main:\n%v\nwrit log:\n%v", firstParent, wal)
	}

	// init configured the repo: verify-commit works with no extra flags.
	for _, c := range firstParent {
		if _, errOut, err := g.exec(repo, "", "verify-commit", c); err != nil {
			t.Errorf("git verify-commit %s (repo config): %v\n%s", c, err, errOut)
		} else if !strings.Contains(errOut, "writ-bot") {
			t.Errorf("git verify-commit %s: want a signature by writ-bot, got %q", c, errOut)
		}
	}
	if got := strings.TrimSpace(g.run(repo, "log", "--format=%G?", "main", "-1")); got != "G" {
		t.Errorf("git log --format=%%G? main -1: %q, want G", got)
	}

	// writ allowed-signers feeds stock git; it verifies every commit on
	// main's full history (entries, proposals and decisions) with it.
	signers := filepath.Join(t.TempDir(), "allowed_signers")
	r := writWant(t, ExitOK, "--repo", repo, "allowed-signers")
	if err := os.WriteFile(signers, []byte(r.out), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"writ-bot", "deploy-agent", "alice", "bob", "carol"} {
		if !strings.Contains(r.out, id) {
			t.Errorf("allowed-signers lacks %s:\n%s", id, r.out)
		}
	}
	all := strings.Fields(g.run(repo, "rev-list", "main"))
	if len(all) <= len(firstParent) {
		t.Fatalf("main reaches %d commits, want more than its %d entries (proposals, decisions)", len(all), len(firstParent))
	}
	for _, c := range all {
		if _, errOut, err := g.exec(repo, "", "-c", "gpg.ssh.allowedSignersFile="+signers, "verify-commit", c); err != nil {
			t.Errorf("git verify-commit %s with writ allowed-signers: %v\n%s", c, err, errOut)
		}
	}

	// A signers file without the reconciler's key: git no longer trusts
	// the entries, so the check above is a real one.
	var others []string
	for _, l := range strings.Split(r.out, "\n") {
		if l != "" && !strings.HasPrefix(l, "writ-bot ") {
			others = append(others, l)
		}
	}
	partial := filepath.Join(t.TempDir(), "partial")
	if err := os.WriteFile(partial, []byte(strings.Join(others, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.exec(repo, "", "-c", "gpg.ssh.allowedSignersFile="+partial, "verify-commit", "main"); err == nil {
		t.Errorf("git verify-commit main passed without writ-bot's key in the signers file")
	}

	// The trailers are git trailers.
	msg := g.run(repo, "log", "-1", "--format=%B", "main")
	parsed := g.runInput(repo, msg, "interpret-trailers", "--parse")
	last := entries[len(entries)-1]
	for _, want := range []string{"Writ-State-Post: " + last.StatePost, "Writ-Kind: transition", "Writ-Proposer: deploy-agent"} {
		if !strings.Contains(parsed, want) {
			t.Errorf("git interpret-trailers --parse: missing %q in\n%s", want, parsed)
		}
	}
}

// TestInteropWritReadsGit makes a proposal with stock `git commit -S` and
// the deploy agent's key; writ accepts it and records it.
func TestInteropWritReadsGit(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	commit := g.gitProposal(repo, "proposals/web-4/create", keyPath(repo, "deploy-agent"),
		map[string]string{"proposals/web-4/create.yaml": createProposal("web-4", "g-1")})

	// git itself calls it good.
	if got := strings.TrimSpace(g.run(repo, "log", "--format=%G?", "-1", commit)); got != "G" {
		t.Errorf("git's own proposal commit: %%G? = %q, want G", got)
	}
	code, gv := gateVerdict(t, repo, "web-4/create")
	if code != ExitOK || gv.Verdict != "ready" || gv.Proposer != "deploy-agent" {
		t.Fatalf("gate of a git-made proposal: exit %d, %+v", code, gv)
	}
	r := writWant(t, ExitOK, "--repo", repo, "reconcile")
	if !strings.Contains(r.out, "applied proposals/web-4/create:") {
		t.Fatalf("reconcile did not apply the git-made proposal: %s", r)
	}
	if s := instanceState(t, repo, "web-4"); s != "draft" {
		t.Errorf("web-4 in %q, want draft", s)
	}
	// Replay re-verifies git's signature on the proposal commit.
	writWant(t, ExitOK, "--repo", repo, "replay")
	if got := strings.TrimSpace(g.run(repo, "rev-parse", "main^2")); got != commit {
		t.Errorf("the entry's second parent is %s, want git's commit %s", got, commit)
	}
}

// TestCloneReplaysIdentically clones the demo repo with plain git (the
// checkpoint ref stays behind) and replays it to the same state.
func TestCloneReplaysIdentically(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo, _ := sharedDemo(t)
	clone := filepath.Join(t.TempDir(), "clone")
	g.run(t.TempDir(), "clone", "-q", repo, clone)
	if refs := strings.TrimSpace(g.run(clone, "for-each-ref", "refs/writ/")); refs != "" {
		t.Fatalf("the clone has writ refs %q; the test wants a clone without the checkpoint", refs)
	}
	if refs := strings.TrimSpace(g.run(repo, "for-each-ref", "refs/writ/")); refs == "" {
		t.Fatalf("the demo repo has no checkpoint ref")
	}

	orig := writWant(t, ExitOK, "--repo", repo, "replay")
	got := writWant(t, ExitOK, "--repo", clone, "replay")
	if lastLine(got.out) != lastLine(orig.out) || !stateLine.MatchString(lastLine(got.out)) {
		t.Errorf("clone replays to %q, original to %q", lastLine(got.out), lastLine(orig.out))
	}
	if strings.Contains(got.out, "checkpoint") {
		t.Errorf("replay of a clone without a checkpoint mentions one:\n%s", got.out)
	}
	// Without a checkpoint, --from-checkpoint replays everything.
	fc := writWant(t, ExitOK, "--repo", clone, "replay", "--from-checkpoint")
	if lastLine(fc.out) != lastLine(orig.out) {
		t.Errorf("replay --from-checkpoint of the clone: %q, want %q", lastLine(fc.out), lastLine(orig.out))
	}
	if a, b := readState(t, clone).State, readState(t, repo).State; a != b {
		t.Errorf("writ state: clone %s, original %s", a, b)
	}
}
