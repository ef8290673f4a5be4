package jira_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/writ-dev/writ/adapters/jira"
	"github.com/writ-dev/writ/adapters/jira/jiratest"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// TestDeliverDeadline: a Jira that answers every page of a long comment
// listing slowly (each answer well within the per-call timeout) cannot
// hold a Deliver whose context has no deadline past DeliverTimeout; a
// caller's own deadline wins over it.
func TestDeliverDeadline(t *testing.T) {
	tests := []struct {
		name     string
		timeout  time.Duration
		ctx      func() (context.Context, context.CancelFunc)
		deadline time.Duration // Deliver must return within this
	}{
		{"no ctx deadline: DeliverTimeout", 600 * time.Millisecond, func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}, 2 * time.Second},
		{"ctx deadline wins", time.Hour, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 600*time.Millisecond)
		}, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := jiratest.New(jiratest.Options{Email: testEmail, Token: testToken, PageSize: 1})
			defer fake.Close()
			fake.AddIssue("OPS-12", toDo, workflow...)
			for range 20 {
				fake.AddComment("OPS-12", "looking into it")
			}
			fake.Inject(jiratest.Fault{Method: http.MethodGet, Path: "/comment", Delay: 300 * time.Millisecond, Times: 20})
			n, err := jira.New(jira.Config{BaseURL: fake.URL, Token: testToken, Email: testEmail,
				HTTPClient: &http.Client{Timeout: 5 * time.Second}, DeliverTimeout: tt.timeout})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			_, err = n.Deliver(ctx, effect(outbox.EventWaiting), nil)
			if took := time.Since(start); took > tt.deadline {
				t.Errorf("Deliver took %v, want under %v", took, tt.deadline)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Deliver = %v, want a deadline error", err)
			}
			if cs := fake.Comments("OPS-12"); len(cs) != 20 {
				t.Errorf("comments = %d, want 20: nothing posted after the deadline", len(cs))
			}
		})
	}
}
