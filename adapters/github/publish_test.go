package github_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/github"
	"github.com/writ-dev/writ/adapters/github/githubtest"
)

func TestPublishCheck(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	other := e.srv.AddCheckRun(githubtest.CheckRun{Name: "ci/tests", HeadSHA: headSHA, Status: "completed", Conclusion: "success"})

	// Waiting: created in progress.
	id, err := e.client.PublishCheck(ctx, headSHA, checkName, "", "waiting: needs 1 more approval", "summary", "text")
	if err != nil {
		t.Fatal(err)
	}
	runs := e.srv.CheckRuns(headSHA)
	if len(runs) != 2 || runs[1].ID != id || runs[1].Status != "in_progress" || runs[1].ExternalID != checkName || runs[1].Title != "waiting: needs 1 more approval" {
		t.Fatalf("%+v", runs)
	}
	// The same again: read, nothing written.
	e.srv.ResetCalls()
	if again, err := e.client.PublishCheck(ctx, headSHA, checkName, "", "waiting: needs 1 more approval", "summary", "text"); err != nil || again != id {
		t.Fatalf("%d %v", again, err)
	}
	if w := e.srv.Writes(); len(w) != 0 {
		t.Fatalf("unchanged check was written: %+v", w)
	}
	// Approved: the same run is completed, in place.
	if again, err := e.client.PublishCheck(ctx, headSHA, checkName, "success", "ready: approved by alice", "summary 2", "text 2"); err != nil || again != id {
		t.Fatalf("%d %v", again, err)
	}
	runs = e.srv.CheckRuns(headSHA)
	if len(runs) != 2 || runs[1].Conclusion != "success" || runs[1].Status != "completed" || runs[1].Summary != "summary 2" || runs[0].ID != other || runs[0].Conclusion != "success" {
		t.Fatalf("%+v", runs)
	}
	if n := e.srv.Count("checks/update"); n != 1 {
		t.Fatalf("%d updates", n)
	}
	// A new head gets its own run.
	newHead := githubtest.SHA("new head")
	if _, err := e.client.PublishCheck(ctx, newHead, checkName, "failure", "refused", "s", "t"); err != nil {
		t.Fatal(err)
	}
	if len(e.srv.CheckRuns(newHead)) != 1 || len(e.srv.CheckRuns(headSHA)) != 2 {
		t.Fatal("runs leaked across heads")
	}
}

func TestPublishCheckFindsItsRunAcrossPages(t *testing.T) {
	e := newEnv(t)
	// 120 runs of the same name from elsewhere (a re-run workflow, another
	// installation), then writ's own, identified by its external_id.
	for i := 0; i < 120; i++ {
		e.srv.AddCheckRun(githubtest.CheckRun{Name: checkName, HeadSHA: headSHA, ExternalID: fmt.Sprint("other-", i), Status: "queued"})
	}
	ours := e.srv.AddCheckRun(githubtest.CheckRun{Name: checkName, HeadSHA: headSHA, ExternalID: checkName, Status: "in_progress", Title: "t", Summary: "s", Text: "x"})
	id, err := e.client.PublishCheck(context.Background(), headSHA, checkName, "", "t", "s", "x")
	if err != nil || id != ours {
		t.Fatalf("id %d (want %d), err %v", id, ours, err)
	}
	if e.srv.Count("checks/list-for-ref") != 2 || len(e.srv.Writes()) != 0 {
		t.Fatalf("calls %+v", e.srv.Calls())
	}
}

func TestPublishCheckRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ name, sha, check, conclusion, want string }{
		{"bad sha", "HEAD", checkName, "success", "is not a commit sha"},
		{"empty name", headSHA, "", "success", "empty name"},
		{"bad conclusion", headSHA, checkName, "passed", `conclusion "passed" (allowed: action_required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.PublishCheck(context.Background(), tt.sha, tt.check, tt.conclusion, "t", "s", "x")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if n := len(e.srv.Calls()); n != 0 {
		t.Fatalf("%d calls for bad input", n)
	}
}

func TestUpsertPlanComment(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		setup       func(e *env)
		wantCreated int
		wantEdited  int
		wantPages   int
	}{
		{"none yet: created", func(e *env) {}, 1, 0, 1},
		{"ours on page two: edited", func(e *env) {
			for i := 0; i < 140; i++ {
				e.srv.AddComment(prNumber, "alice-gh", fmt.Sprint("comment ", i))
			}
			e.srv.AddComment(prNumber, githubtest.BotLogin, github.PlanMarker+"\nold plan")
			e.srv.AddComment(prNumber, "bob-gh", "later")
		}, 0, 1, 2},
		{"a human quoting the marker is not ours", func(e *env) {
			e.srv.AddComment(prNumber, "alice-gh", "> "+github.PlanMarker+"\nwhy this plan?")
		}, 1, 0, 1},
		{"unchanged: nothing written", func(e *env) {
			e.srv.AddComment(prNumber, githubtest.BotLogin, github.PlanMarker+"\nthe plan")
		}, 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tt.setup(e)
			before := len(e.srv.Comments(prNumber))
			id, err := e.client.UpsertPlanComment(ctx, prNumber, "the plan")
			if err != nil {
				t.Fatal(err)
			}
			if got := len(e.srv.Comments(prNumber)) - before; got != tt.wantCreated {
				t.Fatalf("%d comments created, want %d", got, tt.wantCreated)
			}
			if e.srv.Count("issues/update-comment") != tt.wantEdited || e.srv.Count("issues/list-comments") != tt.wantPages {
				t.Fatalf("calls %+v", e.srv.Calls())
			}
			var plans []githubtest.Comment
			for _, c := range e.srv.Comments(prNumber) {
				if strings.HasPrefix(c.Body, github.PlanMarker) {
					plans = append(plans, c)
				}
			}
			if len(plans) != 1 || plans[0].ID != id || plans[0].Body != github.PlanMarker+"\nthe plan" {
				t.Fatalf("plans %+v", plans)
			}
			// Running again never adds a second.
			if _, err := e.client.UpsertPlanComment(ctx, prNumber, github.PlanMarker+"\nthe plan, revised"); err != nil {
				t.Fatal(err)
			}
			if got := len(e.srv.Comments(prNumber)) - before; got != tt.wantCreated {
				t.Fatal("a second plan comment was created")
			}
		})
	}
}

// An event either publishes after reading everything, or publishes
// nothing; after an outage the next run catches up to exactly one check
// run and one plan comment.
func TestEventOutageNothingPublished(t *testing.T) {
	ctx := context.Background()
	for _, path := range []string{"/repos/acme/release-control/pulls/7", "/repos/acme/release-control/pulls/7/reviews", "/repos/acme/release-control/contents/"} {
		t.Run(path, func(t *testing.T) {
			e := newEnv(t)
			e.pull()
			e.review("alice-gh", "APPROVED", headSHA, 1)
			e.srv.Inject(githubtest.Fault{Path: path, Status: 503, Body: `{"message":"unavailable"}`, Times: 100})
			err := runEvent(ctx, e.client, prNumber)
			if !errors.Is(err, github.ErrUnavailable) || !github.Retryable(err) {
				t.Fatalf("err = %v", err)
			}
			if w := e.srv.Writes(); len(w) != 0 {
				t.Fatalf("published during an outage: %+v", w)
			}
		})
	}
	t.Run("comment write fails after the check: next run catches up", func(t *testing.T) {
		e := newEnv(t)
		e.pull()
		e.srv.Inject(githubtest.Fault{Method: "POST", Path: "/repos/acme/release-control/issues/", Status: 502, Body: "bad gateway"})
		if err := runEvent(ctx, e.client, prNumber); !errors.Is(err, github.ErrUnavailable) {
			t.Fatalf("err = %v", err)
		}
		e.client.StartEvent()
		if err := runEvent(ctx, e.client, prNumber); err != nil {
			t.Fatal(err)
		}
		if len(e.srv.CheckRuns(headSHA)) != 1 || len(e.srv.Comments(prNumber)) != 1 {
			t.Fatalf("runs %+v comments %+v", e.srv.CheckRuns(headSHA), e.srv.Comments(prNumber))
		}
	})
}
