package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/adapters/jira/jiratest"
	"github.com/writ-dev/writ/adapters/slack/slackfake"
)

// runWritAt runs writ in-process with its clock at now() and fails the
// test unless it exits with want.
func runWritAt(t *testing.T, now func() time.Time, want int, args ...string) writResult {
	t.Helper()
	var o, e bytes.Buffer
	code := mainAt(args, &o, &e, now)
	r := writResult{code: code, out: o.String(), err: e.String()}
	if r.code != want {
		t.Fatalf("writ %s: want exit %d, got %s", strings.Join(args, " "), want, r)
	}
	return r
}

// escalateShip makes the release example's ship transition escalate to
// role security after 4h, notifying role security and bob.
func escalateShip(t *testing.T) func(tmpl string) {
	return func(tmpl string) {
		t.Helper()
		p := filepath.Join(tmpl, "workflows", "release.yaml")
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		const ship = "    policy: release-approval\n    materiality: high\n"
		if !bytes.Contains(raw, []byte(ship)) {
			t.Fatal("the release example's ship transition changed: update this test")
		}
		step := ship + "    escalate:\n      - after: 4h\n        roles: [security]\n        notify:\n          roles: [security]\n          identities: [bob]\n"
		if err := os.WriteFile(p, bytes.Replace(raw, []byte(ship), []byte(step), 1), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReconcileNotifiesAnEscalation: a reconcile whose clock is past the
// ship transition's escalation step writes the escalate entry, and the
// outbox tells whom the step notifies: Slack's threaded reply mentions
// them (<@member> for carol, whom writ.yaml maps; bob by name), carol gets
// one direct message, and Jira's comment mentions them ([~accountid:…]
// for carol). When Slack's answer to the reply is lost, the next
// reconcile delivers the reply and the direct message without writing
// either twice, and a third sends nothing again.
func TestReconcileNotifiesAnEscalation(t *testing.T) {
	const slackToken, jiraToken, email = "xoxb-esc-3131-TOKENVALUE", "jira-esc-TOKENVALUE-3131", "writ-bot@example.test"
	t.Setenv(slackTokenEnv, slackToken)
	t.Setenv(jiraTokenEnv, jiraToken)
	t.Setenv(jiraEmailEnv, email)
	slack := slackfake.Start(slackToken)
	defer slack.Stop()
	jira := jiratest.New(jiratest.Options{Email: email, Token: jiraToken})
	defer jira.Close()
	jira.AddIssue("OPS-12", jiratest.Status{ID: "1", Name: "To Do"})
	repo := notifyRepoWith(t, `
notifications:
  slack:
    channel: C0DEPLOYS
    token_env: `+slackTokenEnv+`
    api_url: "`+slack.URL()+`"
    users:
      alice: U0ALICE
      carol: U0CAROL
  jira:
    base_url: "`+jira.URL+`"
    project: OPS
    token_env: `+jiraTokenEnv+`
    email_env: `+jiraEmailEnv+`
    users:
      carol: 712020:carol-account
`, escalateShip(t))
	var outputs strings.Builder
	at := func(d time.Duration) func() time.Time { return func() time.Time { return time.Now().Add(d) } }
	run := func(now func() time.Time, args ...string) writResult {
		t.Helper()
		r := runWritAt(t, now, ExitOK, append([]string{"--repo", repo}, args...)...)
		outputs.WriteString(r.out + r.err)
		return r
	}
	walkToApproved(t, repo, "web-1")
	run(time.Now, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "ship", "--name", "ops-12-ship",
		"--input", "change_ticket=CHG-7", "--input", "environment=staging", "--materiality", "high")
	run(time.Now, "reconcile")
	before := len(slack.Messages())
	if r := run(at(3*time.Hour), "reconcile"); strings.Contains(r.out, "escalated") {
		t.Fatalf("escalated before the step: %s", r)
	}

	// Slack writes the escalation's reply, but its answer is lost: the
	// reply and the direct message behind it stay pending.
	slack.Inject(slackfake.Fault{Method: "chat.postMessage", Kind: "lost"})
	r := run(at(5*time.Hour), "reconcile")
	if !strings.Contains(r.out, "escalated proposals/web-1/ops-12-ship: escalated to role security") ||
		!strings.Contains(r.err, "outbox: 1 of 2 deliveries failed, 2 effects pending") {
		t.Fatalf("past the step: %s", r)
	}
	// The next run delivers both, the reply found again by its key.
	run(at(6*time.Hour), "reconcile")
	run(at(7*time.Hour), "reconcile") // nothing new: nothing is sent again

	msgs := slack.Messages()
	root := msgs[before-1]
	var replies, direct []slackfake.Message
	im := slack.IM("U0CAROL")
	for _, m := range msgs[before:] {
		switch {
		case m.Channel == "C0DEPLOYS" && m.ThreadTS == root.TS:
			replies = append(replies, m)
		case im != "" && m.Channel == im:
			direct = append(direct, m)
		default:
			t.Errorf("unexpected message %+v", m)
		}
	}
	if len(replies) != 1 || !strings.Contains(replies[0].Text, ":rotating_light: escalated") ||
		!strings.Contains(replies[0].Text, "Notified: bob, <@U0CAROL> (security).") {
		t.Fatalf("the escalation's replies: %+v", replies)
	}
	// The root message, edited on escalation, still says who must act:
	// now carol too, through the step.
	if !strings.Contains(root.Text, ":rotating_light: escalated") ||
		!strings.Contains(root.Text, "Must act: <@U0ALICE> (sre), bob (sre), <@U0CAROL> (through escalation step 1 (security)).") {
		t.Fatalf("the root message after the escalation:\n%s", root.Text)
	}
	if len(direct) != 1 || !strings.Contains(direct[0].Text, "*web-1* release → ship: :rotating_light: escalated") ||
		!strings.Contains(direct[0].Text, "you are notified (security).") || slack.IM("U0ALICE") != "" {
		t.Fatalf("direct messages to carol: %+v (alice's conversation %q)", direct, slack.IM("U0ALICE"))
	}
	var escalated []string
	for _, c := range jira.Comments("OPS-12") {
		if strings.Contains(c.Body, "escalated") {
			escalated = append(escalated, c.Body)
		}
	}
	if len(escalated) != 1 || !strings.Contains(escalated[0], "*Notified:* bob, [~accountid:712020:carol-account] (role security)") {
		t.Fatalf("the escalation's Jira comments: %q", escalated)
	}
	if o := readOutbox(t, repo); len(o.Pending) != 0 {
		t.Fatalf("outbox after the escalation: %+v", o)
	}
	scanForToken(t, repo, slackToken, outputs.String())
	t.Logf("root:\n%s\nreply:\n%s\ndirect message:\n%s\ncomment:\n%s", root.Text, replies[0].Text, direct[0].Text, escalated[0])
}
