package github

import (
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// TestReviewDecisions: review refs carry review id, login and user id;
// the author's review and a review by a login whose id is not the pinned
// github_id do not count.
func TestReviewDecisions(t *testing.T) {
	head := strings.Repeat("a", 40)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	f := PullRequestFacts{Author: "Dave-GH", HeadSHA: head, Reviews: []Review{
		{ID: 1, UserLogin: "alice-gh", UserID: 11, State: "APPROVED", CommitID: head, SubmittedAt: at},
		{ID: 2, UserLogin: "bob-gh", UserID: 99, State: "APPROVED", CommitID: head, SubmittedAt: at.Add(time.Minute)},
		{ID: 3, UserLogin: "dave-gh", UserID: 44, State: "APPROVED", CommitID: head, SubmittedAt: at.Add(2 * time.Minute)},
	}}
	ids := newIdentities([]schemas.Identity{
		{Name: "alice", GitHub: "alice-gh"},
		{Name: "bob", GitHub: "bob-gh", GitHubID: 22},
		{Name: "dave", GitHub: "dave-gh"},
	})
	ds, ignored := reviewDecisions(f, ids, ContentAt(map[string]string{head: "sha256:x"}))
	if len(ds) != 1 || ds[0].Identity != "alice" || ds[0].Ref != "github-review:1:alice-gh:11" || ds[0].Content != "sha256:x" {
		t.Fatalf("decisions %+v", ds)
	}
	if _, err := wal.ParseReviewRef(ds[0].Ref); err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, ig := range ignored {
		reasons = append(reasons, ig.Login+": "+ig.Reason)
	}
	got := strings.Join(reasons, "; ")
	if !strings.Contains(got, "bob-gh: GitHub user id 99") || !strings.Contains(got, "dave-gh: the pull request's author") {
		t.Fatalf("ignored: %s", got)
	}
}
