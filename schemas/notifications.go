package schemas

// Notifications names where writ tells people about proposals (writ.yaml
// `notifications:`): a Slack channel, a Jira project. It names the
// environment variable that holds each token, never a token: secrets are
// read from the environment of the run and go nowhere else.
type Notifications struct {
	Slack *SlackNotifications `yaml:"slack,omitempty" json:"slack,omitempty"`
	Jira  *JiraNotifications  `yaml:"jira,omitempty" json:"jira,omitempty"`
}

// SlackNotifications configures the Slack notifier.
type SlackNotifications struct {
	// Channel is the channel id (C0123ABCD) or name (#deploys) waiting
	// proposals are posted to.
	Channel string `yaml:"channel" json:"channel"`
	// TokenEnv names the environment variable holding the bot token
	// (xoxb-…).
	TokenEnv string `yaml:"token_env" json:"token_env"`
	// APIURL replaces https://slack.com/api/ (a proxy, a test server).
	APIURL string `yaml:"api_url,omitempty" json:"api_url,omitempty"`
	// Users maps identities of writ.yaml to Slack member ids (U0123ABCD),
	// so that messages mention them.
	Users map[string]string `yaml:"users,omitempty" json:"users,omitempty"`
}

// JiraNotifications configures the Jira notifier.
type JiraNotifications struct {
	// BaseURL is the Jira site (https://acme.atlassian.net).
	BaseURL string `yaml:"base_url" json:"base_url"`
	// Project is the project key issues must belong to (OPS).
	Project string `yaml:"project" json:"project"`
	// TokenEnv names the environment variable holding the API token
	// (with EmailEnv: Jira Cloud basic auth; without: a bearer token).
	TokenEnv string `yaml:"token_env" json:"token_env"`
	EmailEnv string `yaml:"email_env,omitempty" json:"email_env,omitempty"`
	// TransitionOnApply names the issue transition taken when the
	// proposal is applied; empty: none.
	TransitionOnApply string `yaml:"transition_on_apply,omitempty" json:"transition_on_apply,omitempty"`
	// Users maps identities of writ.yaml to Jira account ids.
	Users map[string]string `yaml:"users,omitempty" json:"users,omitempty"`
}
