package github

import (
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// TestReviewDecisions: review refs carry review id, login and user id;
// a review by a login whose id is not the pinned github_id is not a
// decision; the author's review is one like any other (the policy judges
// it), and the author is a co-author unless they are the proposer.
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
	if len(ds) != 2 || ds[0].Identity != "alice" || ds[0].Ref != "github-review:1:alice-gh:11" || ds[0].Content != "sha256:x" ||
		ds[1].Identity != "dave" || ds[1].Ref != "github-review:3:dave-gh:44" {
		t.Fatalf("decisions %+v", ds)
	}
	if got := coAuthors(f, ids, "alice"); len(got) != 1 || got[0] != "dave" {
		t.Fatalf("co-authors of alice's proposal opened by Dave-GH: %v", got)
	}
	if got := coAuthors(f, ids, "dave"); got != nil {
		t.Fatalf("co-authors of dave's proposal opened by Dave-GH: %v", got)
	}
	if _, err := wal.ParseReviewRef(ds[0].Ref); err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, ig := range ignored {
		reasons = append(reasons, ig.Login+": "+ig.Reason)
	}
	got := strings.Join(reasons, "; ")
	if len(ignored) != 1 || !strings.Contains(got, "bob-gh: GitHub user id 99") {
		t.Fatalf("ignored: %s", got)
	}
}
