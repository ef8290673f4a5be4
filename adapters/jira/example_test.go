package jira_test

import (
	"context"
	"fmt"

	"github.com/writ-dev/writ/adapters/jira"
	"github.com/writ-dev/writ/adapters/jira/jiratest"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// A proposal linked to OPS-12 waits for alice: the notifier comments the
// plan on the issue; when the proposal is applied it comments the outcome
// and moves the issue to Done.
func ExampleNotifier_Deliver() {
	fake := jiratest.New(jiratest.Options{Email: "writ-bot@example.com", Token: "api-token"})
	defer fake.Close()
	todo, done := jiratest.Status{ID: "10000", Name: "To Do"}, jiratest.Status{ID: "10001", Name: "Done"}
	fake.AddIssue("OPS-12", todo, jiratest.Transition{ID: "31", Name: "Done", To: done, From: []string{todo.ID}})

	n, err := jira.New(jira.Config{
		BaseURL: fake.URL, Project: "OPS", Email: "writ-bot@example.com", Token: "api-token",
		ApplyTransition: "Done", Users: map[string]string{"alice": "5b10ac8d82e05b22cc7d4ef5"},
	})
	if err != nil {
		panic(err)
	}
	head := "2f1c0a9d3b7e4f5a6b7c8d9e0f1a2b3c4d5e6f70"
	waiting := outbox.Effect{
		Key: outbox.KeyOf(head, outbox.EventWaiting, "jira"), Target: "jira", Event: outbox.EventWaiting,
		Subject: head, Thread: "proposals/web-prod/deploy-v2.yaml", Instance: "web-prod", Workflow: "release",
		Transition: "deploy", Proposer: "carol", Link: "https://github.com/acme/control/pull/7", Issue: "OPS-12",
		MustAct: []outbox.Actor{{Identity: "alice", Role: "security"}},
		Summary: "needs 1 more approval from role security", At: "2026-12-06T10:00:00Z",
	}
	r, err := n.Deliver(context.Background(), waiting, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("receipt:", r.Ref)
	fmt.Println(fake.Comments("OPS-12")[0].Body)

	entry := "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"
	applied := waiting
	applied.Key, applied.Event, applied.Subject, applied.Entry = outbox.KeyOf(entry, outbox.EventApplied, "jira"), outbox.EventApplied, entry, entry
	applied.MustAct, applied.Summary, applied.Approvals, applied.At = nil, "", []string{"alice"}, "2026-12-06T11:30:00Z"
	if _, err := n.Deliver(context.Background(), applied, nil); err != nil {
		panic(err)
	}
	fmt.Println()
	fmt.Println(fake.Comments("OPS-12")[1].Body)
	fmt.Println()
	fmt.Println("status:", fake.Status("OPS-12").Name)
	// Output:
	// receipt: OPS-12/10002
	// h4. writ: the proposal deploy on {{web-prod}} (release) is waiting for a decision
	// Proposed by carol. Waiting since 2026-12-06T10:00:00Z.
	// *Who must act:* [~accountid:5b10ac8d82e05b22cc7d4ef5] (role security)
	// *What is missing:* needs 1 more approval from role security
	// [Open the proposal|https://github.com/acme/control/pull/7]
	// ----
	// writ-effect: 537538e55f28d8488b75002d6666bc520cc4fe85964ec72bbd3c2d27b305bbf8
	//
	// h4. writ: the proposal deploy on {{web-prod}} (release) was applied
	// Proposed by carol.
	// *Approved by:* alice
	// Entry on main: {{9a8b7c6d5e4f}} at 2026-12-06T11:30:00Z
	// [Open the proposal|https://github.com/acme/control/pull/7]
	// ----
	// writ-effect: fc53e8de6baaf2da025110d67df8e68d2e2982a2f5d5d69a0d36ac6653713bc0
	//
	// status: Done
}
