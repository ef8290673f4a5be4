package github_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/adapters/github"
	"github.com/writ-dev/writ/adapters/github/githubtest"
)

func TestPullRequestFactsPaginated(t *testing.T) {
	e := newEnv(t)
	var files, commits []string
	for i := 0; i < 150; i++ {
		files = append(files, fmt.Sprintf("proposals/web-%03d/ship.yaml", i))
	}
	for i := 0; i < 119; i++ {
		commits = append(commits, githubtest.SHA(fmt.Sprint("c", i)))
	}
	commits = append(commits, headSHA)
	e.srv.AddPull(githubtest.Pull{Number: prNumber, Author: "deploy-bot", HeadSHA: headSHA, BaseSHA: baseSHA, HeadRef: "p", BaseRef: "main", Commits: commits, Files: files})
	for i := 0; i < 130; i++ {
		e.review(fmt.Sprint("user", i%7), "COMMENTED", headSHA, 130-i) // listed newest first
	}
	f, err := e.client.PullRequest(context.Background(), prNumber)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Files) != 150 || len(f.Commits) != 120 || len(f.Reviews) != 130 {
		t.Fatalf("files %d commits %d reviews %d", len(f.Files), len(f.Commits), len(f.Reviews))
	}
	if f.Author != "deploy-bot" || f.AuthorID != githubtest.UserID("deploy-bot") || f.HeadSHA != headSHA || f.BaseSHA != baseSHA || f.Fork || f.Commits[119] != headSHA {
		t.Fatalf("%+v", f)
	}
	for i := 1; i < len(f.Reviews); i++ {
		if f.Reviews[i].SubmittedAt.Before(f.Reviews[i-1].SubmittedAt) {
			t.Fatal("reviews not in submission order")
		}
	}
	// 1 pull + 2 pages each of files, commits and reviews.
	if s := e.client.Stats(); s.Calls != 7 || e.srv.Count("pulls/list-files") != 2 || e.srv.Count("pulls/list-reviews") != 2 {
		t.Fatalf("stats %+v, calls %+v", s, e.srv.Calls())
	}
	for _, c := range e.srv.Calls() {
		if c.Authorization != "Bearer "+token {
			t.Fatalf("call without the token: %+v", c)
		}
	}
}

