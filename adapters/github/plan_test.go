package github_test

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/github"
	"github.com/writ-dev/writ/adapters/github/githubtest"
	"github.com/writ-dev/writ/reconciler/intake"
)

// planComment returns the body of the plan comment on pull request n.
func planComment(t *testing.T, w *world) string {
	t.Helper()
	for _, c := range w.gh.Comments(w.pr) {
		if strings.HasPrefix(c.Body, github.PlanMarker) {
			return c.Body
		}
	}
	t.Fatal("no plan comment")
	return ""
}

// TestRunPlanShowsTheRealChange: the plan comment of a real run shows the
// move the proposal makes (computed by the loop, not filled by a test),
// the instance before and after, the guards, the approvals still needed,
// what is notified, and the statechart with the current and next state
// highlighted.
func TestRunPlanShowsTheRealChange(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	w.review("bob-gh", "APPROVED", w.head, 1)
	rep := w.run(t, w.reviewEvent())
	if v := rep.Pulls[0].Gate.Verdict; v != intake.VerdictWaiting {
		t.Fatalf("verdict %s, want waiting", v)
	}
	body := planComment(t, w)
	for _, want := range []string{
		"- **state change:** web-1 (release): approved → released by ship",
		"- **before:** approved",
		"- **after:** released",
		"- **guards:**",
		"input change\\_ticket pass",
		"- **approvals still needed:**",
		"rule sre-pair (pending)",
		"- **notifies:** nobody: workflow release declares no notifications",
		"```mermaid\nstateDiagram-v2\n",
		"class s2 current", // approved
		"class s3 next",    // released
	} {
		if !strings.Contains(body, want) {
			t.Errorf("plan comment lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "no state change") {
		t.Errorf("plan comment says no state change:\n%s", body)
	}
}

// TestRunPlanOfARejection: a rejection moves nothing, and the plan says the
// pull request is closed with who rejected it.
func TestRunPlanOfARejection(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	w.gh.AddReview(w.pr, githubtest.Review{Login: "alice-gh", State: "CHANGES_REQUESTED", CommitID: w.head, Body: "no", SubmittedAt: start.Add(60e9)})
	w.run(t, w.prEvent())
	body := planComment(t, w)
	for _, want := range []string{"- **state change:** none: rejected, web-1 stays in approved", "closed, with a comment naming who rejected it", "class s2 current"} {
		if !strings.Contains(body, want) {
			t.Errorf("plan comment lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "class s3 next") {
		t.Errorf("a rejection highlights a next state:\n%s", body)
	}
}
