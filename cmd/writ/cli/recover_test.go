package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// foreignPush makes a commit on the server's main that writ did not write,
// from a human's clone, and returns its hash. With merge, it is a merge
// commit of a side branch with two parents, as a forge's Merge button
// makes it; otherwise a direct commit.
func foreignPush(t *testing.T, f *remoteFixture, merge bool) string {
	t.Helper()
	g := f.g
	human := f.clone("human")
	author := []string{"-c", "user.name=Mallory Human", "-c", "user.email=mallory@example.com"}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(human, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		g.run(human, "add", name)
	}
	if merge {
		g.run(human, "checkout", "-q", "-b", "side")
		write("NOTES.md", "a note\n")
		g.run(human, "commit", "-q", "--author=Mallory Human <mallory@example.com>", "-m", "add notes")
		g.run(human, "checkout", "-q", "main")
		g.run(human, append(author, "merge", "-q", "--no-ff", "-m", "Merge pull request #7 from side", "side")...)
		g.run(human, "commit", "-q", "--amend", "--no-edit", "--author=Mallory Human <mallory@example.com>")
	} else {
		write("HOTFIX.md", "fixed by hand\n")
		g.run(human, "commit", "-q", "--author=Mallory Human <mallory@example.com>", "-m", "hotfix by hand")
	}
	g.run(human, "push", "-q", "origin", "main")
	return strings.TrimSpace(g.run(human, "rev-parse", "HEAD"))
}