func TestPullRequestFactsShapes(t *testing.T) {
	tests := []struct {
		name  string
		pull  githubtest.Pull
		check func(t *testing.T, f github.PullRequestFacts, err error)
	}{
		{"fork", githubtest.Pull{Number: prNumber, Author: "outsider", HeadSHA: headSHA, BaseSHA: baseSHA, Fork: true},
			func(t *testing.T, f github.PullRequestFacts, err error) {
				if err != nil || !f.Fork || f.Author != "outsider" {
					t.Fatalf("%+v %v", f, err)
				}
			}},
		{"head moved between reads", githubtest.Pull{Number: prNumber, Author: "a", HeadSHA: headSHA, BaseSHA: baseSHA, Commits: []string{oldSHA}},
			func(t *testing.T, f github.PullRequestFacts, err error) {
				if !errors.Is(err, github.ErrHeadMoved) || !github.Retryable(err) {
					t.Fatalf("err = %v", err)
				}
			}},
		{"more commits than GitHub lists", githubtest.Pull{Number: prNumber, Author: "a", HeadSHA: headSHA, BaseSHA: baseSHA, Commits: make([]string, 251)},
			func(t *testing.T, f github.PullRequestFacts, err error) {
				if !errors.Is(err, github.ErrTruncated) || github.Retryable(err) {
					t.Fatalf("err = %v", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.srv.AddPull(tt.pull)
			f, err := e.client.PullRequest(context.Background(), prNumber)
			tt.check(t, f, err)
		})
	}
}

func TestPullRequestNotFound(t *testing.T) {
	e := newEnv(t)
	_, err := e.client.PullRequest(context.Background(), 404)
	if err == nil || github.Retryable(err) || !strings.Contains(err.Error(), "get pull request #404") || !strings.Contains(err.Error(), "404") {
		t.Fatalf("err = %v", err)
	}
}

func TestETagReuse(t *testing.T) {
	e := newEnv(t)
	e.pull()
	e.review("alice-gh", "APPROVED", headSHA, 1)
	ctx := context.Background()
	first, err := e.client.PullRequest(ctx, prNumber)
	if err != nil {
		t.Fatal(err)
	}
	e.client.StartEvent()
	again, err := e.client.PullRequest(ctx, prNumber)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, again) {
		t.Fatalf("cached facts differ:\n%+v\n%+v", first, again)
	}
	if s := e.client.Stats(); s.Calls != 4 || s.NotModified != 4 {
		t.Fatalf("second read: %+v", s)
	}
	// A new review changes one listing: three 304s and one 200.
	e.review("bob-gh", "APPROVED", headSHA, 2)
	e.client.StartEvent()
	third, err := e.client.PullRequest(ctx, prNumber)
	if err != nil {
		t.Fatal(err)
	}
	if s := e.client.Stats(); s.Calls != 4 || s.NotModified != 3 || len(third.Reviews) != 2 {
		t.Fatalf("third read: %+v, %d reviews", s, len(third.Reviews))
	}
	// A new client (a new process, no cache file loaded) starts cold.
	other := e.newClient(t, func(c *github.Config) { c.TokenEnv = "" })
	if _, err := other.PullRequest(ctx, prNumber); err != nil {
		t.Fatal(err)
	}
	if s := other.Stats(); s.NotModified != 0 {
		t.Fatalf("a new client used a cached entry: %+v", s)
	}
}

func TestRateLimits(t *testing.T) {
	tests := []struct {
		name      string
		maxWait   time.Duration
		setup     func(e *env)
		wantErr   error
		wantSlept []time.Duration
		wantCalls int
	}{
		{"primary: waits until the reset", 0, func(e *env) {
			f := primaryLimit(e.clock.Now(), 30*time.Second)
			f.Path = "/repos/acme/release-control/pulls/7/reviews"
			e.srv.Inject(f)
		}, nil, []time.Duration{31 * time.Second}, 5},
		{"primary as 429", 0, func(e *env) {
			f := primaryLimit(e.clock.Now(), 10*time.Second)
			f.Status = 429
			e.srv.Inject(f)
		}, nil, []time.Duration{11 * time.Second}, 5},
		{"secondary: Retry-After", 0, func(e *env) {
			e.srv.Inject(secondaryLimit("7"))
		}, nil, []time.Duration{7 * time.Second}, 5},
		{"secondary without Retry-After: a minute, doubling", 5 * time.Minute, func(e *env) {
			f := secondaryLimit("")
			f.Times = 2
			e.srv.Inject(f)
		}, nil, []time.Duration{time.Minute, 2 * time.Minute}, 6},
		{"a 2xx that exhausts the limit makes the next call wait", 2 * time.Hour, func(e *env) {
			e.srv.SetRemaining(1)
		}, nil, []time.Duration{time.Hour + time.Second}, 4},
		{"primary beyond the wait budget: no wait, retry later", 0, func(e *env) {
			e.srv.Inject(primaryLimit(e.clock.Now(), time.Hour))
		}, github.ErrRateLimited, nil, 1},
		{"exhausted 2xx beyond the wait budget: next call not made", 0, func(e *env) {
			e.srv.SetRemaining(1)
		}, github.ErrRateLimited, nil, 1},
		{"secondary that never lifts: bounded retries", 0, func(e *env) {
			f := secondaryLimit("1")
			f.Times = 100
			e.srv.Inject(f)
		}, github.ErrRateLimited, []time.Duration{time.Second, time.Second, time.Second}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *github.Config) { c.MaxWait = tt.maxWait })
			e.pull()
			tt.setup(e)
			_, err := e.client.PullRequest(context.Background(), prNumber)
			if !errors.Is(err, tt.wantErr) || (err != nil && !github.Retryable(err)) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got := e.clock.Slept(); !reflect.DeepEqual(got, tt.wantSlept) {
				t.Fatalf("slept %v, want %v", got, tt.wantSlept)
			}
			if n := len(e.srv.Calls()); n != tt.wantCalls || e.client.Stats().Calls != n {
				t.Fatalf("%d calls (client counted %d), want %d", n, e.client.Stats().Calls, tt.wantCalls)
			}
			if err != nil && strings.Contains(err.Error(), token) {
				t.Fatal("token in error")
			}
		})
	}
}

func TestCallBudget(t *testing.T) {
	e := newEnv(t, func(c *github.Config) { c.Budget = 3 })
	e.pull()
	_, err := e.client.PullRequest(context.Background(), prNumber)
	if !errors.Is(err, github.ErrBudgetExceeded) || github.Retryable(err) {
		t.Fatalf("err = %v", err)
	}
	if n := len(e.srv.Calls()); n != 3 {
		t.Fatalf("%d calls reached GitHub, want 3", n)
	}
	e.client.StartEvent()
	if _, err := e.client.TeamMembers(context.Background(), "acme", "nobody"); errors.Is(err, github.ErrBudgetExceeded) {
		t.Fatal("budget not reset by StartEvent")
	}
}

