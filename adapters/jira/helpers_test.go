package jira_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/writ-dev/writ/adapters/jira"
	"github.com/writ-dev/writ/adapters/jira/jiratest"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// Credentials of the tests: the scans look for these in every output.
const (
	testToken = "tok-5ecret-ATATT3xFfGF0-never-print"
	testEmail = "writ-bot@example.com"
)

// The statuses and the workflow of the fake's issues.
var (
	toDo       = jiratest.Status{ID: "10000", Name: "To Do"}
	inProgress = jiratest.Status{ID: "3", Name: "In Progress"}
	done       = jiratest.Status{ID: "10001", Name: "Done"}
	workflow   = []jiratest.Transition{
		{ID: "11", Name: "Start", To: inProgress, From: []string{toDo.ID}},
		{ID: "31", Name: "Done", To: done, From: []string{toDo.ID, inProgress.ID}},
		{ID: "41", Name: "Reopen", To: toDo, From: []string{done.ID}},
	}
)

// setup starts a fake Jira Cloud with issue OPS-12 in To Do and a
// notifier configured against it.
func setup(t *testing.T, mutate ...func(*jira.Config)) (*jiratest.Server, *jira.Notifier) {
	t.Helper()
	fake := jiratest.New(jiratest.Options{Email: testEmail, Token: testToken})
	t.Cleanup(fake.Close)
	fake.AddIssue("OPS-12", toDo, workflow...)
	cfg := jira.Config{
		BaseURL: fake.URL, Project: "OPS", Token: testToken, Email: testEmail,
		ApplyTransition: "Done",
		Users:           map[string]string{"alice": "5b10ac8d82e05b22cc7d4ef5"},
		HTTPClient:      &http.Client{Timeout: 5 * time.Second},
	}
	for _, m := range mutate {
		m(&cfg)
	}
	n, err := jira.New(cfg)
	if err != nil {
		t.Fatalf("jira.New: %v", err)
	}
	return fake, n
}

// effect is an effect of event on OPS-12, with its key derived as the
// outbox derives it.
func effect(event outbox.Event) outbox.Effect {
	subject := "2f1c0a9d3b7e4f5a6b7c8d9e0f1a2b3c4d5e6f70"
	e := outbox.Effect{
		Key: outbox.KeyOf(subject, event, jira.Target), Target: jira.Target, Event: event, Subject: subject,
		Thread: "proposals/web-prod/deploy-v2.yaml", Instance: "web-prod", Workflow: "release", Transition: "deploy",
		Proposer: "carol", Link: "https://github.com/acme/control/pull/7", Issue: "OPS-12",
		At: "2026-12-06T10:00:00Z",
	}
	switch event {
	case outbox.EventWaiting, outbox.EventApproval, outbox.EventEscalated:
		e.MustAct = []outbox.Actor{{Identity: "alice", Role: "security"}, {Identity: "bob", Role: "sre"}}
		e.Summary = "needs 1 more approval from role security"
	}
	if event == outbox.EventApproval {
		e.Approvals = []string{"dave"}
	}
	switch event {
	case outbox.EventApplied, outbox.EventRejected, outbox.EventWithdrawn, outbox.EventTimedOut, outbox.EventEscalated:
		e.Entry = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"
	}
	return e
}

func deliver(t *testing.T, n *jira.Notifier, e outbox.Effect) (outbox.Receipt, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return n.Deliver(ctx, e, nil)
}
