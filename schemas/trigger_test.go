package schemas

import (
	"errors"
	"strings"
	"testing"
)

// TestCheckSourceTrigger: a trigger a source records on the reconciler's
// word has a known kind, an optional one-word ref and an http(s) URL,
// each bounded and printable; anything else is refused, naming the field.
func TestCheckSourceTrigger(t *testing.T) {
	pr := "https://github.com/octo-org/octo-repo/pull/3"
	tests := []struct {
		name string
		tr   Trigger
		err  string
	}{
		{"pull request", Trigger{Kind: TriggerPullRequest, Ref: "octo-org/octo-repo#3", URL: pr}, ""},
		{"no ref", Trigger{Kind: TriggerPullRequest, URL: pr}, ""},
		{"http", Trigger{Kind: TriggerIssue, Ref: "OPS-12", URL: "http://jira.example/browse/OPS-12"}, ""},
		{"unknown kind", Trigger{Kind: "pull-request", URL: pr}, `kind "pull-request" is not one of pull_request, issue, incident, schedule, manual`},
		{"no url", Trigger{Kind: TriggerPullRequest, Ref: "o/r#3"}, "url is empty"},
		{"relative url", Trigger{Kind: TriggerPullRequest, URL: "/o/r/pull/3"}, "url \"/o/r/pull/3\" is not an absolute http(s) URL with a host"},
		{"other scheme", Trigger{Kind: TriggerPullRequest, URL: "javascript:alert(1)"}, "is not an absolute http(s) URL with a host"},
		{"no host", Trigger{Kind: TriggerPullRequest, URL: "https:///pull/3"}, "is not an absolute http(s) URL with a host"},
		{"credentials", Trigger{Kind: TriggerPullRequest, URL: "https://x:ghs_secret@github.com/o/r/pull/3"}, "url holds credentials"},
		{"space in url", Trigger{Kind: TriggerPullRequest, URL: "https://github.com/o r"}, "url holds a space"},
		{"control in url", Trigger{Kind: TriggerPullRequest, URL: "https://github.com/o/r/pull/3\x1b[2J"}, "url holds the control or format character U+001B at character 30"},
		{"newline in url", Trigger{Kind: TriggerPullRequest, URL: "https://github.com/o/r\nWrit-Kind: rules"}, "url holds the control or format character U+000A"},
		{"bidi in ref", Trigger{Kind: TriggerPullRequest, Ref: "o/r#\u202e3", URL: pr}, "ref holds the control or format character U+202E"},
		{"space in ref", Trigger{Kind: TriggerPullRequest, Ref: "o/r #3", URL: pr}, "ref holds a space"},
		{"long url", Trigger{Kind: TriggerPullRequest, URL: "https://github.com/" + strings.Repeat("a", MaxTriggerURL)}, "url is longer than 2048 bytes"},
		{"long ref", Trigger{Kind: TriggerPullRequest, Ref: strings.Repeat("a", MaxTriggerRef+1), URL: pr}, "ref is longer than 256 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSourceTrigger(tt.tr)
			if tt.err == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrTrigger) || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err %v, want ErrTrigger with %q", err, tt.err)
			}
		})
	}
}
