package jira_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/adapters/jira"
	"github.com/writ-dev/writ/adapters/jira/jiratest"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// failures are the faults a delivery meets, with what its error must be.
var failures = []struct {
	name  string
	fault jiratest.Fault
	issue string
	// retryAfter is the wait the error must carry (outbox.RetryAfter), 0
	// when it must not implement it.
	retryAfter time.Duration
	// status is the *jira.APIError's status, 0 when it must not be one.
	status int
	want   []string
}{
	{"429 with Retry-After", jiratest.Fault{Path: "/comment", Status: 429, RetryAfter: "7"}, "OPS-12", 7 * time.Second, 429, []string{"list comments on OPS-12", "HTTP 429", "retry after 7s"}},
	{"429 on post", jiratest.Fault{Method: http.MethodPost, Status: 429, RetryAfter: "30"}, "OPS-12", 30 * time.Second, 429, []string{"add comment on OPS-12"}},
	{"503 with Retry-After", jiratest.Fault{Status: 503, RetryAfter: "2"}, "OPS-12", 2 * time.Second, 503, []string{"HTTP 503"}},
	{"429 without Retry-After", jiratest.Fault{Status: 429}, "OPS-12", 0, 429, []string{"rate limited"}},
	{"500", jiratest.Fault{Status: 500}, "OPS-12", 0, 500, []string{"HTTP 500", "Jira failed; the outbox retries later"}},
	{"502 on update", jiratest.Fault{Method: http.MethodPost, Status: 502}, "OPS-12", 0, 502, []string{"HTTP 502"}},
	// Twice: net/http retries a GET once when its reused connection resets.
	{"reset", jiratest.Fault{Method: http.MethodGet, Path: "/comment", Reset: true, Times: 2}, "OPS-12", 0, 0, []string{"list comments on OPS-12"}},
	{"429 on myself", jiratest.Fault{Path: "/myself", Status: 429, RetryAfter: "9"}, "OPS-12", 9 * time.Second, 429, []string{"get current user on OPS-12"}},
	{"Retry-After beyond the cap", jiratest.Fault{Path: "/comment", Status: 429, RetryAfter: "9999999999"}, "OPS-12", time.Hour, 429, []string{"retry after 1h0m0s"}},
	{"403", jiratest.Fault{Method: http.MethodPost, Status: 403}, "OPS-12", 0, 403, []string{"HTTP 403", "Add Comments"}},
	{"issue not found", jiratest.Fault{}, "OPS-404", 0, 404, []string{"on OPS-404: HTTP 404", "Issue does not exist", "jira: evidence"}},
}

// TestDeliveryErrors: a 429 (or 503) with Retry-After is an
// outbox.RetryAfter carrying the wait; 5xx and resets are plain errors
// the outbox retries; 4xx say what to fix; nothing is posted.
func TestDeliveryErrors(t *testing.T) {
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			fake, n := setup(t)
			if tt.fault != (jiratest.Fault{}) {
				fake.Inject(tt.fault)
			}
			e := effect(outbox.EventWaiting)
			e.Issue = tt.issue
			_, err := deliver(t, n, e)
			if err == nil {
				t.Fatal("Deliver succeeded")
			}
			var ra outbox.RetryAfter
			if errors.As(err, &ra) != (tt.retryAfter != 0) {
				t.Errorf("error %q implements RetryAfter = %v, want %v", err, !(tt.retryAfter != 0), tt.retryAfter != 0)
			} else if tt.retryAfter != 0 && ra.RetryAfter() != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", ra.RetryAfter(), tt.retryAfter)
			}
			var apiErr *jira.APIError
			if errors.As(err, &apiErr) != (tt.status != 0) || (tt.status != 0 && apiErr.Status != tt.status) {
				t.Errorf("error %q: APIError %+v, want status %d", err, apiErr, tt.status)
			}
			if tt.status != 0 && !errors.Is(err, jira.ErrAPI) {
				t.Errorf("errors.Is(%q, ErrAPI) = false", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if cs := fake.Comments("OPS-12"); len(cs) != 0 {
				t.Errorf("a failed delivery left %d comments", len(cs))
			}
			// The fault passed, the retry delivers (once).
			if tt.issue == "OPS-12" {
				if _, err := deliver(t, n, e); err != nil {
					t.Fatalf("retry: %v", err)
				}
				if cs := fake.Comments("OPS-12"); len(cs) != 1 {
					t.Errorf("after retry: %d comments, want 1", len(cs))
				}
			}
		})
	}
}

// TestAuthHeaders: with an email the notifier sends Jira Cloud's basic
// auth, without one a bearer token (Server / Data Center personal access
// token); every request carries it. Wrong credentials are a 401 that
// names token_env.
func TestAuthHeaders(t *testing.T) {
	tests := []struct {
		name       string
		serverMail string
		clientMail string
		token      string
		wantAuth   string
		wantErr    string
	}{
		{"cloud basic", testEmail, testEmail, testToken, "basic", ""},
		{"server bearer", "", "", testToken, "bearer", ""},
		{"cloud expects basic, got bearer", testEmail, "", testToken, "rejected", "token_env"},
		{"wrong token", "", "", "some-other-token", "rejected", "HTTP 401"},
		{"wrong email", testEmail, "mallory@example.com", testToken, "rejected", "email_env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := jiratest.New(jiratest.Options{Email: tt.serverMail, Token: testToken})
			defer fake.Close()
			fake.AddIssue("OPS-12", toDo, workflow...)
			n, err := jira.New(jira.Config{BaseURL: fake.URL, Token: tt.token, Email: tt.clientMail, ApplyTransition: "Done"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = deliver(t, n, effect(outbox.EventApplied))
			if (err != nil) != (tt.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			reqs := fake.Requests()
			if len(reqs) == 0 {
				t.Fatal("no requests")
			}
			for _, r := range reqs {
				if r.Auth != tt.wantAuth {
					t.Errorf("%s %s: auth %s, want %s", r.Method, r.Path, r.Auth, tt.wantAuth)
				}
			}
		})
	}
}
