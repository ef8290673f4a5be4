package github_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/writ-dev/writ/adapters/github"
	"github.com/writ-dev/writ/adapters/github/githubtest"
)

const (
	owner     = "acme"
	repo      = "release-control"
	token     = "ghs_s3cr3t-t0ken-never-logged"
	proposal  = "proposals/web-1/ship.yaml"
	prNumber  = 7
	tokenVar  = "WRIT_TEST_GITHUB_TOKEN"
	checkName = "writ/acme/release-control"
)

var (
	headSHA = githubtest.SHA("head")
	oldSHA  = githubtest.SHA("old")
	baseSHA = githubtest.SHA("base")
	start   = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
)

var _ github.Clock = (*githubtest.Clock)(nil)

// env is a fake GitHub, a fake clock and a client wired to both.
type env struct {
	srv    *githubtest.Server
	clock  *githubtest.Clock
	client *github.Client
}

func newEnv(t *testing.T, configure ...func(*github.Config)) *env {
	t.Helper()
	clock := githubtest.NewClock(start)
	srv := githubtest.New(t, owner, repo, clock.Now)
	e := &env{srv: srv, clock: clock}
	e.client = e.newClient(t, configure...)
	return e
}

// newClient is a fresh client (a new process, with an empty ETag cache)
// on the same fake.
func (e *env) newClient(t *testing.T, configure ...func(*github.Config)) *github.Client {
	t.Helper()
	cfg := github.Config{Repository: owner + "/" + repo, APIURL: e.srv.URL, TokenEnv: tokenVar, Clock: e.clock}
	for _, f := range configure {
		f(&cfg)
	}
	c, err := github.New(cfg, func(k string) string {
		if k == tokenVar {
			return token
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	c.StartEvent()
	return c
}

// pull adds the standard pull request: deploy-bot proposes ship.yaml in
// two commits (old, head) with the same proposal bytes at both.
func (e *env) pull() {
	e.srv.AddPull(githubtest.Pull{Number: prNumber, Author: "deploy-bot", HeadSHA: headSHA, HeadRef: "proposals/web-1/ship",
		BaseSHA: baseSHA, BaseRef: "main", Commits: []string{oldSHA, headSHA}, Files: []string{proposal}})
	e.srv.SetFile(oldSHA, proposal, []byte("instance: web-1\ntransition: ship\n"))
	e.srv.SetFile(headSHA, proposal, []byte("instance: web-1\ntransition: ship\n"))
}

func (e *env) review(login, state, commit string, minute int) int64 {
	return e.srv.AddReview(prNumber, githubtest.Review{Login: login, State: state, CommitID: commit,
		SubmittedAt: start.Add(time.Duration(minute) * time.Minute)})
}

func primaryLimit(now time.Time, wait time.Duration) githubtest.Fault {
	return githubtest.Fault{Status: http.StatusForbidden, Header: http.Header{
		"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {strconv.FormatInt(now.Add(wait).Unix(), 10)}},
		Body: `{"message":"API rate limit exceeded for installation ID 1.","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}`}
}

func secondaryLimit(retryAfter string) githubtest.Fault {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return githubtest.Fault{Status: http.StatusForbidden, Header: h,
		Body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`}
}

// runEvent is what the engine will do for a pull request event, using
// only this package: gather every fact, decide, then publish the check
// and the plan. The verdict stands in for the gate's.
func runEvent(ctx context.Context, c *github.Client, number int) error {
	facts, err := c.PullRequest(ctx, number)
	if err != nil {
		return err
	}
	hashes, err := c.ContentHashes(ctx, proposal, github.ReviewCommits(facts))
	if err != nil {
		return err
	}
	ds, ignored := github.Decisions(facts.Reviews, logins, github.ContentAt(hashes))
	verdict, reason := "waiting", "needs 1 more approval from role sre"
	for _, d := range ds {
		if d.Commit == facts.HeadSHA || d.Content == hashes[facts.HeadSHA] {
			verdict, reason = "ready", "approved by "+d.Identity
		}
	}
	report := github.ProposalReport{Path: proposal, Verdict: verdict, Reason: reason,
		Explanation: fmt.Sprintf("%d decisions, %d ignored", len(ds), len(ignored)), Change: "web-1: approved → released"}
	out := github.RenderCheck(c.Repository(), facts.HeadSHA, []github.ProposalReport{report})
	if _, err := c.PublishCheck(ctx, facts.HeadSHA, github.CheckName(c.Repository()), out.Conclusion, out.Title, out.Summary, out.Text); err != nil {
		return err
	}
	_, err = c.UpsertPlanComment(ctx, number, github.RenderPlan(c.Repository(), facts.HeadSHA, []github.ProposalReport{report}))
	return err
}
