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
			writWant(t, ExitOK, "--repo", fresh, "replay")
			var log []struct {
				Commit      string `json:"commit"`
				Kind        string `json:"kind"`
				Instance    string `json:"instance"`
				Quarantined []struct {
					Commit string `json:"commit"`
					Author string `json:"author"`
				} `json:"quarantined"`
			}
			out := writWant(t, ExitOK, "--repo", fresh, "log", "--json").out
			if err := json.Unmarshal([]byte(out), &log); err != nil {
				t.Fatal(err)
			}
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