// TestForeignCommitRecovery: a commit on main that writ did not write (a
// direct push; a merge commit of two parents) makes reconcile exit
// ExitForeign naming the commit, its author and subject, applying
// nothing, while state serves the last verified state and replay reports
// the quarantine. A recovery proposal needs the governance policy's two
// approvals: with one it is not applied; with two it lands as one
// fast-forward entry on top of the foreign commit, which stays in history;
// a fresh clone replays, its log shows the recovery naming the commit, and
// the proposal held meanwhile applies.
func TestForeignCommitRecovery(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		merge bool
	}{{"direct push", false}, {"merge commit", true}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newRemoteFixture(t, 1)
			g := f.g
			a := f.clone("a")
			reconcile := func() writResult {
				return runWrit("--repo", a, "--keys", f.keys, "reconcile", "--remote", "origin")
			}
			if r := reconcile(); r.code != ExitOK {
				t.Fatalf("first reconcile: %s", r)
			}
			verified := readState(t, a)
			foreign := foreignPush(t, f, tt.merge)

			// A proposal made meanwhile waits for the recovery.
			writWant(t, ExitOK, "--repo", a, "--keys", f.keys, "propose", "-q", "--as", "deploy-agent",
				"--instance", "svc-late", "--transition", "create", "--owner", "web-team")
			g.run(a, "push", "-q", "origin", "refs/heads/proposals/*:refs/heads/proposals/*")

			r := reconcile()
			if r.code != ExitForeign {
				t.Fatalf("reconcile with a foreign commit: want exit %d, got %s", ExitForeign, r)
			}
			for _, want := range []string{foreign[:7], "Mallory Human <mallory@example.com>", "writ propose --recover"} {
				if !strings.Contains(r.err, want) {
					t.Errorf("reconcile's error does not name %q:\n%s", want, r.err)
				}
			}
			if remote := strings.TrimSpace(g.run(a, "ls-remote", "origin", "refs/heads/main")); !strings.HasPrefix(remote, foreign) {
				t.Fatalf("main moved on the server: %s, want %s", remote, foreign)
			}
			if got := readState(t, a); got.State != verified.State || len(got.Instances) != len(verified.Instances) {
				t.Fatalf("state does not serve the last verified state: %s (%d instances), want %s (%d)",
					got.State, len(got.Instances), verified.State, len(verified.Instances))
			}
			if v := runWrit("--repo", a, "verify"); v.code != ExitForeign || !strings.Contains(v.err, foreign[:7]) {
				t.Fatalf("verify: want exit %d naming %s, got %s", ExitForeign, foreign[:7], v)
			}
			rp := runWrit("--repo", a, "replay")
			if rp.code != ExitForeign || !strings.Contains(rp.err, foreign) || !strings.Contains(rp.out, verified.State) {
				t.Fatalf("replay: want exit %d naming %s after the verified state %s, got %s", ExitForeign, foreign, verified.State, rp)
			}

			// The recovery, approved by one maintainer: not applied.
			p := writWant(t, ExitOK, "--repo", a, "--keys", f.keys, "propose", "--recover", "--as", "alice", "--name", "recover-1")
			if !strings.Contains(p.out, foreign[:7]) {
				t.Errorf("propose --recover does not name the commit: %s", p)
			}
			writWant(t, ExitOK, "--repo", a, "--keys", f.keys, "approve", "-q", "--as", "bob", "rules/recover-1")
			g.run(a, "push", "-q", "origin", "refs/heads/proposals/*:refs/heads/proposals/*")
			if r := reconcile(); r.code != ExitForeign {
				t.Fatalf("reconcile with one approval: want exit %d, got %s", ExitForeign, r)
			}
			if remote := strings.TrimSpace(g.run(a, "ls-remote", "origin", "refs/heads/main")); !strings.HasPrefix(remote, foreign) {
				t.Fatalf("a recovery with one approval moved main: %s", remote)
			}

			writWant(t, ExitOK, "--repo", a, "--keys", f.keys, "approve", "-q", "--as", "carol", "rules/recover-1")
			g.run(a, "push", "-q", "origin", "refs/heads/proposals/*:refs/heads/proposals/*")
			if r := reconcile(); r.code != ExitOK {
				t.Fatalf("reconcile of the approved recovery: %s", r)
			}

			fresh := f.clone("fresh")
			chain := strings.Fields(g.run(fresh, "rev-list", "--first-parent", "main"))
			// main: the create of svc-late, the recovery, the foreign commit.
			if len(chain) < 3 || chain[2] != foreign {
				t.Fatalf("first-parent chain %v: want the recovery and the late create on top of %s", chain, foreign)
			}
			recovery := chain[1]
			g.run(fresh, "merge-base", "--is-ancestor", foreign, "main")
			// Its tree is the last verified entry's (the foreign commit's
			// first parent) plus the recovery proposal.
			if diff := g.run(fresh, "diff", "--name-status", foreign+"^1", recovery); diff != "A\tproposals/rules/recover-1.yaml\n" {
				t.Errorf("the recovery's tree against the last verified entry:\n%s\nwant only the proposal added", diff)
			}
			if strings.Contains(g.run(fresh, "ls-tree", "-r", "--name-only", "main"), "HOTFIX.md") {
				t.Error("the foreign commit's file is on main after the recovery")
			}
			full := lastLine(writWant(t, ExitOK, "--repo", fresh, "replay").out)
			g.run(fresh, "fetch", "-q", "origin", "refs/writ/checkpoint:refs/writ/checkpoint")
			if cp := lastLine(writWant(t, ExitOK, "--repo", fresh, "replay", "--from-checkpoint").out); cp != full {
				t.Fatalf("replay from the checkpoint %q, from the first commit %q", cp, full)
			}
			log := readLogQuarantine(t, fresh)
			rec := log[len(log)-2]
			if rec.Kind != "recover" || rec.Commit != recovery || len(rec.Quarantined) != 1 ||
				rec.Quarantined[0].Commit != foreign || rec.Quarantined[0].Author != "Mallory Human <mallory@example.com>" {
				t.Fatalf("log: the recovery entry is %+v, want recover %s quarantining %s by Mallory", rec, recovery, foreign)
			}
			if last := log[len(log)-1]; last.Kind != "transition" || last.Instance != "svc-late" {
				t.Fatalf("log: the last entry is %+v, want the create of svc-late", last)
			}
			if text := writWant(t, ExitOK, "--repo", fresh, "log").out; !regexp.MustCompile(`QUARANTINED ` + foreign + ` by Mallory Human`).MatchString(text) {
				t.Errorf("log does not show the quarantined commit:\n%s", text)
			}
			if instanceState(t, fresh, "svc-late") == "" {
				t.Error("the proposal held during the quarantine was not applied after the recovery")
			}
		})
	}
}

