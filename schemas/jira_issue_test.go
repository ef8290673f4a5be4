package schemas

import "testing"

// TestJiraEvidenceChecks: evidence named jira whose uri ends in something
// shaped like an issue key must be one the Jira notifier takes (a number
// of at most MaxJiraIssueDigits digits, not starting with 0); it is
// refused where it is written, naming the file and field. Evidence that
// names no issue at all stays allowed (the branch name may name it).
func TestJiraEvidenceChecks(t *testing.T) {
	const file = "proposals/web-1/open.yaml"
	head := "instance: web-1\nworkflow: deploy\ntransition: open\nbase_state: none\nidem_key: web-1/open\n"
	tests := []struct {
		name string
		yaml string
		want want
	}{
		{"19 digits", "evidence:\n  - name: jira\n    uri: OPS-1234567890123456789\n",
			want{file, 8, 10, "evidence[0].uri", "more than 18 digits"}},
		{"19 digits in a browse url", "evidence:\n  - name: ci\n    uri: https://ci.example/1\n  - name: Jira\n    uri: https://x.atlassian.net/browse/ops-1234567890123456789\n",
			want{file, 10, 10, "evidence[1].uri", "more than 18 digits"}},
		{"leading zero", "evidence:\n  - name: jira\n    uri: OPS-012\n",
			want{file, 8, 10, "evidence[0].uri", "not a Jira issue key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := ValidateRepo(repo(map[string]string{file: head + tt.yaml}))
			checkInvariants(t, ps)
			expectProblem(t, ps, tt.want)
		})
	}
	for _, ok := range []string{
		"evidence:\n  - name: jira\n    uri: OPS-123456789012345678\n",
		"evidence:\n  - name: jira\n    uri: https://x.atlassian.net/browse/ops-7/\n",
		"evidence:\n  - name: jira\n    uri: https://x.atlassian.net/issues/?filter=1\n",
		"evidence:\n  - name: ticket\n    uri: OPS-1234567890123456789\n",
	} {
		if ps := ValidateRepo(repo(map[string]string{file: head + ok})); len(ps) > 0 {
			t.Errorf("refused %q: %v", ok, ps)
		}
	}
}

// TestJiraIssue: the one pattern of a Jira issue key, as the notifier
// takes it: project, '-', a number of 1 to MaxJiraIssueDigits digits.
func TestJiraIssue(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"OPS-12", "OPS-12"},
		{"ops-12", "OPS-12"},
		{"OPS-123456789012345678", "OPS-123456789012345678"},
		{"OPS-1234567890123456789", ""},
		{"OPS-0", ""},
		{"OPS-012", ""},
		{"1OPS-2", ""},
		{"ops-12-fix", ""},
		{"OPS_X-2", "OPS_X-2"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got, ok := JiraIssue(tt.in); got != tt.want || ok != (tt.want != "") {
				t.Fatalf("JiraIssue(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
			}
		})
	}
}
