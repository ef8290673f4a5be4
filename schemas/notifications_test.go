package schemas

import (
	"strings"
	"testing"
)

const notifyBase = `version: 1
repository: r
reconciler: {identity: bot}
governance: {policy: g}
roles: [sre]
identities:
  - name: alice
    kind: human
    signers: [{ssh: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHaABqDMoC3kd7gdheVLB2wVOuyXZ3/DA9ZJ1K6vvXxW a"}]
  - name: bot
    kind: agent
    signers: [{ssh: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDIOyhhv1TVX3uHDvCe5aA+y89jMNdnZjZ4i46d7Zpue b"}]
`

func TestNotificationsConfig(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		field string // "" : valid
		line  int
		msg   string
	}{
		{"slack and jira", `notifications:
  slack: {channel: "#deploys", token_env: SLACK_BOT_TOKEN, api_url: "http://127.0.0.1:9/api/", users: {alice: U0ALICE}}
  jira: {base_url: "https://acme.atlassian.net", project: OPS, token_env: JIRA_TOKEN, email_env: JIRA_EMAIL, transition_on_apply: Done, users: {alice: "5b10a2844c20165700ede21g"}}
`, "", 0, ""},
		{"unknown identity in slack users", `notifications:
  slack:
    channel: C0123ABCD
    token_env: SLACK_BOT_TOKEN
    users:
      alice: U0ALICE
      alcie: U0OTHER
`, "notifications.slack.users.alcie", 19, `unknown identity "alcie"`},
		{"one slack id for two identities", `notifications:
  slack:
    channel: C0123ABCD
    token_env: SLACK_BOT_TOKEN
    users: {alice: U0SAME, bot: U0SAME}
`, "notifications.slack.users.bot", 0, `already identity "alice"'s`},
		{"a token instead of a variable name", `notifications:
  slack: {channel: C0123ABCD, token_env: "xoxb-1234-abcd"}
`, "notifications.slack.token_env", 14, "environment variable"},
		{"jira without project", `notifications:
  jira: {base_url: "https://acme.atlassian.net", token_env: JIRA_TOKEN}
`, "notifications.jira", 14, "project"},
		{"jira email and token the same variable", `notifications:
  jira: {base_url: "https://acme.atlassian.net", project: OPS, token_env: JIRA, email_env: JIRA}
`, "notifications.jira.email_env", 14, "two variables"},
		{"unknown key", `notifications:
  teams: {channel: x}
`, "notifications.teams", 14, "teams"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, problems := LoadConfig("writ.yaml", []byte(notifyBase+tt.yaml))
			if tt.field == "" {
				if len(problems) != 0 || cfg.Notifications == nil || cfg.Notifications.Slack.Users["alice"] != "U0ALICE" ||
					cfg.Notifications.Jira.TransitionOnApply != "Done" {
					t.Fatalf("problems %v, config %+v", problems, cfg.Notifications)
				}
				return
			}
			if len(problems) != 1 || problems[0].Field != tt.field || !strings.Contains(problems[0].String(), tt.msg) ||
				(tt.line != 0 && problems[0].Line != tt.line) || !strings.HasPrefix(problems[0].String(), "writ.yaml:") {
				t.Fatalf("problems = %v; want one at %s line %d containing %q", problems, tt.field, tt.line, tt.msg)
			}
			if strings.Contains(problems[0].String(), "xoxb-") {
				t.Fatalf("a problem echoes what may be a token: %v", problems[0])
			}
		})
	}
}
