package github_test

import (
	"context"
	"testing"

	"github.com/writ-dev/writ/adapters/github"
)

// TestCallsPerEvent measures the API calls of one pull request event, as
// runEvent makes them (read everything, then publish the check and the
// plan), and pins them: a change that adds calls must change this test.
// Each GitHub Actions event here is a new process with an empty ETag cache
// (no cache file loaded; TestCacheAcrossProcesses loads one); a
// long-running server keeps its cache and pays 304s.
func TestCallsPerEvent(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.pull()
	steps := []struct {
		name         string
		before       func()
		fresh        bool // a new process (GitHub Actions) rather than a long-lived client
		calls        int
		writes       int
		notModified  int
		wantVerdict  string
		wantComments int
	}{
		{"pull_request opened, no review", nil, true, 9, 2, 0, "in_progress", 1},
		{"review: approved on the head", func() { e.review("alice-gh", "APPROVED", headSHA, 1) }, true, 9, 2, 0, "success", 1},
		{"review: approved on an older commit (one more content read)", func() { e.review("bob-gh", "APPROVED", oldSHA, 2) }, true, 9, 1, 0, "success", 1},
		{"same event again, new process: nothing written", nil, true, 8, 0, 0, "success", 1},
		{"same event again, long-lived client: all 304", nil, false, 8, 0, 8, "success", 1},
	}
	var client *github.Client
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		if s.fresh || client == nil {
			client = e.newClient(t)
		}
		client.StartEvent()
		e.srv.ResetCalls()
		if err := runEvent(ctx, client, prNumber); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		st := client.Stats()
		t.Logf("%-62s calls=%d writes=%d 304=%d", s.name, st.Calls, st.Writes, st.NotModified)
		if st.Calls != s.calls || st.Writes != s.writes || st.NotModified != s.notModified || len(e.srv.Calls()) != st.Calls {
			t.Errorf("%s: %+v (server saw %d), want calls=%d writes=%d 304=%d", s.name, st, len(e.srv.Calls()), s.calls, s.writes, s.notModified)
		}
		runs := e.srv.CheckRuns(headSHA)
		got := runs[0].Conclusion
		if got == "" {
			got = runs[0].Status
		}
		if len(runs) != 1 || got != s.wantVerdict || len(e.srv.Comments(prNumber)) != s.wantComments {
			t.Errorf("%s: runs %+v, %d comments", s.name, runs, len(e.srv.Comments(prNumber)))
		}
	}
}
