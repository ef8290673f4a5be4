package github_test

import (
	"context"
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/adapters/github"
	"github.com/writ-dev/writ/adapters/github/githubtest"
	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/remotetest"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/schemas"
)

// scaleRepo is a control repo on a git server with n open proposals: ship
// proposals of web-1, each waiting for two SRE approvals, whose heads the
// server holds as refs/pull/<i>/head (i from 1). The reconciler's clone
// is reused by every run: fetching is git's cost, not the API's.
type scaleRepo struct {
	n     int
	keys  local.KeyDir
	clone *reconciler.Engine
	main  plumbing.Hash
	pulls []githubtest.Pull
}

func newScaleRepo(tb testing.TB, n int) *scaleRepo {
	tb.Helper()
	ctx := context.Background()
	store, err := gitstore.Init(filepath.Join(tb.TempDir(), "seed"))
	if err != nil {
		tb.Fatal(err)
	}
	r := &scaleRepo{n: n, keys: local.KeyDir{Dir: filepath.Join(tb.TempDir(), "keys")}}
	clock := &tick{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	seed := &reconciler.Engine{Store: store, Keys: r.keys, Now: clock.Now}
	if _, err := seed.Init(releaseFiles(tb), r.keys); err != nil {
		tb.Fatal(err)
	}
	for _, tr := range []string{"create", "verify", "tests-pass", "security-clear", "approve-release"} {
		if _, err := seed.Propose(reconciler.ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
			Instance: "web-1", Workflow: "release", Transition: tr}}); err != nil {
			tb.Fatal(err)
		}
		if rep, err := seed.Reconcile(); err != nil || len(rep.Applied) != 1 {
			tb.Fatalf("reconcile %s: %v", tr, err)
		}
	}
	loaded, err := seed.Load()
	if err != nil {
		tb.Fatal(err)
	}
	git := remotetest.New(tb)
	addRemote(tb, store, git.URL)
	if r.main, err = store.Ref(gitstore.MainRef); err != nil {
		tb.Fatal(err)
	}
	if err := store.PushCAS(ctx, "origin", gitstore.MainRef, plumbing.ZeroHash, r.main); err != nil {
		tb.Fatal(err)
	}
	if err := store.PushCheckpoint(ctx, "origin"); err != nil {
		tb.Fatal(err)
	}
	specs := []string{"push", "--quiet", git.Dir}
	for i := 1; i <= n; i++ {
		ticket := "CHG-" + strconv.Itoa(i)
		p, err := seed.ProposeWith(loaded, reconciler.ProposeRequest{As: "deploy-agent", Name: fmt.Sprintf("ship-%03d", i),
			Proposal: schemas.Proposal{Instance: "web-1", Workflow: "release", Transition: "ship",
				Inputs: map[string]any{"change_ticket": ticket, "environment": "staging"}}})
		if err != nil {
			tb.Fatalf("propose %d: %v", i, err)
		}
		specs = append(specs, p.Commit.String()+":refs/pull/"+strconv.Itoa(i)+"/head")
		r.pulls = append(r.pulls, githubtest.Pull{Number: i, Author: "deploy-bot", HeadSHA: p.Commit.String(), HeadRef: p.Branch,
			BaseSHA: r.main.String(), BaseRef: "main", Files: []string{p.Path}})
	}
	// One push for every pull request head, as GitHub keeps them.
	cmd := exec.Command("git", append([]string{"-C", filepath.Join(store.Dir())}, specs...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("git push pull heads: %v\n%s", err, out)
	}
	cloneStore, err := gitstore.Init(filepath.Join(tb.TempDir(), "clone"))
	if err != nil {
		tb.Fatal(err)
	}
	addRemote(tb, cloneStore, git.URL)
	r.clone = &reconciler.Engine{Store: cloneStore, Keys: r.keys, Now: (&tick{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}).Now}
	return r
}

// releaseFiles is the release example with GitHub logins, for any
// testing.TB.
func releaseFiles(tb testing.TB) fs.FS {
	tb.Helper()
	m := fstest.MapFS{}
	if err := fs.WalkDir(fixtures.Release(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fixtures.Release(), p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	}); err != nil {
		tb.Fatal(err)
	}
	return m
}