// localRecovery makes a local control repo whose main holds two foreign
// commits after its last verified entry and then their approved recovery;
// it returns the repo and the foreign commits, oldest first.
func localRecovery(t *testing.T, g *gitEnv) (string, []string) {
	t.Helper()
	repo := newControlRepo(t)
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "create", "--owner", "web-team")
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	g.run(repo, "reset", "-q", "--hard", "main")
	var foreign []string
	for _, name := range []string{"ONE.md", "TWO.md"} {
		if err := os.WriteFile(filepath.Join(repo, name), []byte(name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		g.run(repo, "add", name)
		g.run(repo, "commit", "-q", "-m", "add "+name)
		foreign = append(foreign, strings.TrimSpace(g.run(repo, "rev-parse", "HEAD")))
	}
	writWant(t, ExitForeign, "--repo", repo, "reconcile")
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--recover", "--as", "alice", "--name", "recover-1")
	for _, who := range []string{"bob", "carol"} {
		writWant(t, ExitOK, "--repo", repo, "approve", "-q", "--as", who, "rules/recover-1")
	}
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	writWant(t, ExitOK, "--repo", repo, "replay")
	return repo, foreign
}

// TestRecoveryEntryTampering: a recover entry that omits one of the
// foreign commits, or whose tree keeps a foreign commit's change instead
// of restoring the last verified tree, is refused by replay even when
// signed with the reconciler's key: it is one more foreign commit (exit
// ExitForeign, named with the reason). The control re-signs the genuine
// entry unchanged and replays.
func TestRecoveryEntryTampering(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	src, foreign := localRecovery(t, g)
	tests := []struct {
		name string
		// forge returns the message and tree of the replacement entry.
		forge func(t *testing.T, repo, msg string) (string, string)
		why   string
	}{
		{"control: re-signed unchanged", func(t *testing.T, repo, msg string) (string, string) {
			return msg, strings.TrimSpace(g.run(repo, "rev-parse", "main^{tree}"))
		}, ""},
		{"omits a foreign commit", func(t *testing.T, repo, msg string) (string, string) {
			cut := strings.Replace(msg, "Writ-Quarantine: "+foreign[0]+"\n", "", 1)
			if cut == msg {
				t.Fatalf("no Writ-Quarantine: %s in\n%s", foreign[0], msg)
			}
			return cut, strings.TrimSpace(g.run(repo, "rev-parse", "main^{tree}"))
		}, "quarantines [" + foreign[1][:7] + "], but the commits after the last verified entry"},
		{"keeps a foreign change", func(t *testing.T, repo, msg string) (string, string) {
			// The foreign head's tree plus the recovery proposal.
			index := filepath.Join(t.TempDir(), "index")
			blob := strings.TrimSpace(g.run(repo, "rev-parse", "main:proposals/rules/recover-1.yaml"))
			env := &gitEnv{t: t, env: append(append([]string(nil), g.env...), "GIT_INDEX_FILE="+index)}
			env.run(repo, "read-tree", foreign[1])
			env.run(repo, "update-index", "--add", "--cacheinfo", "100644,"+blob+",proposals/rules/recover-1.yaml")
			return msg, strings.TrimSpace(env.run(repo, "write-tree"))
		}, "does not restore the verified tree"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo := copyRepo(t, src)
			msg := g.run(repo, "log", "-1", "--format=%B", "main")
			msg, tree := tt.forge(t, repo, strings.TrimRight(msg, "\n")+"\n")
			args := append(signWith(keyPath(repo, "writ-bot")), "commit-tree", "-S", "-p", "main^1", "-p", "main^2", tree)
			forged := strings.TrimSpace(g.runInput(repo, msg, args...))
			g.run(repo, "update-ref", "refs/heads/main", forged)
			g.run(repo, "update-ref", "-d", "refs/writ/checkpoint")
			r := runWrit("--repo", repo, "replay")
			if tt.why == "" {
				if r.code != ExitOK {
					t.Fatalf("the re-signed recovery does not replay: %s", r)
				}
				return
			}
			if r.code != ExitForeign || !strings.Contains(r.err, forged[:7]) || !strings.Contains(r.err, tt.why) {
				t.Fatalf("replay: want exit %d naming %s and saying %q, got %s", ExitForeign, forged[:7], tt.why, r)
			}
		})
	}
}

