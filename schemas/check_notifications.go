package schemas

import "sort"

// checkNotifications checks writ.yaml's notifications: every identity a
// users map names exists, and no two identities share a target id.
func (c *checker) checkNotifications(cfg *Config) {
	n := cfg.Notifications
	if n == nil {
		return
	}
	if n.Slack != nil {
		c.checkUsers(cfg, "slack", n.Slack.Users)
	}
	if n.Jira != nil {
		c.checkUsers(cfg, "jira", n.Jira.Users)
		if n.Jira.EmailEnv != "" && n.Jira.EmailEnv == n.Jira.TokenEnv {
			c.at(At("notifications", "jira", "email_env"), "email_env and token_env both name $%s: the email and the token are two variables", n.Jira.EmailEnv)
		}
	}
}

func (c *checker) checkUsers(cfg *Config, target string, users map[string]string) {
	names := make([]string, 0, len(users))
	for name := range users {
		names = append(names, name)
	}
	sort.Strings(names)
	known := identityNames(cfg)
	byID := map[string]string{}
	for _, name := range names {
		if !contains(known, name) {
			c.at(At("notifications", target, "users", name), "unknown identity %q (%s)", name, knownList("identities", known))
			continue
		}
		if first, dup := byID[users[name]]; dup {
			c.at(At("notifications", target, "users", name), "%s user %q is already identity %q's", target, users[name], first)
			continue
		}
		byID[users[name]] = name
	}
}
