package jira_test

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/jira"
	"github.com/writ-dev/writ/adapters/jira/jiratest"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// TestDeliverEachEvent: every event leaves one comment on the issue that
// says what happened, with the key's marker; only EventApplied moves the
// issue.
func TestDeliverEachEvent(t *testing.T) {
	tests := []struct {
		event      outbox.Event
		want       []string
		wantStatus jiratest.Status
	}{
		{outbox.EventWaiting, []string{
			"h4. writ: the proposal deploy on {{web-prod}} (release) is waiting for a decision",
			"Proposed by carol. Waiting since 2026-12-06T10:00:00Z.",
			"*Who must act:* [~accountid:5b10ac8d82e05b22cc7d4ef5] (role security), bob (role sre)",
			"*What is missing:* needs 1 more approval from role security",
			"[Open the proposal|https://github.com/acme/control/pull/7]",
		}, toDo},
		{outbox.EventApproval, []string{"approval recorded on the proposal deploy", "*Approvals so far:* dave", "*Who must act:*"}, toDo},
		{outbox.EventEscalated, []string{"escalated", "*Who must act now:* [~accountid:5b10ac8d82e05b22cc7d4ef5]", "Entry on main: {{9a8b7c6d5e4f}}"}, toDo},
		{outbox.EventTimedOut, []string{"timed out", "Entry on main: {{9a8b7c6d5e4f}} at 2026-12-06T10:00:00Z"}, toDo},
		{outbox.EventApplied, []string{"was applied", "Entry on main: {{9a8b7c6d5e4f}}"}, done},
		{outbox.EventRejected, []string{"was rejected", "Entry on main: {{9a8b7c6d5e4f}}"}, toDo},
		{outbox.EventWithdrawn, []string{"was withdrawn", "Entry on main: {{9a8b7c6d5e4f}}"}, toDo},
	}
	for _, tt := range tests {
		t.Run(string(tt.event), func(t *testing.T) {
			fake, n := setup(t)
			e := effect(tt.event)
			r, err := deliver(t, n, e)
			if err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			cs := fake.Comments("OPS-12")
			if len(cs) != 1 {
				t.Fatalf("comments = %d, want 1", len(cs))
			}
			if r.Key != e.Key || r.Target != "jira" || r.Ref != "OPS-12/"+cs[0].ID {
				t.Errorf("receipt = %+v, want key %s, target jira, ref OPS-12/%s", r, e.Key, cs[0].ID)
			}
			body := cs[0].Body
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("comment lacks %q:\n%s", w, body)
				}
			}
			if !strings.HasSuffix(body, "writ-effect: "+e.Key) {
				t.Errorf("comment does not end with the key's marker:\n%s", body)
			}
			if got := fake.Status("OPS-12"); got != tt.wantStatus {
				t.Errorf("status = %+v, want %+v", got, tt.wantStatus)
			}
		})
	}
}

// TestDeliverSkips: an effect without an issue, or with an issue of
// another project, succeeds without calling Jira.
func TestDeliverSkips(t *testing.T) {
	tests := []struct {
		name  string
		issue string
	}{
		{"no issue", ""},
		{"other project", "WEB-3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, n := setup(t)
			e := effect(outbox.EventWaiting)
			e.Issue = tt.issue
			r, err := deliver(t, n, e)
			if err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			if r.Ref != "" || r.Key != e.Key || r.Target != jira.Target {
				t.Errorf("receipt = %+v, want an empty ref", r)
			}
			if reqs := fake.Requests(); len(reqs) != 0 {
				t.Errorf("Jira was called: %+v", reqs)
			}
		})
	}
}

// TestDeliverRejectsMalformedEffects: an issue that is not a key (it
// would land in the URL path), a missing key and another target's effect
// are errors, and Jira is not called.
func TestDeliverRejectsMalformedEffects(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*outbox.Effect)
		want   string
	}{
		{"path in issue", func(e *outbox.Effect) { e.Issue = "OPS-12/../../admin" }, "not an issue key"},
		{"lower case", func(e *outbox.Effect) { e.Issue = "ops-12" }, "not an issue key"},
		{"no key", func(e *outbox.Effect) { e.Key = "" }, "no idempotency key"},
		{"slack effect", func(e *outbox.Effect) { e.Target = "slack" }, `for target "slack"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, n := setup(t)
			e := effect(outbox.EventWaiting)
			tt.mutate(&e)
			_, err := deliver(t, n, e)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if reqs := fake.Requests(); len(reqs) != 0 {
				t.Errorf("Jira was called: %+v", reqs)
			}
		})
	}
}

// TestMentions: Jira Cloud mentions by account id, Server / Data Center
// by user name; the effect's TargetID wins over the configured map; an
// unmapped identity is plain text.
func TestMentions(t *testing.T) {
	tests := []struct {
		name  string
		email string
		actor outbox.Actor
		want  string
	}{
		{"cloud, mapped", testEmail, outbox.Actor{Identity: "alice"}, "[~accountid:5b10ac8d82e05b22cc7d4ef5]"},
		{"cloud, target id wins", testEmail, outbox.Actor{Identity: "alice", TargetID: "712020:abc"}, "[~accountid:712020:abc]"},
		{"server, mapped", "", outbox.Actor{Identity: "alice"}, "[~5b10ac8d82e05b22cc7d4ef5]"},
		{"unmapped", testEmail, outbox.Actor{Identity: "erin_ops"}, `*Who must act:* erin\_ops`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := jiratest.New(jiratest.Options{Email: tt.email, Token: testToken})
			defer fake.Close()
			fake.AddIssue("OPS-12", toDo, workflow...)
			n, err := jira.New(jira.Config{BaseURL: fake.URL, Token: testToken, Email: tt.email,
				Users: map[string]string{"alice": "5b10ac8d82e05b22cc7d4ef5"}})
			if err != nil {
				t.Fatal(err)
			}
			e := effect(outbox.EventWaiting)
			e.MustAct = []outbox.Actor{tt.actor}
			if _, err := deliver(t, n, e); err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			if body := fake.Comments("OPS-12")[0].Body; !strings.Contains(body, tt.want) {
				t.Errorf("comment lacks %q:\n%s", tt.want, body)
			}
		})
	}
}

// TestSummaryRendering: a multi-line explanation is quoted verbatim in a
// noformat block; a huge one is cut to fit Jira's limit on a comment, and
// the comment still carries its marker.
func TestSummaryRendering(t *testing.T) {
	tests := []struct {
		name    string
		summary string
		want    []string
	}{
		{"multi-line", "policy release: 1 of 2\n  - role security: missing\n  - {noformat} trick", []string{
			"*What is missing:*\n{noformat}\npolicy release: 1 of 2\n  - role security: missing\n  - (noformat) trick\n{noformat}\n"}},
		{"markup in one line", "needs *security* [now]", []string{`*What is missing:* needs \*security\* \[now\]`}},
		{"huge", strings.Repeat("[x] missing approval from role security\n", 5000), []string{"\n…\n{noformat}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, n := setup(t)
			e := effect(outbox.EventWaiting)
			e.Summary = tt.summary
			if _, err := deliver(t, n, e); err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			body := fake.Comments("OPS-12")[0].Body
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("comment lacks %q:\n%.600s", w, body)
				}
			}
			if !strings.HasSuffix(body, "writ-effect: "+e.Key) {
				t.Errorf("comment lost its marker")
			}
		})
	}
}
