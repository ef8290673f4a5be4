package github_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/adapters/github"
	"github.com/writ-dev/writ/adapters/github/githubtest"
	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/remotetest"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// tick is a clock that moves one second per reading.
type tick struct{ t time.Time }

func (c *tick) Now() time.Time {
	c.t = c.t.Add(time.Second)
	return c.t
}

// world is a control repo on a git server, a fake GitHub, and a
// reconciler's clone wired to both. The ship proposal of web-1 (two SRE
// approvals needed) is pull request #pr, whose head the server holds as
// refs/pull/<pr>/head.
type world struct {
	git    *remotetest.Server
	gh     *githubtest.Server
	seed   *reconciler.Engine
	keys   local.KeyDir
	clone  *reconciler.Engine
	client *github.Client
	main   plumbing.Hash // the remote's main before the run
	head   string        // the pull request's head
	path   string        // its proposal file
	pr     int
}

// releaseWithLogins is the release example with GitHub logins for its
// humans.
func releaseWithLogins(t *testing.T) fs.FS { return releaseWith(t, "") }

// releaseWith is releaseWithLogins with extra top-level writ.yaml.
func releaseWith(t *testing.T, extra string) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(fixtures.Release(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fixtures.Release(), p)
		if err != nil {
			return err
		}
		if p == "writ.yaml" {
			s := string(b)
			for _, who := range []string{"alice", "bob", "carol"} {
				s = strings.Replace(s, "email: "+who+"@writ.example\n", "email: "+who+"@writ.example\n    github: "+who+"-gh\n", 1)
			}
			b = []byte(s + extra)
		}
		m[p] = &fstest.MapFile{Data: b}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func addRemote(t testing.TB, s *gitstore.Store, url string) {
	t.Helper()
	if err := s.AddRemote(&config.RemoteConfig{Name: "origin", URLs: []string{url},
		Fetch: []config.RefSpec{"+refs/heads/*:refs/remotes/origin/*"}}); err != nil {
		t.Fatal(err)
	}
}

// newWorld walks web-1 to "approved" on the seed, publishes main, and
// opens pull request pr = the ship proposal, authored by author.
func newWorld(t *testing.T, pull githubtest.Pull) *world { return newWorldWith(t, pull, "") }

// newWorldWith is newWorld with extra top-level writ.yaml.
func newWorldWith(t *testing.T, pull githubtest.Pull, extra string) *world {
	t.Helper()
	return newWorldFrom(t, pull, releaseWith(t, extra), "deploy-agent")
}

// newWorldFrom is newWorld from the rules in files, with the ship proposal
// made by shipAs.
func newWorldFrom(t *testing.T, pull githubtest.Pull, files fs.FS, shipAs string) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{pr: 1}
	store, err := gitstore.Init(filepath.Join(t.TempDir(), "seed"))
	if err != nil {
		t.Fatal(err)
	}
	w.keys = local.KeyDir{Dir: filepath.Join(t.TempDir(), "keys")}
	clock := &tick{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	w.seed = &reconciler.Engine{Store: store, Keys: w.keys, Now: clock.Now}
	if _, err := w.seed.Init(files, w.keys); err != nil {
		t.Fatal(err)
	}
	propose := func(as, tr string, inputs map[string]any) *reconciler.Proposed {
		p, err := w.seed.Propose(reconciler.ProposeRequest{As: as, Proposal: schemas.Proposal{
			Instance: "web-1", Workflow: "release", Transition: tr, Inputs: inputs}})
		if err != nil {
			t.Fatalf("propose %s: %v", tr, err)
		}
		return p
	}
	for _, tr := range []string{"create", "verify", "tests-pass", "security-clear", "approve-release"} {
		propose("deploy-agent", tr, nil)
		rep, err := w.seed.Reconcile()
		if err != nil || len(rep.Applied) != 1 {
			t.Fatalf("reconcile %s: %v (%d applied)", tr, err, len(rep.Applied))
		}
	}
	ship := propose(shipAs, "ship", map[string]any{"change_ticket": "CHG-1", "environment": "staging"})
	w.head, w.path = ship.Commit.String(), ship.Path

	w.git = remotetest.New(t)
	addRemote(t, store, w.git.URL)
	if w.main, err = store.Ref(gitstore.MainRef); err != nil {
		t.Fatal(err)
	}
	if err := store.PushCAS(ctx, "origin", gitstore.MainRef, plumbing.ZeroHash, w.main); err != nil {
		t.Fatal(err)
	}
	if err := store.PushCheckpoint(ctx, "origin"); err != nil {
		t.Fatal(err)
	}
	if err := store.PushCAS(ctx, "origin", "refs/pull/1/head", plumbing.ZeroHash, ship.Commit); err != nil {
		t.Fatal(err)
	}

	ghClock := githubtest.NewClock(start)
	w.gh = githubtest.New(t, owner, repo, ghClock.Now)
	pull.Number, pull.HeadSHA, pull.BaseSHA, pull.BaseRef = w.pr, w.head, w.main.String(), "main"
	pull.HeadRef, pull.Files = ship.Branch, []string{ship.Path}
	if pull.Author == "" {
		pull.Author = "deploy-bot"
	}
	w.gh.AddPull(pull)
	w.client, err = github.New(github.Config{Repository: owner + "/" + repo, APIURL: w.gh.URL, Clock: ghClock}, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	w.clone = w.newClone(t)
	return w
}

// newClone is a fresh reconciler clone of the server.
func (w *world) newClone(t *testing.T) *reconciler.Engine {
	t.Helper()
	store, err := gitstore.Init(filepath.Join(t.TempDir(), "clone"))
	if err != nil {
		t.Fatal(err)
	}
	addRemote(t, store, w.git.URL)
	clock := &tick{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	return &reconciler.Engine{Store: store, Keys: w.keys, Now: clock.Now}
}

func (w *world) review(login, state, commit string, minute int) {
	w.gh.AddReview(w.pr, githubtest.Review{Login: login, State: state, CommitID: commit,
		SubmittedAt: start.Add(time.Duration(minute) * time.Minute)})
}

// runner is one Actions run: the reconcile loop on a clone, with GitHub
// as its source and its reporter.
type runner struct {
	engine *reconciler.Engine
	pulls  *github.PullRequests
}

// Run runs the loop against origin and returns what GitHub's reporter
// made of it.
func (r runner) Run(ctx context.Context) (*github.RunReport, error) {
	return r.RunWith(ctx, reconciler.ReconcileOptions{})
}

// RunWith is Run with options (the source, reporter and remote are set).
func (r runner) RunWith(ctx context.Context, opts reconciler.ReconcileOptions) (*github.RunReport, error) {
	opts.Remote, opts.Source, opts.Reporters = "origin", r.pulls, []reconciler.Reporter{r.pulls}
	_, err := r.engine.ReconcileWith(ctx, opts)
	rep := r.pulls.Last()
	if rep == nil {
		rep = &github.RunReport{}
	}
	return rep, err
}

func newRunner(e *reconciler.Engine, client *github.Client, ev github.Event) runner {
	if ev.Repository == "" {
		ev.Repository = owner + "/" + repo
	}
	return runner{engine: e, pulls: &github.PullRequests{Client: client, Store: e.Store, Event: ev}}
}

func (w *world) runner(ev github.Event) runner { return newRunner(w.clone, w.client, ev) }

// prEvent is the default branch's run that applies after the judge run of
// a review on the pull request (workflow_run naming it).
func (w *world) prEvent() github.Event {
	return github.Event{Name: github.EventWorkflowRun, Action: "completed",
		WorkflowRun: &github.WorkflowRunEvent{Name: "writ judge", Event: github.EventPullRequestReview, PullRequests: []int{w.pr}}}
}

// applyRun is the default branch's workflow_run after the judge run of
// pull request n.
func applyRun(n int) github.Event {
	return github.Event{Name: github.EventWorkflowRun, Action: "completed", Repository: owner + "/" + repo,
		WorkflowRun: &github.WorkflowRunEvent{Name: "writ judge", Event: github.EventPullRequest, PullRequests: []int{n}}}
}

// reviewEvent is the judge run of a review: the pull request's own
// workflow file, judged only.
func (w *world) reviewEvent() github.Event {
	return github.Event{Name: github.EventPullRequestReview, Action: "submitted",
		PullRequest: &github.PullRequestEvent{Number: w.pr, HeadSHA: w.head}}
}

func (w *world) run(t *testing.T, ev github.Event) *github.RunReport {
	t.Helper()
	rep, err := w.runner(ev).Run(context.Background())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if len(rep.Pulls) != 1 {
		t.Fatalf("judged %d pull requests, want 1", len(rep.Pulls))
	}
	return rep
}

// remoteMain reads the server's main.
func (w *world) remoteMain(t *testing.T) plumbing.Hash {
	t.Helper()
	refs, err := w.seed.Store.RemoteRefs(context.Background(), "origin")
	if err != nil {
		t.Fatal(err)
	}
	return refs[gitstore.MainRef]
}

// verify replays the server's main in a fresh clone, from genesis.
func (w *world) verify(t *testing.T) *reconciler.ReplayResult {
	t.Helper()
	c := w.newClone(t)
	if _, err := c.FetchState(context.Background(), "origin"); err != nil {
		t.Fatal(err)
	}
	res, err := c.Replay(reconciler.ReplayOptions{Collect: true})
	if err != nil {
		t.Fatalf("replay of the remote's main: %v", err)
	}
	return res
}

func (w *world) check(t *testing.T) githubtest.CheckRun {
	t.Helper()
	runs := w.gh.CheckRuns(w.head)
	if len(runs) != 1 || runs[0].Name != checkName {
		t.Fatalf("check runs on the head: %+v, want one named %s", runs, checkName)
	}
	return runs[0]
}

func (w *world) unchanged(t *testing.T) {
	t.Helper()
	if got := w.remoteMain(t); got != w.main {
		t.Fatalf("remote main moved to %s; want it unchanged", got)
	}
}

func TestRunAppliesApprovedPullRequest(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	w.review("alice-gh", "APPROVED", w.head, 1)
	w.review("bob-gh", "APPROVED", w.head, 2)
	rep := w.run(t, w.prEvent())
	p := rep.Pulls[0]
	if !p.Applied || len(rep.Applied) != 1 {
		t.Fatalf("not applied: %s: %s (held: %s)", p.Gate.Verdict, p.Gate.Reason, p.Held)
	}
	if got := w.remoteMain(t); got != rep.Main || got != p.Entry {
		t.Fatalf("remote main %s, want the entry %s", got, p.Entry)
	}
	res := w.verify(t)
	last := res.Entries[len(res.Entries)-1].Record
	if last.ProposalPath != w.path || len(last.Entry.Decisions) != 2 {
		t.Fatalf("last entry: %s with %d decisions", last.ProposalPath, len(last.Entry.Decisions))
	}
	for _, d := range last.Entry.Decisions {
		r, err := wal.ParseReviewRef(d.Ref)
		if err != nil || d.Commit != w.head || r.UserID != githubtest.UserID(r.Login) {
			t.Fatalf("decision %+v: %v", d, err)
		}
	}
	if c := w.check(t); c.Conclusion != "success" {
		t.Fatalf("check run %+v, want success", c)
	}
	if n := len(w.gh.Comments(w.pr)); n != 1 {
		t.Fatalf("%d plan comments, want 1", n)
	}
	// A second run (say, on push) finds the proposal merged and edits
	// the same check and comment in place.
	rep = w.run(t, github.Event{Name: github.EventPush, Push: &github.PushEvent{Ref: "refs/heads/main"}})
	if rep.Pulls[0].Gate.Verdict != intake.VerdictMerged || len(rep.Applied) != 0 {
		t.Fatalf("second run: %s, %d applied", rep.Pulls[0].Gate.Verdict, len(rep.Applied))
	}
	w.check(t)
	if n := len(w.gh.Comments(w.pr)); n != 1 {
		t.Fatalf("%d plan comments after the second run, want 1", n)
	}
}

func TestRunWaitsForApprovalOnOlderContent(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	old := githubtest.SHA("an earlier head, force-pushed away")
	w.gh.SetFile(old, w.path, []byte("instance: web-1\ntransition: ship\ninputs: {environment: production}\n"))
	w.review("alice-gh", "APPROVED", old, 1)
	w.review("bob-gh", "APPROVED", w.head, 2)
	rep := w.run(t, w.prEvent())
	if p := rep.Pulls[0]; p.Gate.Verdict != intake.VerdictWaiting || p.Applied {
		t.Fatalf("%s (applied %v): %s", p.Gate.Verdict, p.Applied, p.Gate.Reason)
	}
	w.waitRecorded(t)
	if c := w.check(t); c.Conclusion != "" || c.Status != "in_progress" {
		t.Fatalf("check run %+v, want in progress", c)
	}
}

func TestRunIgnoresSelfApproval(t *testing.T) {
	w := newWorld(t, githubtest.Pull{Author: "alice-gh"})
	w.review("alice-gh", "APPROVED", w.head, 1)
	w.review("bob-gh", "APPROVED", w.head, 2)
	rep := w.run(t, w.prEvent())
	p := rep.Pulls[0]
	if p.Gate.Verdict != intake.VerdictWaiting || p.Applied {
		t.Fatalf("%s (applied %v): %s", p.Gate.Verdict, p.Applied, p.Gate.Reason)
	}
	// alice opened the pull request: her review is a decision, and the
	// policy does not count a co-author's approval (no allow_author).
	why := notCountedBy(p.Gate.Outcome.Policy)
	if !slices.Equal(p.Gate.Entry.CoAuthors, []string{"alice"}) || !slices.Contains(why, "alice: "+policies.ReasonAuthor) {
		t.Fatalf("co-authors %v, not counted %v; want alice's own review not counted as the author's", p.Gate.Entry.CoAuthors, why)
	}
	w.waitRecorded(t)
}

func TestRunForkIsJudgedNotApplied(t *testing.T) {
	w := newWorld(t, githubtest.Pull{Fork: true})
	w.review("alice-gh", "APPROVED", w.head, 1)
	w.review("bob-gh", "APPROVED", w.head, 2)
	rep := w.run(t, github.Event{Name: github.EventSchedule, Schedule: "*/5 * * * *"})
	p := rep.Pulls[0]
	if p.Gate.Verdict != intake.VerdictReady || p.Applied || !strings.Contains(p.Held, "fork") {
		t.Fatalf("%s (applied %v, held %q): %s", p.Gate.Verdict, p.Applied, p.Held, p.Gate.Reason)
	}
	w.unchanged(t)
	// Judged, not applied: neutral, never a green check on a fork.
	if c := w.check(t); c.Conclusion != "neutral" || !strings.Contains(c.Title, "held") || !strings.Contains(c.Title, "fork") {
		t.Fatalf("check run of a held fork: %q %q, want neutral and held", c.Conclusion, c.Title)
	}
}

func TestRunChangesRequestedIsNotApplied(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	w.review("bob-gh", "APPROVED", w.head, 1)
	w.review("alice-gh", "CHANGES_REQUESTED", w.head, 2)
	rep := w.run(t, w.prEvent())
	p := rep.Pulls[0]
	if p.Gate.Verdict == intake.VerdictReady {
		t.Fatalf("ready despite changes requested: %s", p.Gate.Reason)
	}
	if p.Applied {
		// The engine records an eligible rejection as a reject entry:
		// the transition itself is not applied.
		res := w.verify(t)
		last := res.Entries[len(res.Entries)-1].Record.Entry
		if last.Kind != core.KindReject {
			t.Fatalf("entry kind %s, want reject", last.Kind)
		}
	} else {
		w.unchanged(t)
	}
	if c := w.check(t); c.Conclusion == "success" {
		t.Fatalf("check run %+v succeeded", c)
	}
}

func TestRunMalformedEventWritesNothing(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	w.review("alice-gh", "APPROVED", w.head, 1)
	w.review("bob-gh", "APPROVED", w.head, 2)

	dir := t.TempDir()
	path := filepath.Join(dir, "event.json")
	if err := os.WriteFile(path, []byte(`{"action":"submitted","pull_request":{"number":"one"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GITHUB_EVENT_NAME": "pull_request_review", "GITHUB_EVENT_PATH": path, "GITHUB_REPOSITORY": owner + "/" + repo}
	if _, err := github.ReadEvent(func(k string) string { return env[k] }); !errors.Is(err, github.ErrMalformedEvent) {
		t.Fatalf("ReadEvent: %v, want ErrMalformedEvent", err)
	}
	// An event without its pull request never reaches GitHub or git.
	_, err := w.runner(github.Event{Name: github.EventPullRequest}).Run(context.Background())
	if !errors.Is(err, github.ErrMalformedEvent) {
		t.Fatalf("run: %v, want ErrMalformedEvent", err)
	}
	if n := len(w.gh.Calls()); n != 0 {
		t.Fatalf("%d GitHub calls, want none", n)
	}
	w.unchanged(t)
}

func TestRunGitHubOutageWritesNothing(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	w.review("alice-gh", "APPROVED", w.head, 1)
	w.review("bob-gh", "APPROVED", w.head, 2)
	w.gh.Inject(githubtest.Fault{Path: "/repos/" + owner + "/" + repo + "/pulls/1/reviews", Status: 502, Times: 100,
		Body: `{"message":"Server Error"}`})
	if _, err := w.runner(w.prEvent()).Run(context.Background()); err == nil {
		t.Fatal("run succeeded during an outage")
	}
	w.unchanged(t)
	if len(w.gh.Writes()) != 0 {
		t.Fatalf("wrote to GitHub during an outage: %+v", w.gh.Writes())
	}
}

// TestRunLostRace: a run that wrote the entry of a ready pull request
// loses the race to push main to another run that applied it first: it
// publishes nothing, puts its local main back, fetches again, finds the
// pull request merged, and the proposal is on main once.
func TestRunLostRace(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	w.review("alice-gh", "APPROVED", w.head, 1)
	w.review("bob-gh", "APPROVED", w.head, 2)
	ctx := context.Background()

	// Reconciler A judges the pull request ready and writes its entry...
	a := newRunner(w.newClone(t), w.client, w.prEvent())
	// Its clock is not B's, so its entry is not byte for byte B's.
	a.engine.Now = (&tick{t: time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC)}).Now
	var won plumbing.Hash
	rep, err := a.RunWith(ctx, reconciler.ReconcileOptions{Crash: func(p reconciler.CrashPoint) error {
		if p != reconciler.CrashAfterCommitBeforePush || !won.IsZero() {
			return nil
		}
		// ...while reconciler B (another Action run) applies it first.
		if rep := w.run(t, w.prEvent()); !rep.Pulls[0].Applied {
			t.Fatalf("B did not apply: %s", rep.Pulls[0].Gate.Reason)
		}
		won = w.remoteMain(t)
		return nil
	}})
	if err != nil {
		t.Fatalf("A: %v", err)
	}
	if won.IsZero() {
		t.Fatal("A never reached the push")
	}
	if rep.Races != 1 || len(rep.Applied) != 0 || len(rep.Pulls) != 1 || rep.Pulls[0].Gate.Verdict != intake.VerdictMerged {
		t.Fatalf("A: %d races, %d applied, pulls %+v; want one lost race, nothing applied, the pull request merged", rep.Races, len(rep.Applied), rep.Pulls)
	}
	if got := w.remoteMain(t); got != won {
		t.Fatalf("remote main %s, want B's %s", got, won)
	}
	if local, _ := a.engine.Store.Ref(gitstore.MainRef); local != won {
		t.Fatalf("A's local main %s, want the remote's %s", local, won)
	}
	w.verify(t)
}

func policiesDecision(who, commit, content, ref string) policies.Decision {
	return policies.Decision{Identity: who, Verdict: policies.VerdictApprove, Commit: commit, Content: content, Ref: ref}
}

// TestRunTeamMembershipGrantsRole: carol holds role security in writ.yaml,
// but she is in the GitHub team that github.role_teams maps to sre, so her
// approval counts for the sre rule; the entry records the grant and
// replays.
func TestRunTeamMembershipGrantsRole(t *testing.T) {
	w := newWorldWith(t, githubtest.Pull{}, "\ngithub:\n  role_teams:\n    sre: [acme/sre]\n")
	w.gh.SetTeam("acme", "sre", "carol-gh", "alice-gh")
	w.review("alice-gh", "APPROVED", w.head, 1)
	w.review("carol-gh", "APPROVED", w.head, 2)
	rep := w.run(t, w.prEvent())
	p := rep.Pulls[0]
	if !p.Applied {
		t.Fatalf("not applied: %s: %s", p.Gate.Verdict, p.Gate.Reason)
	}
	res := w.verify(t)
	last := res.Entries[len(res.Entries)-1].Record
	if len(last.Entry.Grants) != 1 || last.Entry.Grants[0] != (core.RoleGrant{Identity: "carol", Role: "sre", Source: "acme/sre"}) {
		t.Fatalf("grants recorded: %+v", last.Entry.Grants)
	}
}

// TestRunTeamOutsideRoleTeamsDoesNotCount: without the mapping, carol's
// approval does not count for sre.
func TestRunTeamOutsideRoleTeamsDoesNotCount(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	w.gh.SetTeam("acme", "sre", "carol-gh")
	w.review("alice-gh", "APPROVED", w.head, 1)
	w.review("carol-gh", "APPROVED", w.head, 2)
	rep := w.run(t, w.prEvent())
	if p := rep.Pulls[0]; p.Applied || p.Gate.Verdict != intake.VerdictWaiting {
		t.Fatalf("%s (applied %v): %s", p.Gate.Verdict, p.Applied, p.Gate.Reason)
	}
	w.waitRecorded(t)
}

// TestRunTwoPullRequestsRaceForMain: two reconcilers, each in its own
// clone and each judging its own pull request, run at the same time. Both
// proposals land exactly once, main is one valid log, and whoever lost the
// compare-and-swap re-fetched and re-evaluated.
func TestRunTwoPullRequestsRaceForMain(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, githubtest.Pull{})
	w.review("alice-gh", "APPROVED", w.head, 1)
	w.review("bob-gh", "APPROVED", w.head, 2)
	second, err := w.seed.Propose(reconciler.ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
		Instance: "web-2", Workflow: "release", Transition: "create"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.seed.Store.PushCAS(ctx, "origin", "refs/pull/2/head", plumbing.ZeroHash, second.Commit); err != nil {
		t.Fatal(err)
	}
	w.gh.AddPull(githubtest.Pull{Number: 2, Author: "deploy-bot", HeadSHA: second.Commit.String(), HeadRef: second.Branch,
		BaseSHA: w.main.String(), BaseRef: "main", Files: []string{second.Path}})

	client2, err := github.New(github.Config{Repository: owner + "/" + repo, APIURL: w.gh.URL}, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	runners := []runner{w.runner(w.prEvent()), newRunner(w.newClone(t), client2,
		applyRun(2))}
	type result struct {
		rep *github.RunReport
		err error
	}
	results := make(chan result, 2)
	for _, r := range runners {
		go func() {
			rep, err := r.Run(ctx)
			results <- result{rep, err}
		}()
	}
	applied := 0
	for range runners {
		res := <-results
		if res.err != nil {
			t.Fatalf("run: %v", res.err)
		}
		applied += len(res.rep.Applied)
		for _, p := range res.rep.Pulls {
			t.Logf("pull #%d: %s applied=%v held=%q: %s (races %d, notes %v)", p.Number, p.Gate.Verdict, p.Applied, p.Held, p.Gate.Reason, res.rep.Races, res.rep.Notes)
		}
	}
	if applied != 2 {
		t.Fatalf("%d entries applied, want 2", applied)
	}
	res := w.verify(t)
	seen := map[string]int{}
	for _, en := range res.Entries {
		seen[en.Record.ProposalPath]++
	}
	if seen[w.path] != 1 || seen[second.Path] != 1 {
		t.Fatalf("proposals on main: %v", seen)
	}
}

// TestRunGovernancePullRequest: a pull request that edits a policy is a
// rule change, judged by the governance policy in force before it.
func TestRunGovernancePullRequest(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, githubtest.Pull{})
	old, err := w.seed.Store.ReadFile(w.main, "policies/release-approval.yaml")
	if err != nil {
		t.Fatal(err)
	}
	change, err := w.seed.ProposeRules(reconciler.ProposeRulesRequest{As: "alice", Name: "relax", Justification: "one SRE",
		Files: map[string][]byte{"policies/release-approval.yaml": []byte(strings.Replace(string(old), "count: 2", "count: 1", 1))}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.seed.Store.PushCAS(ctx, "origin", "refs/pull/3/head", plumbing.ZeroHash, change.Commit); err != nil {
		t.Fatal(err)
	}
	w.gh.AddPull(githubtest.Pull{Number: 3, Author: "alice-gh", HeadSHA: change.Commit.String(), HeadRef: change.Branch,
		BaseSHA: w.main.String(), BaseRef: "main", Files: []string{change.Path, "policies/release-approval.yaml"}})
	event := applyRun(3)
	review := func(login string, minute int) {
		w.gh.AddReview(3, githubtest.Review{Login: login, State: "APPROVED", CommitID: change.Commit.String(),
			SubmittedAt: start.Add(time.Duration(minute) * time.Minute)})
	}
	// The author's approval never counts; one maintainer is not enough.
	review("alice-gh", 1)
	review("bob-gh", 2)
	rep := w.run(t, event)
	if p := rep.Pulls[0]; p.Applied || p.Gate.Verdict != intake.VerdictWaiting {
		t.Fatalf("with one maintainer: %s (applied %v): %s", p.Gate.Verdict, p.Applied, p.Gate.Reason)
	}
	review("carol-gh", 3)
	rep = w.run(t, event)
	if p := rep.Pulls[0]; !p.Applied {
		t.Fatalf("with two maintainers: %s: %s", p.Gate.Verdict, p.Gate.Reason)
	}
	res := w.verify(t)
	if pol, _ := res.State.Rules().Policy("release-approval"); pol.Rules[0].Count != 1 {
		t.Fatalf("new rules not in force after replay: count %d", pol.Rules[0].Count)
	}
}

// TestRunOverrideReview: a "/writ override <why>" review by a human with
// the override capability applies the transition without the policy, and
// the entry flags it; without a justification it is refused.
func TestRunOverrideReview(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	w.gh.AddReview(w.pr, githubtest.Review{Login: "bob-gh", State: "COMMENTED", CommitID: w.head,
		Body: "/writ override outage INC-7", SubmittedAt: start.Add(time.Minute)})
	rep := w.run(t, w.prEvent())
	if p := rep.Pulls[0]; p.Applied {
		t.Fatalf("bob lacks the override capability but his override applied")
	} else if p.Gate.Verdict != intake.VerdictWaiting || !strings.Contains(p.Gate.Reason, "bob's override does not count: lacks capability override") {
		// A bogus override never changes the verdict: still waiting.
		t.Fatalf("after bob's override: %s: %s", p.Gate.Verdict, p.Gate.Reason)
	}
	w.waitRecorded(t)
	w.gh.AddReview(w.pr, githubtest.Review{Login: "alice-gh", State: "COMMENTED", CommitID: w.head,
		Body: "/writ override outage INC-7\nrolling forward", SubmittedAt: start.Add(2 * time.Minute)})
	rep = w.run(t, w.prEvent())
	if p := rep.Pulls[0]; !p.Applied {
		t.Fatalf("override by alice: %s: %s", p.Gate.Verdict, p.Gate.Reason)
	}
	res := w.verify(t)
	if last := res.Entries[len(res.Entries)-1]; last.Record.Override != "alice" || last.Outcome.Override != "alice" {
		t.Fatalf("override not flagged: %+v", last.Record.Override)
	}
}

func TestOverrideJustification(t *testing.T) {
	tests := []struct {
		body, why string
		ok        bool
	}{
		{"/writ override prod is down", "prod is down", true},
		{"  /writ override   prod   is down\nmore", "prod is down", true},
		{"/writ override", "", true},
		{"/writ overrides x", "", false},
		{"LGTM /writ override x", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		why, ok := github.OverrideJustification(tt.body)
		if why != tt.why || ok != tt.ok {
			t.Errorf("OverrideJustification(%q) = %q, %v; want %q, %v", tt.body, why, ok, tt.why, tt.ok)
		}
	}
}

// TestRunStaleProposalTurnsCheckRed: main moved the instance after the
// proposal was made; the check fails and says how to refresh.
func TestRunStaleProposalTurnsCheckRed(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, githubtest.Pull{})
	w.review("alice-gh", "APPROVED", w.head, 1)
	w.review("bob-gh", "APPROVED", w.head, 2)
	if _, err := w.seed.Propose(reconciler.ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
		Instance: "web-1", Workflow: "release", Transition: "cancel"}}); err != nil {
		t.Fatal(err)
	}
	rep, err := w.seed.Reconcile()
	if err != nil || len(rep.Applied) != 1 {
		t.Fatalf("cancel web-1: %v", err)
	}
	if err := w.seed.Store.PushCAS(ctx, "origin", gitstore.MainRef, w.main, rep.Head); err != nil {
		t.Fatal(err)
	}
	run := w.run(t, w.prEvent())
	p := run.Pulls[0]
	if p.Applied || p.Gate.Verdict != intake.VerdictRefused || !strings.Contains(p.Gate.Reason, "propose again") {
		t.Fatalf("stale proposal: %s (applied %v): %s", p.Gate.Verdict, p.Applied, p.Gate.Reason)
	}
	if c := w.check(t); c.Conclusion != "failure" || !strings.Contains(c.Text+c.Summary, "propose again") {
		t.Fatalf("check run %+v", c)
	}
}

// TestRunForkWithReadOnlyToken: a fork's pull_request run cannot publish
// (403); the run still judges, applies nothing, and does not fail.
func TestRunForkWithReadOnlyToken(t *testing.T) {
	w := newWorld(t, githubtest.Pull{Fork: true})
	w.review("alice-gh", "APPROVED", w.head, 1)
	w.review("bob-gh", "APPROVED", w.head, 2)
	w.gh.Inject(githubtest.Fault{Method: "POST", Path: "/repos/" + owner + "/" + repo + "/check-runs", Status: 403,
		Body: `{"message":"Resource not accessible by integration"}`, Times: 10})
	rep := w.run(t, w.prEvent())
	if p := rep.Pulls[0]; p.Applied || p.Gate.Verdict != intake.VerdictReady {
		t.Fatalf("%s (applied %v): %s", p.Gate.Verdict, p.Applied, p.Gate.Reason)
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "read-only") {
		t.Fatalf("notes %v do not explain the unpublished verdict", rep.Notes)
	}
	w.unchanged(t)
}

// rulePull opens pull request 3: carol's rule change relaxing the release
// policy, approved by alice and bob on its first commit.
func rulePull(t *testing.T, w *world) *reconciler.Proposed {
	t.Helper()
	old, err := w.seed.Store.ReadFile(w.main, "policies/release-approval.yaml")
	if err != nil {
		t.Fatal(err)
	}
	change, err := w.seed.ProposeRules(reconciler.ProposeRulesRequest{As: "carol", Name: "relax", Justification: "one SRE",
		Files: map[string][]byte{"policies/release-approval.yaml": []byte(strings.Replace(string(old), "count: 2", "count: 1", 1))}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.seed.Store.PushCAS(context.Background(), "origin", "refs/pull/3/head", plumbing.ZeroHash, change.Commit); err != nil {
		t.Fatal(err)
	}
	w.gh.AddPull(githubtest.Pull{Number: 3, Author: "carol-gh", HeadSHA: change.Commit.String(), HeadRef: change.Branch,
		BaseSHA: w.main.String(), BaseRef: "main", Files: []string{change.Path, "policies/release-approval.yaml"}})
	for i, login := range []string{"alice-gh", "bob-gh"} {
		w.gh.AddReview(3, githubtest.Review{Login: login, State: "APPROVED", CommitID: change.Commit.String(),
			SubmittedAt: start.Add(time.Duration(i+1) * time.Minute)})
	}
	return change
}

// pushRulePull pushes a commit signed by carol on pull request 3's head,
// writing files (none: the same tree), and returns the event of the push.
func pushRulePull(t *testing.T, w *world, change *reconciler.Proposed, files map[string][]byte) (plumbing.Hash, github.Event) {
	t.Helper()
	signer, err := w.keys.Signer("carol")
	if err != nil {
		t.Fatal(err)
	}
	sig := object.Signature{Name: "carol", Email: "carol@writ.example", When: time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)}
	req := gitstore.CommitRequest{Parents: []plumbing.Hash{change.Commit}, Files: files,
		Message: "propose: a small fix\n", Author: sig, Committer: sig, Signer: signer}
	next, err := w.seed.Store.WriteCommit(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.seed.Store.PushCAS(context.Background(), "origin", "refs/pull/3/head", change.Commit, next); err != nil {
		t.Fatal(err)
	}
	w.gh.Push(3, change.Commit.String(), next.String())
	return next, applyRun(3)
}

// TestRunRuleChangeReviewsBindToTheWholeChange: a review approves the
// whole rule change at its commit. A later push that edits writ.yaml (the
// proposer granting itself a capability) leaves the proposal file as it
// was, yet voids the reviews made before it; reviews of the new head
// count.
func TestRunRuleChangeReviewsBindToTheWholeChange(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	change := rulePull(t, w)
	cfg, err := w.seed.Store.ReadFile(w.main, "writ.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(cfg)
	at := strings.Index(text, "name: carol")
	i := strings.Index(text[at:], "capabilities: [approve") + at + len("capabilities: [approve")
	edit, event := pushRulePull(t, w, change, map[string][]byte{"writ.yaml": []byte(text[:i] + ", override" + text[i:])})
	rep := w.run(t, event)
	if p := rep.Pulls[0]; p.Applied || p.Gate.Verdict != intake.VerdictWaiting {
		t.Fatalf("reviews of the harmless change applied the writ.yaml edit: %s (applied %v): %s", p.Gate.Verdict, p.Applied, p.Gate.Reason)
	}
	w.unchanged(t)
	w.gh.AddReview(3, githubtest.Review{Login: "alice-gh", State: "APPROVED", CommitID: edit.String(), SubmittedAt: start.Add(5 * time.Minute)})
	w.gh.AddReview(3, githubtest.Review{Login: "bob-gh", State: "APPROVED", CommitID: edit.String(), SubmittedAt: start.Add(6 * time.Minute)})
	rep = w.run(t, event)
	if p := rep.Pulls[0]; !p.Applied {
		t.Fatalf("reviews of the new head: %s: %s", p.Gate.Verdict, p.Gate.Reason)
	}
	res := w.verify(t)
	if carol, _ := res.State.Rules().Identity("carol"); !carol.HasCapability("override") {
		t.Fatal("the approved writ.yaml is not in force after replay")
	}
}

// TestRunRuleChangeReviewsKeptOnIdenticalContent: a push that leaves the
// whole change as it was keeps the reviews made before it.
func TestRunRuleChangeReviewsKeptOnIdenticalContent(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	change := rulePull(t, w)
	_, event := pushRulePull(t, w, change, nil)
	rep := w.run(t, event)
	if p := rep.Pulls[0]; !p.Applied {
		t.Fatalf("reviews of identical content: %s: %s", p.Gate.Verdict, p.Gate.Reason)
	}
	w.verify(t)
}

// TestRunReviewEventOnlyJudges: a pull_request_review run executes the
// pull request's own workflow file, so it judges, publishes, and never
// writes main, even for a ready proposal; the default branch's
// workflow_run after it applies.
func TestRunReviewEventOnlyJudges(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	w.review("alice-gh", "APPROVED", w.head, 1)
	w.review("bob-gh", "APPROVED", w.head, 2)
	rep := w.run(t, w.reviewEvent())
	if p := rep.Pulls[0]; p.Applied || p.Gate.Verdict != intake.VerdictReady || !strings.Contains(p.Held, "default branch's workflow") {
		t.Fatalf("review run: %s applied=%v held=%q", p.Gate.Verdict, p.Applied, p.Held)
	}
	w.unchanged(t)
	if c := w.check(t); c.Conclusion != "neutral" {
		t.Fatalf("check after the judge run: %q %q", c.Conclusion, c.Title)
	}
	if rep := w.run(t, w.prEvent()); !rep.Pulls[0].Applied {
		t.Fatalf("workflow_run did not apply: %s", rep.Pulls[0].Gate.Reason)
	}
	if c := w.check(t); c.Conclusion != "success" {
		t.Fatalf("check after the apply run: %q %q", c.Conclusion, c.Title)
	}
}

// TestRunTeamLookupForbiddenIsANote: GITHUB_TOKEN may not read an
// organisation's team members (403). That is not an outage: the run goes
// on without the grants, says so in a note and in the pull request's
// check, and an approval that needed the team does not count.
func TestRunTeamLookupForbiddenIsANote(t *testing.T) {
	w := newWorldWith(t, githubtest.Pull{}, "\ngithub:\n  role_teams:\n    sre: [acme/sre]\n")
	w.gh.SetTeam("acme", "sre", "carol-gh", "alice-gh")
	w.gh.Inject(githubtest.Fault{Path: "/orgs/acme/teams/sre/members", Status: 403, Times: 100,
		Body: `{"message":"Resource not accessible by integration"}`})
	w.review("alice-gh", "APPROVED", w.head, 1)
	w.review("carol-gh", "APPROVED", w.head, 2)
	rep := w.run(t, w.prEvent())
	p := rep.Pulls[0]
	if p.Applied || p.Gate.Verdict != intake.VerdictWaiting {
		t.Fatalf("without the team, carol's approval counted: %s applied=%v: %s", p.Gate.Verdict, p.Applied, p.Gate.Reason)
	}
	if notes := strings.Join(rep.Notes, "\n"); !strings.Contains(notes, "acme/sre") || !strings.Contains(notes, "members:read") {
		t.Fatalf("notes %q do not say the team lookup was refused and which permission it needs", notes)
	}
	if c := w.check(t); !strings.Contains(c.Text+c.Summary, "acme/sre") {
		t.Fatalf("the check does not say the team lookup was refused: %s", c.Text)
	}
	w.waitRecorded(t)
}
