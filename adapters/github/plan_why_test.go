package github_test

import (
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/adapters/github"
	"github.com/writ-dev/writ/adapters/github/githubtest"
)

// TestRunPlanShowsWhy: the plan comment of a real run shows the
// proposal's inputs and the policy that judges it, by name and version
// in the rules in force, as writ show does.
func TestRunPlanShowsWhy(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	w.run(t, w.reviewEvent())
	body := planComment(t, w)
	for _, want := range []string{
		"- **inputs:**\n  - `change_ticket = \"CHG-1\"`\n  - `environment = \"staging\"`\n",
		"- **judged by:** policy release-approval, version sha256:",
		", of the rules in force sha256:",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("plan comment lacks %q:\n%s", want, body)
		}
	}
}

// TestRenderPlanWhyIsInert: the justification, evidence, inputs and diffs
// of a proposal cannot inject markdown, mentions, HTML or control
// characters into the plan comment, and a diff cannot close its fence.
func TestRenderPlanWhyIsInert(t *testing.T) {
	r := github.ProposalReport{Path: "proposals/rules/x.yaml", Verdict: "waiting",
		Justification: "see [here](https://evil.example) @org/team <img src=x>\x1b[31m\u202e",
		Evidence:      []string{"ci: javascript:alert(1) **bold**"},
		Inputs:        []string{"k = \"`x`\""},
		Judge:         "governance policy governance, version sha256:ab, of the rules in force sha256:cd",
		Files: []github.FileChange{{Path: "policies/<b>.yaml", Change: "modified",
			Diff: "--- a/p\n+++ b/p\n@@ -1 +1 @@\n-```\n+</details>\x1b[2J\n", Note: "diff truncated: 5 of 9 lines shown"}}}
	body := github.RenderPlan("acme/control", "0123456789abcdef", []github.ProposalReport{r})
	for _, bad := range []string{"[here](", "@org", " <img", "\x1b", "\u202e", "**bold**", "<b>"} {
		if strings.Contains(body, bad) {
			t.Errorf("plan comment holds %q:\n%s", bad, body)
		}
	}
	for _, want := range []string{
		`- **justification:** see \[here\](https://evil.example) @` + "\u200b" + `org/team \<img src=x\>\\x1b\[31m\\u202e`,
		"- **evidence:**\n  - ci: javascript:alert(1) \\*\\*bold\\*\\*\n",
		"- **inputs:**\n  - ``k = \"`x`\"``\n",
		"- **judged by:** governance policy governance",
		"<details><summary>policies/\\<b\\>.yaml (modified)</summary>",
		"````diff\n--- a/p\n+++ b/p\n@@ -1 +1 @@\n-```\n+</details>\\x1b[2J\n````\n",
		"diff truncated: 5 of 9 lines shown",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("plan comment lacks %q:\n%s", want, body)
		}
	}
}

// TestReviewBindsToThePlanComment: the plan comment prints the plan's
// digest; a review that names it with a Writ-Plan line counts and the
// entry records it, one that names another plan does not count.
func TestReviewBindsToThePlanComment(t *testing.T) {
	w := newWorld(t, githubtest.Pull{})
	w.run(t, w.reviewEvent())
	body := planComment(t, w)
	_, after, ok := strings.Cut(body, "- **plan:** `")
	digest, _, _ := strings.Cut(after, "`")
	if !ok || !strings.HasPrefix(digest, "sha256:") || !strings.Contains(body, "`Writ-Plan: "+digest+"`") {
		t.Fatalf("the plan comment shows no plan digest:\n%s", body)
	}
	other := "sha256:" + strings.Repeat("0", 64)
	w.gh.AddReview(w.pr, githubtest.Review{Login: "alice-gh", State: "APPROVED", CommitID: w.head, Body: "ok\nWrit-Plan: " + other, SubmittedAt: start.Add(time.Minute)})
	w.gh.AddReview(w.pr, githubtest.Review{Login: "bob-gh", State: "APPROVED", CommitID: w.head, Body: "Writ-Plan: " + digest, SubmittedAt: start.Add(2 * time.Minute)})
	rep := w.run(t, w.prEvent())
	if p := rep.Pulls[0]; p.Applied || p.Gate.Verdict != "waiting" || !strings.Contains(p.Gate.Reason, "1 more approval") {
		t.Fatalf("with alice's review on another plan: applied %v, %s: %s", p.Applied, p.Gate.Verdict, p.Gate.Reason)
	}
	w.gh.AddReview(w.pr, githubtest.Review{Login: "alice-gh", State: "APPROVED", CommitID: w.head, Body: "Writ-Plan: " + digest, SubmittedAt: start.Add(3 * time.Minute)})
	rep = w.run(t, w.prEvent())
	if p := rep.Pulls[0]; !p.Applied {
		t.Fatalf("not applied: %s: %s", p.Gate.Verdict, p.Gate.Reason)
	}
	last := w.verify(t).Entries
	for _, d := range last[len(last)-1].Record.Entry.Decisions {
		if d.Plan != digest {
			t.Fatalf("decision %+v does not record the plan %s", d, digest)
		}
	}
}
