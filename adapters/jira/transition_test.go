package jira_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/jira"
	"github.com/writ-dev/writ/adapters/jira/jiratest"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// TestApplyTransition: on EventApplied the issue takes the configured
// transition by name; an issue already there is left alone; a transition
// the issue cannot take is ErrNoTransition naming the issue and what it
// can take.
func TestApplyTransition(t *testing.T) {
	global := []jiratest.Transition{
		{ID: "11", Name: "Start", To: inProgress, From: []string{toDo.ID}},
		{ID: "51", Name: "Close", To: done}, // global: available from Done too
	}
	tests := []struct {
		name      string
		status    jiratest.Status
		workflow  []jiratest.Transition
		configure string
		wantErr   []string
		want      jiratest.Status
		wantDone  []string
	}{
		{"from to do", toDo, workflow, "Done", nil, done, []string{"Done"}},
		{"from in progress", inProgress, workflow, "Done", nil, done, []string{"Done"}},
		{"name case-insensitive", toDo, workflow, "done", nil, done, []string{"Done"}},
		{"already done", done, workflow, "Done", nil, done, nil},
		{"global transition already done", done, global, "Close", nil, done, nil},
		{"global transition", inProgress, global, "Close", nil, done, []string{"Close"}},
		{"no transition configured", toDo, workflow, "", nil, toDo, nil},
		{"missing transition", inProgress, workflow, "Deploy", []string{
			"issue OPS-12", `status "In Progress"`, `transition "Deploy"`, "transition_on_apply",
			`transitions available: "Done"`}, inProgress, nil},
		{"unavailable from status", done, []jiratest.Transition{
			{ID: "41", Name: "Reopen", To: toDo, From: []string{done.ID}},
			{ID: "61", Name: "Ship", To: inProgress, From: []string{toDo.ID}},
		}, "Ship", []string{`cannot take transition "Ship"`, `transitions available: "Reopen"`}, done, nil},
		{"no transitions at all", toDo, nil, "Done", []string{"transitions available: none"}, toDo, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := jiratest.New(jiratest.Options{Email: testEmail, Token: testToken})
			defer fake.Close()
			fake.AddIssue("OPS-12", tt.status, tt.workflow...)
			n, err := jira.New(jira.Config{BaseURL: fake.URL, Token: testToken, Email: testEmail, ApplyTransition: tt.configure})
			if err != nil {
				t.Fatal(err)
			}
			_, err = deliver(t, n, effect(outbox.EventApplied))
			if tt.wantErr == nil && err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, jira.ErrNoTransition) {
					t.Fatalf("err = %v, want ErrNoTransition", err)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
			}
			if got := fake.Status("OPS-12"); got != tt.want {
				t.Errorf("status = %+v, want %+v", got, tt.want)
			}
			if got := fake.TransitionsDone("OPS-12"); strings.Join(got, ",") != strings.Join(tt.wantDone, ",") {
				t.Errorf("transitions done = %v, want %v", got, tt.wantDone)
			}
		})
	}
}

// TestMissingTransitionThenFixed: after a person moves the issue to where
// the transition is available, the outbox's retry applies it, and the
// comment of the failed attempt is edited, not doubled.
func TestMissingTransitionThenFixed(t *testing.T) {
	fake, n := setup(t)
	fake.SetStatus("OPS-12", jiratest.Status{ID: "7", Name: "Blocked"})
	e := effect(outbox.EventApplied)
	if _, err := deliver(t, n, e); !errors.Is(err, jira.ErrNoTransition) {
		t.Fatalf("err = %v, want ErrNoTransition", err)
	}
	fake.SetStatus("OPS-12", inProgress)
	if _, err := deliver(t, n, e); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got := fake.Status("OPS-12"); got != done {
		t.Errorf("status = %+v, want Done", got)
	}
	if cs := fake.Comments("OPS-12"); len(cs) != 1 || cs[0].Edits != 1 {
		t.Errorf("comments = %+v, want one edited once", cs)
	}
}
