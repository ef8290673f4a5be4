package jira_test

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/jira"
	"github.com/writ-dev/writ/adapters/jira/jiratest"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// TestOnlyTheBotsMarkerCounts: anyone who sees the proposal can compute
// an effect's key (outbox.KeyOf of public facts) and end a comment with
// its marker. writ takes a comment for its own only when the bot's
// account wrote it and its last line is exactly the marker: otherwise it
// posts its own comment (with the mentions) and never edits the other.
func TestOnlyTheBotsMarkerCounts(t *testing.T) {
	e := effect(outbox.EventWaiting)
	key := outbox.KeyOf(e.Subject, outbox.EventWaiting, jira.Target) // public inputs only
	marker := "writ-effect: " + key
	tests := []struct {
		name  string
		cloud bool
		// author of the planted comment: "person" or "bot".
		author string
		body   string
		// edited: writ takes the planted comment for its own.
		edited bool
	}{
		{"person ends with the marker (Cloud)", true, "person", "I (mallory) object to this deploy.\n" + marker, false},
		{"person ends with the marker (Server)", false, "person", "I (mallory) object to this deploy.\n" + marker, false},
		{"person's comment is only the marker", true, "person", marker, false},
		{"bot's marker line holds more", true, "bot", "h4. old\n> " + marker, false},
		{"bot's marker line has a suffix", true, "bot", "h4. old\n" + marker + "0", false},
		{"bot's comment (Cloud)", true, "bot", "h4. old\n----\n" + marker, true},
		{"bot's comment (Server)", false, "bot", "h4. old\n----\n" + marker + "\r\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, n := setupAuth(t, tt.cloud)
			author := jiratest.Person(tt.cloud)
			if tt.author == "bot" {
				author = fake.Bot()
			}
			planted := fake.AddCommentBy("OPS-12", author, tt.body)
			r, err := deliver(t, n, e)
			if err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			cs := fake.Comments("OPS-12")
			var puts int
			for _, req := range fake.Requests() {
				if req.Method == "PUT" {
					puts++
				}
			}
			if tt.edited {
				if len(cs) != 1 || cs[0].Edits != 1 || r.Ref != "OPS-12/"+planted || puts != 1 {
					t.Errorf("writ's earlier comment was not edited in place: comments %+v, ref %q, %d edits", cs, r.Ref, puts)
				}
				return
			}
			if len(cs) != 2 || r.Ref != "OPS-12/"+cs[1].ID || !strings.Contains(cs[1].Body, "Who must act") {
				t.Errorf("writ's own waiting comment was not posted: comments %+v, ref %q", cs, r.Ref)
			}
			if cs[0].Body != tt.body || cs[0].Edits != 0 || puts != 0 {
				t.Errorf("writ edited a comment it did not write (%d edits): %q", puts, cs[0].Body)
			}
		})
	}
}

// setupAuth is setup against a fake Jira Cloud (basic auth, account ids)
// or, with cloud false, Jira Server / Data Center (bearer, name and key).
func setupAuth(t *testing.T, cloud bool) (*jiratest.Server, *jira.Notifier) {
	t.Helper()
	if cloud {
		return setup(t)
	}
	fake := jiratest.New(jiratest.Options{Token: testToken})
	t.Cleanup(fake.Close)
	fake.AddIssue("OPS-12", toDo, workflow...)
	n, err := jira.New(jira.Config{BaseURL: fake.URL, Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	return fake, n
}
