package github_test

import (
	"context"
	"testing"

	"github.com/writ-dev/writ/adapters/github/githubtest"
)

// Creating a check and a plan comment without looking them up costs one
// write each; if writ had published a check there after all (its plan
// comment failed), the next PublishCheck edits the newest of writ's runs,
// the one GitHub shows.
func TestPublishFirstAndNewest(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.pull()
	older := e.srv.AddCheckRun(githubtest.CheckRun{Name: checkName, ExternalID: checkName, HeadSHA: headSHA, Status: "in_progress", Title: "old"})
	e.srv.ResetCalls()
	newer, err := e.client.PublishFirstCheck(ctx, headSHA, checkName, "", "waiting", "summary", "text")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreatePlanComment(ctx, prNumber, "plan"); err != nil {
		t.Fatal(err)
	}
	if calls := e.srv.Calls(); len(calls) != 2 || len(e.srv.Writes()) != 2 {
		t.Fatalf("calls %+v; want two writes and nothing else", calls)
	}
	id, err := e.client.PublishCheck(ctx, headSHA, checkName, "success", "ready", "summary", "text")
	if err != nil {
		t.Fatal(err)
	}
	if id != newer || newer <= older {
		t.Fatalf("edited run %d; want the newest, %d (older %d)", id, newer, older)
	}
	for _, r := range e.srv.CheckRuns(headSHA) {
		if (r.ID == newer) != (r.Conclusion == "success") {
			t.Fatalf("run %d: %+v", r.ID, r)
		}
	}
}
