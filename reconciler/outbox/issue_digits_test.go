package outbox_test

import (
	"testing"

	"github.com/writ-dev/writ/reconciler/outbox"
	"github.com/writ-dev/writ/schemas"
)

// TestIssueOfTakesOnlyKeysTheNotifierTakes: a Jira issue number of more
// than 18 digits is no issue key (the Jira notifier would refuse it and
// leave the effect pending for ever): IssueOf names no issue for it, from
// evidence or from the branch name.
func TestIssueOfTakesOnlyKeysTheNotifierTakes(t *testing.T) {
	tests := []struct {
		name     string
		evidence []schemas.Evidence
		branch   string
		want     string
	}{
		{"evidence of 19 digits", []schemas.Evidence{{Name: "jira", URI: "OPS-1234567890123456789"}}, "proposals/web-1/ship", ""},
		{"evidence of 19 digits falls back to branch", []schemas.Evidence{{Name: "jira", URI: "OPS-1234567890123456789"}}, "proposals/web-1/ops-12-fix", "OPS-12"},
		{"evidence of 18 digits", []schemas.Evidence{{Name: "jira", URI: "OPS-123456789012345678"}}, "proposals/web-1/ship", "OPS-123456789012345678"},
		{"branch of 19 digits", nil, "proposals/web-1/ops-1234567890123456789-fix", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := outbox.IssueOf(&schemas.Proposal{Evidence: tt.evidence}, tt.branch); got != tt.want {
				t.Fatalf("IssueOf = %q, want %q", got, tt.want)
			}
		})
	}
}