func TestOutage(t *testing.T) {
	t.Run("5xx on a read: retried, then retry later", func(t *testing.T) {
		e := newEnv(t)
		e.pull()
		e.srv.Inject(githubtest.Fault{Path: "/repos/acme/release-control/pulls/7/reviews", Status: 503, Body: `{"message":"Service Unavailable"}`, Times: 100})
		_, err := e.client.PullRequest(context.Background(), prNumber)
		if !errors.Is(err, github.ErrUnavailable) || !github.Retryable(err) {
			t.Fatalf("err = %v", err)
		}
		if got := e.clock.Slept(); !reflect.DeepEqual(got, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}) {
			t.Fatalf("slept %v", got)
		}
	})
	t.Run("5xx then recovery", func(t *testing.T) {
		e := newEnv(t)
		e.pull()
		e.srv.Inject(githubtest.Fault{Status: 502, Body: "<html>Bad gateway</html>"})
		if _, err := e.client.PullRequest(context.Background(), prNumber); err != nil {
			t.Fatal(err)
		}
		if s := e.client.Stats(); s.Retries != 1 || s.Calls != 5 {
			t.Fatalf("%+v", s)
		}
	})
	t.Run("5xx on a write: not retried", func(t *testing.T) {
		e := newEnv(t)
		e.srv.Inject(githubtest.Fault{Method: "POST", Status: 502, Body: "bad gateway", Times: 100})
		_, err := e.client.PublishCheck(context.Background(), headSHA, checkName, "success", "t", "s", "x")
		if !errors.Is(err, github.ErrUnavailable) || len(e.srv.Writes()) != 1 {
			t.Fatalf("err = %v, writes %+v", err, e.srv.Writes())
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		e := newEnv(t)
		c := e.newClient(t, func(c *github.Config) { c.APIURL = "http://" + addr + "/" })
		_, err = c.PullRequest(context.Background(), prNumber)
		if !errors.Is(err, github.ErrUnavailable) || strings.Contains(err.Error(), token) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  github.Config
		want string
	}{
		{"repository", github.Config{Repository: "acme"}, `repository "acme": want owner/name`},
		{"api url", github.Config{Repository: "a/b", APIURL: "ftp://x"}, "want an http(s) URL"},
		{"budget", github.Config{Repository: "a/b", Budget: -1}, "budget -1"},
		{"empty token", github.Config{Repository: "a/b", TokenEnv: "NOPE"}, "token_env NOPE: the environment variable is empty or not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := github.New(tt.cfg, func(string) string { return "" })
			if !errors.Is(err, github.ErrConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestTeamMembers(t *testing.T) {
	e := newEnv(t)
	var sre []string
	for i := 0; i < 130; i++ {
		sre = append(sre, fmt.Sprintf("member-%03d", 129-i))
	}
	e.srv.SetTeam("acme", "sre", sre...)
	e.srv.SetTeam("acme", "security", "carol-gh")
	ctx := context.Background()
	members, err := e.client.TeamMembers(ctx, "acme", "sre")
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 130 || members[0].Login != "member-000" || members[0].ID != githubtest.UserID("member-000") {
		t.Fatalf("%d members, first %+v", len(members), members[0])
	}
	if n := e.srv.Count("teams/list-members-in-org"); n != 2 {
		t.Fatalf("%d pages", n)
	}
	teams, err := e.client.Teams(ctx, []string{"acme/security", "acme/security"})
	if err != nil || !reflect.DeepEqual(teams, map[string][]string{"acme/security": {"carol-gh"}}) {
		t.Fatalf("%v %v", teams, err)
	}
	if _, err := e.client.TeamMembers(ctx, "acme", "ghosts"); err == nil || github.Retryable(err) {
		t.Fatalf("unknown team: %v", err)
	}
	if _, err := e.client.Teams(ctx, []string{"not a team"}); !errors.Is(err, github.ErrConfig) {
		t.Fatalf("bad team: %v", err)
	}
}

func TestContentHashes(t *testing.T) {
	e := newEnv(t)
	e.pull()
	e.srv.SetFile(headSHA, "proposals/web-1/big.yaml", []byte(strings.Repeat("x: y\n", 100)))
	hashes, err := e.client.ContentHashes(context.Background(), proposal, []string{headSHA, oldSHA, headSHA, baseSHA})
	if err != nil {
		t.Fatal(err)
	}
	if hashes[headSHA] == "" || hashes[headSHA] != hashes[oldSHA] || hashes[baseSHA] != "" || len(hashes) != 3 {
		t.Fatalf("%v", hashes)
	}
	if n := len(e.srv.Calls()); n != 3 {
		t.Fatalf("%d calls, want one per distinct commit", n)
	}
	data, found, err := e.client.FileAt(context.Background(), "proposals/web-1/big.yaml", headSHA)
	if err != nil || !found || string(data) != strings.Repeat("x: y\n", 100) {
		t.Fatalf("%q %v %v", data, found, err)
	}
}