// github is a fresh fake GitHub holding the repo's n open pull requests,
// on which writ has published nothing yet.
func (r *scaleRepo) github(tb testing.TB) *githubtest.Server {
	tb.Helper()
	srv := githubtest.New(tb, owner, repo, githubtest.NewClock(start).Now)
	for _, p := range r.pulls {
		srv.AddPull(p)
	}
	return srv
}

// run is one GitHub Actions run of `writ reconcile --github`: a new
// process (a new client with its own token) that loads the ETag cache
// file, runs the loop for ev and saves the cache. It returns the API calls
// GitHub counted, as the fake saw them, and checks the client counted the
// same.
func (r *scaleRepo) run(tb testing.TB, srv *githubtest.Server, ev github.Event, cache string, runNo int) (counted int, rep *github.RunReport) {
	tb.Helper()
	ctx := context.Background()
	tok := fmt.Sprintf("ghs_run-%d-t0ken", runNo)
	client, err := github.New(github.Config{Repository: owner + "/" + repo, APIURL: srv.URL, TokenEnv: tokenVar},
		func(k string) string {
			if k == tokenVar {
				return tok
			}
			return ""
		})
	if err != nil {
		tb.Fatal(err)
	}
	if cache != "" {
		if err := client.LoadCache(cache); err != nil {
			tb.Fatal(err)
		}
	}
	ev.Repository = owner + "/" + repo
	srv.ResetCalls()
	rep, err = newRunner(r.clone, client, ev).Run(ctx)
	if err != nil {
		tb.Fatalf("run %d (%s): %v", runNo, ev.Name, err)
	}
	if cache != "" {
		if err := client.SaveCache(cache); err != nil {
			tb.Fatal(err)
		}
	}
	if st := client.Stats(); st.Counted != srv.Counted() {
		tb.Fatalf("run %d: the client counted %d calls, GitHub %d", runNo, st.Counted, srv.Counted())
	}
	return srv.Counted(), rep
}

func scheduleEvent() github.Event {
	return github.Event{Name: github.EventSchedule, Schedule: "*/15 * * * *"}
}

func pullRequestEvent(p githubtest.Pull) github.Event {
	return github.Event{Name: github.EventPullRequest, Action: "synchronize",
		PullRequest: &github.PullRequestEvent{Number: p.Number, HeadSHA: p.HeadSHA}}
}

// callBudget is what the README's "API call budget" table reports: the
// calls GitHub counts against the rate limit in each scenario.
type callBudget struct {
	// ScheduleCold is the first scheduled run over every open pull
	// request with an empty cache: nothing published yet.
	ScheduleCold int
	// ScheduleAfter is the next scheduled run: what the first one
	// published changed those listings, so they are read again.
	ScheduleAfter int
	// ScheduleWarm is a scheduled run with a warm cache and nothing
	// changed.
	ScheduleWarm int
	// EventFirst is the average pull_request event on one pull request
	// after the scheduled runs (its pulls/get and commit listing are not
	// cached yet).
	EventFirst float64
	// EventWarm is the average pull_request event on one pull request
	// with a warm cache and nothing changed.
	EventWarm float64
	// EventCold is the average pull_request event with no cache at all.
	EventCold float64
}

