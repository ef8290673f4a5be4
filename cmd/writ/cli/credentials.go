package cli

import (
	"net/url"

	"github.com/writ-dev/writ/gitstore"
)

// GitTokenEnv names the variable that gives writ's git traffic a token
// explicitly (the Action sets it from its token input).
const GitTokenEnv = "WRIT_GIT_TOKEN"

// gitCredentials are the credentials of writ's git traffic from the
// environment: $WRIT_GIT_TOKEN for every http(s) remote, before anything
// git config holds; else, after git config's http.<url>.extraheader and a
// password in the remote's URL, $GITHUB_TOKEN for https remotes on
// $GITHUB_SERVER_URL's host (default github.com). Either is sent as HTTP
// Basic x-access-token:<token>, which GitHub accepts for GITHUB_TOKEN, a
// GitHub App installation token and a personal access token.
func gitCredentials(getenv func(string) string) gitstore.Credentials {
	c := gitstore.Credentials{
		Token: getenv(GitTokenEnv), TokenFrom: "$" + GitTokenEnv,
		GitHubToken: getenv("GITHUB_TOKEN"), GitHubTokenFrom: "$GITHUB_TOKEN",
		Getenv: getenv,
	}
	if u, err := url.Parse(getenv("GITHUB_SERVER_URL")); err == nil && u.Hostname() != "" {
		c.GitHubHost = u.Hostname()
	}
	return c
}