// TestSecondForeignCommitNeedsAnotherRecovery: after a recovery, a new
// foreign commit is refused again (the first recovery does not cover it)
// and needs a recovery of its own, which names only it; replay from the
// checkpoint and from the first commit then agree.
func TestSecondForeignCommitNeedsAnotherRecovery(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	src, first := localRecovery(t, g)
	repo := copyRepo(t, src)
	if err := os.WriteFile(filepath.Join(repo, "THREE.md"), []byte("three\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g.run(repo, "add", "THREE.md")
	g.run(repo, "commit", "-q", "-m", "add THREE.md")
	second := strings.TrimSpace(g.run(repo, "rev-parse", "HEAD"))
	r := writWant(t, ExitForeign, "--repo", repo, "reconcile")
	if !strings.Contains(r.err, "main holds 1 commit(s)") || !strings.Contains(r.err, second[:7]) || strings.Contains(r.err, first[0][:7]) {
		t.Fatalf("reconcile: want only the new commit %s named, got %s", second[:7], r)
	}
	// A recovery must name exactly the foreign commits.
	if r := runWrit("--repo", repo, "propose", "-q", "--recover", "--as", "alice", "--quarantine", first[0]); r.code != ExitRefused || !strings.Contains(r.err, second) {
		t.Fatalf("propose --recover naming another commit: want exit %d naming %s, got %s", ExitRefused, second, r)
	}
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--recover", "--as", "alice", "--name", "recover-2", "--quarantine", second)
	for _, who := range []string{"bob", "carol"} {
		writWant(t, ExitOK, "--repo", repo, "approve", "-q", "--as", who, "rules/recover-2")
	}
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	full := lastLine(writWant(t, ExitOK, "--repo", repo, "replay").out)
	fromCheckpoint := lastLine(writWant(t, ExitOK, "--repo", repo, "replay", "--from-checkpoint").out)
	if full != fromCheckpoint || full != "state "+readState(t, repo).State {
		t.Fatalf("replay %q, from the checkpoint %q, state %q: want one state", full, fromCheckpoint, readState(t, repo).State)
	}
	var recovered [][]string
	for _, en := range readLogQuarantine(t, repo) {
		if en.Kind == "recover" {
			var q []string
			for _, f := range en.Quarantined {
				q = append(q, f.Commit)
			}
			recovered = append(recovered, q)
		}
	}
	if len(recovered) != 2 || strings.Join(recovered[0], " ") != strings.Join(first, " ") || strings.Join(recovered[1], " ") != second {
		t.Fatalf("recover entries quarantine %v, want %v then [%s]", recovered, first, second)
	}
}

// quarantineEntry is the part of `writ log --json` about recoveries.
type quarantineEntry struct {
	Commit      string `json:"commit"`
	Kind        string `json:"kind"`
	Instance    string `json:"instance"`
	Quarantined []struct {
		Commit string `json:"commit"`
		Author string `json:"author"`
	} `json:"quarantined"`
}

func readLogQuarantine(t *testing.T, repo string) []quarantineEntry {
	t.Helper()
	var log []quarantineEntry
	if err := json.Unmarshal([]byte(writWant(t, ExitOK, "--repo", repo, "log", "--json").out), &log); err != nil {
		t.Fatal(err)
	}
	return log
}
