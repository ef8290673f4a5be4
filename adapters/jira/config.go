package jira

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Config configures a Notifier; the CLI fills it from writ.yaml's
// notifications.jira (base_url, project, token_env, email_env,
// transition_on_apply, users) and the environment.
type Config struct {
	// BaseURL is the Jira site, such as https://example.atlassian.net (or
	// a Server / Data Center context path). It carries no credentials.
	BaseURL string
	// Project, when set, is the only project whose issues the notifier
	// comments on: an effect naming an issue of another project (a branch
	// name that happens to look like a key) is skipped.
	Project string
	// Token is the API token (Jira Cloud, with Email) or personal access
	// token (Server / Data Center, sent as a bearer token). Never printed.
	Token string
	// Email, when set, selects Jira Cloud's basic auth: Email and Token.
	Email string
	// ApplyTransition is the name of the transition (such as "Done") an
	// issue takes when its proposal is applied; empty for none.
	ApplyTransition string
	// Users maps writ identities to Jira users for mentions: account ids
	// on Jira Cloud (rendered [~accountid:ID]), user names on Server /
	// Data Center ([~name]). An effect's Actor.TargetID wins over it.
	Users map[string]string
	// HTTPClient makes the calls; nil means a client with a 30-second
	// timeout. New uses a copy that follows no redirect
	// (outbox.NoRedirects): the credentials go to BaseURL only.
	HTTPClient *http.Client
	// DeliverTimeout bounds one Deliver (every call it makes, all pages
	// of the comment listing included) when its context has no deadline;
	// 0 means 5 minutes. A context deadline, when there is one, wins.
	DeliverTimeout time.Duration
}

var (
	projectKeyRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	issueKeyRE   = regexp.MustCompile(`^([A-Z][A-Z0-9_]*)-[1-9][0-9]{0,17}$`)
	commentIDRE  = regexp.MustCompile(`^[0-9]{1,20}$`)
)

// defaultTimeout bounds one call when Config.HTTPClient is nil;
// defaultDeliverTimeout bounds one Deliver when Config.DeliverTimeout is 0.
const (
	defaultTimeout        = 30 * time.Second
	defaultDeliverTimeout = 5 * time.Minute
)

// validate checks c and returns the parsed base URL. Errors name the
// writ.yaml field and never carry the token.
func (c Config) validate() (*url.URL, error) {
	if strings.TrimSpace(c.BaseURL) == "" {
		return nil, fmt.Errorf("%w: notifications.jira.base_url is empty: give the Jira site, such as https://example.atlassian.net", ErrConfig)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%w: notifications.jira.base_url %q is not an http(s) URL with a host", ErrConfig, redactURL(c.BaseURL))
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: notifications.jira.base_url must not carry credentials: put the token in the variable token_env names", ErrConfig)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: notifications.jira.base_url %q has a query or fragment: give only the site (and context path)", ErrConfig, u.Scheme+"://"+u.Host+u.Path)
	}
	if c.Token == "" {
		return nil, fmt.Errorf("%w: no Jira token: set the environment variable notifications.jira.token_env names", ErrConfig)
	}
	if strings.ContainsAny(c.Token, "\r\n") || strings.ContainsAny(c.Email, "\r\n:") {
		return nil, fmt.Errorf("%w: the Jira token or email (token_env, email_env) holds a line break or the email a colon", ErrConfig)
	}
	if c.Project != "" && !projectKeyRE.MatchString(c.Project) {
		return nil, fmt.Errorf("%w: notifications.jira.project %q is not a Jira project key (capital letters, digits, underscores, such as OPS)", ErrConfig, c.Project)
	}
	ids := make([]string, 0, len(c.Users))
	for id := range c.Users {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		v := c.Users[id]
		if strings.TrimSpace(v) == "" || strings.ContainsAny(v, "[]|{}\r\n") {
			return nil, fmt.Errorf("%w: notifications.jira.users.%s %q is not a Jira account id or user name", ErrConfig, id, v)
		}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// redactURL drops everything after the host of a URL that did not parse,
// in case it carried credentials.
func redactURL(s string) string {
	if i := strings.Index(s, "@"); i >= 0 {
		return "…" + s[i:]
	}
	return s
}
