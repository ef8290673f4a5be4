package cli

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/jira/jiratest"
)

const jiraTokenEnv, jiraEmailEnv = "WRIT_TEST_JIRA_TOKEN", "WRIT_TEST_JIRA_EMAIL"

// TestReconcileNotifiesJiraThroughTheOutbox: real reconciles of a real
// control repo whose writ.yaml configures Jira comment the plan of a
// proposal named for issue OPS-12 while it waits and the outcome when it
// applies, move the issue through the configured transition once, post
// nothing twice across reruns, and never show the token or the email.
func TestReconcileNotifiesJiraThroughTheOutbox(t *testing.T) {
	const token, email = "jira-e2e-TOKENVALUE-4242", "writ-bot@example.test"
	t.Setenv(jiraTokenEnv, token)
	t.Setenv(jiraEmailEnv, email)
	fake := jiratest.New(jiratest.Options{Email: email, Token: token})
	defer fake.Close()
	todo, done := jiratest.Status{ID: "1", Name: "To Do"}, jiratest.Status{ID: "3", Name: "Done"}
	fake.AddIssue("OPS-12", todo, jiratest.Transition{ID: "31", Name: "Done", To: done})

	repo := notifyRepoWith(t, `
notifications:
  jira:
    base_url: "`+fake.URL+`"
    project: OPS
    token_env: `+jiraTokenEnv+`
    email_env: `+jiraEmailEnv+`
    transition_on_apply: Done
`)
	var outputs strings.Builder
	run := func(want int, args ...string) writResult {
		t.Helper()
		r := writWant(t, want, append([]string{"--repo", repo}, args...)...)
		outputs.WriteString(r.out + r.err)
		return r
	}
	walkToApproved(t, repo, "web-1")
	if n := len(fake.Comments("OPS-12")); n != 0 {
		t.Fatalf("proposals that link no issue commented %d times on OPS-12", n)
	}
	run(ExitOK, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "ship", "--name", "ops-12-ship",
		"--input", "change_ticket=CHG-7", "--input", "environment=staging", "--materiality", "high")
	run(ExitOK, "reconcile")
	cs := fake.Comments("OPS-12")
	if len(cs) != 1 || !strings.Contains(cs[0].Body, "ship") || !strings.Contains(cs[0].Body, "alice") {
		t.Fatalf("waiting: comments %+v, want one naming the transition and who must act", cs)
	}
	run(ExitOK, "approve", "-q", "web-1/ops-12-ship", "--as", "alice")
	run(ExitOK, "approve", "-q", "web-1/ops-12-ship", "--as", "bob")
	r := run(ExitOK, "reconcile")
	if !strings.Contains(r.out, "applied proposals/web-1/ops-12-ship") {
		t.Fatalf("reconcile: %s", r)
	}
	run(ExitOK, "reconcile") // nothing new: nothing posted again
	cs = fake.Comments("OPS-12")
	var applied int
	for _, c := range cs {
		if strings.Contains(c.Body, "applied") {
			applied++
		}
	}
	if applied != 1 {
		t.Fatalf("comments after the apply: %+v, want exactly one saying applied", cs)
	}
	if got := fake.Status("OPS-12"); got.Name != "Done" {
		t.Fatalf("OPS-12 is %q after the apply, want Done", got.Name)
	}
	if got := fake.TransitionsDone("OPS-12"); len(got) != 1 {
		t.Fatalf("transitions done on OPS-12: %v, want one", got)
	}
	if o := readOutbox(t, repo); len(o.Pending) != 0 {
		t.Fatalf("outbox after the apply: %+v", o)
	}
	scanForToken(t, repo, token, outputs.String()+fake.Log())
}
