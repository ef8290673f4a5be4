package github_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/github"
	"github.com/writ-dev/writ/adapters/github/githubtest"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
)

// gitIn runs the git client in dir and returns its trimmed output and
// whether it exited 0.
func gitIn(t *testing.T, dir string, args ...string) (string, bool) {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if _, exit := err.(*exec.ExitError); err != nil && !exit {
		t.Fatalf("git %v: %v", args, err)
	}
	return strings.TrimSpace(string(out)), err == nil
}

// TestRunRejectClosesPullRequestNotMerged: an eligible approver requests
// changes; the run records the rejection on main without making the pull
// request's head part of main (GitHub would show it merged), closes the
// pull request with one comment naming who rejected and why, keeps the
// proposal's commits under refs/writ/rejected/, and a fresh clone replays
// the log, verifying the evidence when it fetches it and on the
// reconciler's word when it does not.
func TestRunRejectClosesPullRequestNotMerged(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	w.review("bob-gh", "APPROVED", w.head, 1)
	w.gh.AddReview(w.pr, githubtest.Review{Login: "alice-gh", State: "CHANGES_REQUESTED", CommitID: w.head,
		Body: "CHG-1 is the wrong ticket", SubmittedAt: start.Add(2 * 60e9)})
	rep := w.run(t, w.prEvent())
	p := rep.Pulls[0]
	if p.Gate.Verdict != intake.VerdictRejected || !p.Applied {
		t.Fatalf("%s (applied %v): %s", p.Gate.Verdict, p.Applied, p.Gate.Reason)
	}
	main := w.remoteMain(t)
	if main == w.main {
		t.Fatal("main did not move: no reject entry")
	}

	// Real git: the pull request's head is not part of main.
	if _, ok := gitIn(t, w.git.Dir, "merge-base", "--is-ancestor", w.head, main.String()); ok {
		t.Fatalf("the pull request's head %s is an ancestor of main %s: GitHub shows the pull request merged", w.head, main)
	}
	if parents, _ := gitIn(t, w.git.Dir, "rev-list", "--parents", "-n", "1", main.String()); len(strings.Fields(parents)) != 2 {
		t.Fatalf("reject entry %q: want one parent", parents)
	}
	// The evidence stays on the server under a ref that is not a branch.
	ref := "refs/writ/rejected/web-1/" + strings.TrimSuffix(filepath.Base(w.path), ".yaml")
	if got, ok := gitIn(t, w.git.Dir, "rev-parse", "--verify", ref); !ok || got != w.head {
		t.Fatalf("%s on the server is %q, want the pull request's head %s", ref, got, w.head)
	}

	// GitHub: closed, not merged, one comment naming who and why.
	pull := w.gh.Pull(w.pr)
	if pull.State != "closed" || pull.Merged {
		t.Fatalf("pull request state %q merged %v, want closed and not merged", pull.State, pull.Merged)
	}
	var rejections []string
	for _, c := range w.gh.Comments(w.pr) {
		if strings.HasPrefix(c.Body, github.RejectMarker) {
			rejections = append(rejections, c.Body)
		}
	}
	if len(rejections) != 1 || !strings.Contains(rejections[0], "alice") || !strings.Contains(rejections[0], "CHG-1 is the wrong ticket") {
		t.Fatalf("rejection comments %q, want one naming alice and her reason", rejections)
	}
	if len(w.gh.Violations()) > 0 {
		t.Fatalf("requests GitHub would refuse: %v", w.gh.Violations())
	}

	// A second run leaves the closed pull request alone: no second comment.
	if _, err := w.runner(w.prEvent()).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(w.gh.Comments(w.pr)); n != 2 { // the plan and the rejection
		t.Fatalf("%d comments after a second run, want 2", n)
	}

	// Replay on a fresh clone that fetches writ's refs: the evidence is
	// there and verified.
	res := w.verify(t)
	last := res.Entries[len(res.Entries)-1]
	if last.Record.Entry.Kind != core.KindReject || last.Commit != main {
		t.Fatalf("last entry %s %s, want the reject entry %s", last.Record.Entry.Kind, last.Commit, main)
	}
	if last.Attested {
		t.Fatal("the evidence was fetched, but replay took the rejection on the reconciler's word")
	}

	// A plain git clone has no refs/writ/: replay takes the rejection on
	// the reconciler's word and says so.
	plain := filepath.Join(t.TempDir(), "plain")
	if out, err := exec.Command("git", "clone", "-q", "--no-checkout", w.git.URL, plain).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v: %s", err, out)
	}
	store, err := gitstore.Open(plain)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := gitIn(t, plain, "cat-file", "-e", w.head+"^{commit}"); ok {
		t.Fatal("the plain clone has the rejected head; the test cannot show the attested path")
	}
	plainRes, err := (&reconciler.Engine{Store: store, Keys: w.keys}).Replay(reconciler.ReplayOptions{Collect: true, Head: main, IgnoreCheckpoint: true})
	if err != nil {
		t.Fatalf("replay of a plain clone: %v", err)
	}
	if l := plainRes.Entries[len(plainRes.Entries)-1]; !l.Attested || l.Commit != main {
		t.Fatalf("plain clone: last entry %s attested %v, want the reject entry on the reconciler's word", l.Commit, l.Attested)
	}
}

// TestRunClosesARejectionLeftOpen: the run that recorded the rejection
// could not close the pull request (GitHub refused the update); the next
// run finds the pull request open with its proposal rejected on main and
// closes it, without a second comment.
func TestRunClosesARejectionLeftOpen(t *testing.T) {
	for _, tt := range []struct{ name, method, path string }{
		{"close refused", "PATCH", "/pulls/1"},
		{"comment refused", "POST", "/issues/1/comments"},
	} {
		t.Run(tt.name, func(t *testing.T) { closesLeftOpen(t, tt.method, tt.path) })
	}
}

func closesLeftOpen(t *testing.T, method, path string) {
	w := newWorld(t, githubtest.Pull{})
	w.gh.AddReview(w.pr, githubtest.Review{Login: "alice-gh", State: "CHANGES_REQUESTED", CommitID: w.head,
		Body: "wrong ticket", SubmittedAt: start.Add(60e9)})
	w.gh.Inject(githubtest.Fault{Method: method, Path: "/repos/" + owner + "/" + repo + path, Status: 422, Times: 1,
		Body: `{"message":"Validation Failed","documentation_url":"https://docs.github.com/rest"}`})
	if _, err := w.runner(w.prEvent()).Run(context.Background()); err == nil {
		t.Fatal("the run hid GitHub's refusal to close the pull request")
	}
	if main := w.remoteMain(t); main == w.main {
		t.Fatal("the rejection was not recorded")
	}
	if st := w.gh.Pull(w.pr).State; st != "open" {
		t.Fatalf("pull request %s after a refused close", st)
	}
	rep := w.run(t, w.prEvent())
	if v := rep.Pulls[0].Gate.Verdict; v != intake.VerdictMerged {
		t.Fatalf("second run: %s, want merged (already on main)", v)
	}
	if pull := w.gh.Pull(w.pr); pull.State != "closed" || pull.Merged {
		t.Fatalf("pull request %s merged %v, want closed", pull.State, pull.Merged)
	}
	n := 0
	for _, c := range w.gh.Comments(w.pr) {
		if strings.HasPrefix(c.Body, github.RejectMarker) {
			n++
			if !strings.Contains(c.Body, "alice") || !strings.Contains(c.Body, "wrong ticket") {
				t.Fatalf("rejection comment %q does not name alice and why", c.Body)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d rejection comments, want 1", n)
	}
}
