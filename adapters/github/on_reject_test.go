package github_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/writ-dev/writ/adapters/github/githubtest"
)

// TestRunPlanOfARejectionWithOnReject: when the workflow routes a
// rejection (on_reject), the plan comment shows the move it makes and the
// closing comment names the state the instance is in.
func TestRunPlanOfARejectionWithOnReject(t *testing.T) {
	files := releaseWith(t, "").(fstest.MapFS)
	wf := string(files["workflows/release.yaml"].Data)
	files["workflows/release.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(wf,
		"    policy: release-approval\n", "    policy: release-approval\n    on_reject: verifying\n", 1))}
	w := newWorldFrom(t, githubtest.Pull{}, files, "deploy-agent")
	w.gh.AddReview(w.pr, githubtest.Review{Login: "alice-gh", State: "CHANGES_REQUESTED", CommitID: w.head, Body: "no", SubmittedAt: start.Add(60e9)})
	w.run(t, w.prEvent())
	body := planComment(t, w)
	if want := "- **state change:** rejected, on\\_reject: web-1 (release): approved → verifying (security: scanning, tests: running)"; !strings.Contains(body, want) {
		t.Errorf("plan comment lacks %q:\n%s", want, body)
	}
	closing := ""
	for _, c := range w.gh.Comments(w.pr) {
		if strings.Contains(c.Body, "writ rejected") {
			closing = c.Body
		}
	}
	if !strings.Contains(closing, "the instance is in `verifying`") {
		t.Errorf("closing comment does not name the state the rejection moved the instance to:\n%s", closing)
	}
}
