package github_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/adapters/github"
	"github.com/writ-dev/writ/adapters/github/githubtest"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/intake"
)

// TestRunGovernedPullRequestOfOrdinaryFiles: a pull request that changes
// only a GitHub workflow and README.md, with its rule-change proposal
// file, is a governed proposal: judged by the governance policy (one
// maintainer is not enough), applied once two approve, and replayed from
// a fresh clone with the files on main.
func TestRunGovernedPullRequestOfOrdinaryFiles(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, githubtest.Pull{})
	files := map[string][]byte{
		".github/workflows/writ.yml": []byte("name: writ\non: [push]\njobs: {}\n"),
		"README.md":                  []byte("# deployments\n"),
	}
	change, err := w.seed.ProposeRules(reconciler.ProposeRulesRequest{As: "carol", Name: "docs", Justification: "docs", Files: files})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.seed.Store.PushCAS(ctx, "origin", "refs/pull/3/head", plumbing.ZeroHash, change.Commit); err != nil {
		t.Fatal(err)
	}
	w.gh.AddPull(githubtest.Pull{Number: 3, Author: "carol-gh", HeadSHA: change.Commit.String(), HeadRef: change.Branch,
		BaseSHA: w.main.String(), BaseRef: "main", Files: []string{".github/workflows/writ.yml", "README.md", change.Path}})
	review := func(login string, minute int) {
		w.gh.AddReview(3, githubtest.Review{Login: login, State: "APPROVED", CommitID: change.Commit.String(),
			SubmittedAt: start.Add(time.Duration(minute) * time.Minute)})
	}
	review("alice-gh", 1)
	rep := w.run(t, applyRun(3))
	if p := rep.Pulls[0]; p.Applied || p.Gate.Verdict != intake.VerdictWaiting || !strings.Contains(p.Gate.Reason, "governance") {
		t.Fatalf("with one maintainer: %s (applied %v): %s", p.Gate.Verdict, p.Applied, p.Gate.Reason)
	}
	w.unchanged(t)
	review("bob-gh", 2)
	rep = w.run(t, applyRun(3))
	if p := rep.Pulls[0]; !p.Applied {
		t.Fatalf("with two maintainers: %s: %s", p.Gate.Verdict, p.Gate.Reason)
	}
	w.verify(t)
	main := w.remoteMain(t)
	c := w.newClone(t)
	if _, err := c.FetchState(ctx, "origin"); err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := c.Store.ReadFile(main, name)
		if err != nil || string(got) != string(want) {
			t.Fatalf("main:%s is %q (%v), want %q", name, got, err, want)
		}
	}
}

// TestRunJudgesPullRequestWithoutProposal: every path outside proposals/
// is governed, so a pull request that changes README.md and docs but adds
// no proposal file is judged like a rules edit without one: refused, its
// check run saying to add a proposal; the proposal pull request next to it
// is judged as usual.
func TestRunJudgesPullRequestWithoutProposal(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, githubtest.Pull{})
	signer, err := w.keys.Signer("alice")
	if err != nil {
		t.Fatal(err)
	}
	sig := object.Signature{Name: "alice", Email: "alice@writ.example", When: time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)}
	docs, err := w.seed.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{w.main},
		Files:   map[string][]byte{"README.md": []byte("# hi\n"), "docs/setup.md": []byte("setup\n")},
		Message: "docs\n", Author: sig, Committer: sig, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.seed.Store.PushCAS(ctx, "origin", "refs/pull/2/head", plumbing.ZeroHash, docs); err != nil {
		t.Fatal(err)
	}
	w.gh.AddPull(githubtest.Pull{Number: 2, Author: "alice-gh", HeadSHA: docs.String(), HeadRef: "docs", BaseSHA: w.main.String(),
		BaseRef: "main", Files: []string{"README.md", "docs/setup.md"}})
	rep, err := w.runner(github.Event{Name: github.EventSchedule, Schedule: "*/5 * * * *"}).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Pulls) != 2 {
		t.Fatalf("judged %d pull requests, want 2 (notes %q)", len(rep.Pulls), rep.Notes)
	}
	runs := w.gh.CheckRuns(docs.String())
	if len(runs) != 1 || runs[0].Conclusion != "failure" {
		t.Fatalf("check runs on the documentation pull request: %+v", runs)
	}
	if text := runs[0].Title + runs[0].Summary + runs[0].Text; !strings.Contains(text, "adds no proposal file") {
		t.Fatalf("the check run does not say to add a proposal: %+v", runs[0])
	}
	w.waitRecorded(t)
}