// measure runs the scenarios in order on a fresh fake GitHub, with events
// on the first events pull requests.
func (r *scaleRepo) measure(tb testing.TB, events int) callBudget {
	tb.Helper()
	srv := r.github(tb)
	cache := github.CachePath(tb.TempDir(), srv.URL, owner+"/"+repo)
	var b callBudget
	runNo := 0
	schedule := func() int {
		runNo++
		n, rep := r.run(tb, srv, scheduleEvent(), cache, runNo)
		if len(rep.Pulls) != r.n {
			tb.Fatalf("scheduled run %d judged %d pull requests, want %d", runNo, len(rep.Pulls), r.n)
		}
		return n
	}
	b.ScheduleCold, b.ScheduleAfter, b.ScheduleWarm = schedule(), schedule(), schedule()
	for _, p := range r.pulls {
		if runs := srv.CheckRuns(p.HeadSHA); len(runs) != 1 || len(srv.Comments(p.Number)) != 1 {
			tb.Fatalf("pull request #%d: %d check runs, %d comments; want one of each", p.Number, len(runs), len(srv.Comments(p.Number)))
		}
	}
	event := func(p githubtest.Pull, cache string) int {
		runNo++
		n, rep := r.run(tb, srv, pullRequestEvent(p), cache, runNo)
		if len(rep.Pulls) != 1 {
			tb.Fatalf("event on #%d judged %d pull requests", p.Number, len(rep.Pulls))
		}
		return n
	}
	var first, warm, cold int
	for _, p := range r.pulls[:events] {
		first += event(p, cache)
		warm += event(p, cache)
		cold += event(p, "")
	}
	b.EventFirst = float64(first) / float64(events)
	b.EventWarm = float64(warm) / float64(events)
	b.EventCold = float64(cold) / float64(events)
	if len(srv.Writes()) != 0 {
		tb.Fatalf("nothing changed, yet the last event wrote: %+v", srv.Writes())
	}
	return b
}

// A run over every open pull request reads heads from the listing, not
// from a commit listing: a head that moves between the listing and the
// fetch is caught by comparing the two, and that pull request waits for
// the next run (its check says so) while the others are judged.
func TestScheduledRunHeadMovedWaits(t *testing.T) {
	r := newScaleRepo(t, 2)
	srv := githubtest.New(t, owner, repo, githubtest.NewClock(start).Now)
	moved := r.pulls[0]
	moved.HeadSHA = githubtest.SHA("pushed after the listing")
	srv.AddPull(moved)
	srv.AddPull(r.pulls[1])
	_, rep := r.run(t, srv, scheduleEvent(), "", 1)
	if len(rep.Pulls) != 2 || len(rep.Applied) != 0 {
		t.Fatalf("judged %d, applied %d; want 2 judged, none applied", len(rep.Pulls), len(rep.Applied))
	}
	if p := rep.Pulls[0]; p.Number != 1 || p.Gate.Verdict != "waiting" || !strings.Contains(p.Gate.Reason, "the head moved while this run read it") {
		t.Fatalf("#1: %s: %s", p.Gate.Verdict, p.Gate.Reason)
	}
	if p := rep.Pulls[1]; p.Number != 2 || p.Gate.Pending.Path == "" || !strings.Contains(p.Gate.Reason, "needs 2 more approvals") {
		t.Fatalf("#2: %s: %s", p.Gate.Verdict, p.Gate.Reason)
	}
	if runs := srv.CheckRuns(moved.HeadSHA); len(runs) != 1 || runs[0].Conclusion != "" {
		t.Fatalf("check on the moved head: %+v; want one, in progress", runs)
	}
}

// The apply run after a fork's judge run (workflow_run naming no pull
// request, since GitHub names none for a fork) reads only the pull request
// at the judged head, not every open one.
func TestWorkflowRunOfForkReadsOnePullRequest(t *testing.T) {
	r := newScaleRepo(t, 3)
	srv := r.github(t)
	ev := github.Event{Name: github.EventWorkflowRun, Action: "completed",
		WorkflowRun: &github.WorkflowRunEvent{Name: "writ judge", Event: github.EventPullRequest, HeadSHA: r.pulls[1].HeadSHA}}
	counted, rep := r.run(t, srv, ev, "", 1)
	if len(rep.Pulls) != 1 || rep.Pulls[0].Number != 2 {
		t.Fatalf("judged %d pull requests; want #2 only", len(rep.Pulls))
	}
	// The two listings, #2's files and reviews, its check and comment.
	if counted != 6 {
		t.Fatalf("%d counted calls, want 6: %+v", counted, srv.Calls())
	}
	if len(srv.CheckRuns(r.pulls[0].HeadSHA))+len(srv.CheckRuns(r.pulls[2].HeadSHA)) != 0 {
		t.Fatal("published on pull requests the event is not about")
	}
}
