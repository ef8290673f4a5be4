package jira_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/jira"
	"github.com/writ-dev/writ/adapters/jira/jiratest"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// secretForms are the forms of the test credentials that must never be
// printed: the token, and the basic credentials in base64.
func secretForms() []string {
	return []string{testToken, base64.StdEncoding.EncodeToString([]byte(testEmail + ":" + testToken))}
}

func assertNoSecret(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range secretForms() {
		if strings.Contains(text, s) {
			t.Errorf("%s carries a credential:\n%s", where, text)
		}
	}
}

// TestTokenNeverPrinted runs every failing delivery (faults, unknown
// issue, missing transition, rejected credentials, a proxy that echoes
// the Authorization header) and scans every error string and the fake's
// request log for the token.
func TestTokenNeverPrinted(t *testing.T) {
	var outputs []string
	for _, tt := range failures {
		fake, n := setup(t)
		if tt.fault != (jiratest.Fault{}) {
			fake.Inject(tt.fault)
		}
		e := effect(outbox.EventApplied)
		e.Issue = tt.issue
		_, err := deliver(t, n, e)
		if err == nil {
			t.Fatalf("%s: Deliver succeeded", tt.name)
		}
		outputs = append(outputs, fmt.Sprintf("%s: %v", tt.name, err), fake.Log())
		_, _ = deliver(t, n, e)
		outputs = append(outputs, fake.Log())
	}

	fake, n := setup(t, func(c *jira.Config) { c.ApplyTransition = "Deploy" })
	_, err := deliver(t, n, effect(outbox.EventApplied))
	if err == nil {
		t.Fatal("missing transition: Deliver succeeded")
	}
	outputs = append(outputs, err.Error(), fake.Log())

	// The server expects other credentials: every call is refused.
	other := jiratest.New(jiratest.Options{Email: testEmail, Token: "the-right-one"})
	defer other.Close()
	other.AddIssue("OPS-12", toDo, workflow...)
	n, err = jira.New(jira.Config{BaseURL: other.URL, Token: testToken, Email: testEmail})
	if err != nil {
		t.Fatal(err)
	}
	_, err = deliver(t, n, effect(outbox.EventWaiting))
	if err == nil {
		t.Fatal("rejected credentials: Deliver succeeded")
	}
	outputs = append(outputs, err.Error(), other.Log())

	// A proxy in front of Jira echoes the request's Authorization header
	// in its error body: the notifier scrubs it from the error.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"errorMessages":["bad header %s"],"errors":{"token":%q}}`, r.Header.Get("Authorization"), testToken)
	}))
	defer echo.Close()
	for _, mail := range []string{testEmail, ""} {
		n, err = jira.New(jira.Config{BaseURL: echo.URL, Token: testToken, Email: mail})
		if err != nil {
			t.Fatal(err)
		}
		_, err = deliver(t, n, effect(outbox.EventWaiting))
		if err == nil || !strings.Contains(err.Error(), "[redacted]") {
			t.Fatalf("echoing proxy: err = %v, want the credentials redacted", err)
		}
		outputs = append(outputs, err.Error())
	}

	// Configuration errors.
	for _, cfg := range []jira.Config{
		{BaseURL: "https://writ:" + testToken + "@example.atlassian.net", Token: testToken},
		{BaseURL: "https://example.atlassian.net?token=" + testToken, Token: testToken},
		{BaseURL: "::" + testToken + "@", Token: testToken},
		{BaseURL: "https://example.atlassian.net", Token: testToken + "\n"},
	} {
		if _, err := jira.New(cfg); err == nil {
			t.Fatalf("New accepted %+v", cfg.BaseURL)
		} else {
			outputs = append(outputs, err.Error())
		}
	}

	if len(outputs) < 20 {
		t.Fatalf("only %d outputs scanned", len(outputs))
	}
	for i, out := range outputs {
		assertNoSecret(t, fmt.Sprintf("output %d", i), out)
	}
}
