package gitstore

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// TokenUser is the user name writ sends with a token over HTTP Basic, as
// actions/checkout does: GitHub accepts it for GITHUB_TOKEN, GitHub App
// installation tokens and personal access tokens alike.
const TokenUser = "x-access-token"

// Credentials says how a Store authenticates to http(s) remotes beyond
// what git config holds. The zero value uses git config only.
//
// For each remote URL the Authorization header sent with every request is
// the first of: Token; the http.<url>.extraheader entries of git config
// that match the URL (as git matches them, by scheme, host, port and
// path prefix, reading include and includeIf "gitdir:" files, which is
// where actions/checkout persists its token); the user and password in
// the remote's URL; GitHubToken, for https remotes on GitHubHost only.
// Other extra headers of git config are sent as they are. Nothing is sent
// to remotes that are not http(s). No token, header or password is ever
// printed: errors of remote operations are redacted (see Store.Fetch).
type Credentials struct {
	// Token authenticates every http(s) remote as HTTP Basic
	// x-access-token:<Token>, replacing an Authorization header from git
	// config.
	Token string
	// TokenFrom names where Token came from, for messages
	// ("$WRIT_GIT_TOKEN").
	TokenFrom string
	// GitHubToken authenticates https remotes on GitHubHost the same
	// way, when nothing above gives credentials.
	GitHubToken string
	// GitHubTokenFrom names where GitHubToken came from ("$GITHUB_TOKEN").
	GitHubTokenFrom string
	// GitHubHost is the GitHub server's host (default github.com).
	GitHubHost string
	// Getenv reads the variables that locate git config (HOME,
	// XDG_CONFIG_HOME, GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM,
	// GIT_CONFIG_SYSTEM, GIT_CONFIG_COUNT...); nil means os.Getenv.
	Getenv func(string) string
}

// SetCredentials sets how the Store authenticates to http(s) remotes from
// now on. It is safe to call concurrently with remote operations.
func (s *Store) SetCredentials(c Credentials) {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	s.creds = c
	s.secrets = appendSecrets(s.secrets, tokenSecrets(c.Token)...)
	s.secrets = appendSecrets(s.secrets, tokenSecrets(c.GitHubToken)...)
}

// remoteAuth is how writ authenticates to one remote URL: the headers it
// adds to every request. It is a go-git http.AuthMethod; its String never
// shows a secret.
type remoteAuth struct {
	headers []header
	from    string   // where the Authorization header came from; "" when none is sent
	skipped []string // git config files not read, with why
}

var _ githttp.AuthMethod = (*remoteAuth)(nil)

// SetAuth adds the headers to a request.
func (a *remoteAuth) SetAuth(r *http.Request) {
	for _, h := range a.headers {
		if isAuthorization(h.name) {
			r.Header.Set(h.name, h.value)
		} else {
			r.Header.Add(h.name, h.value)
		}
	}
}

// Name names the method for go-git.
func (a *remoteAuth) Name() string { return "writ-http-headers" }

// String says where the credentials came from, never what they are.
func (a *remoteAuth) String() string {
	if a.from == "" {
		return "no credentials"
	}
	return "credentials from " + a.from
}

func isAuthorization(name string) bool { return strings.EqualFold(name, "Authorization") }

// basicToken is the Authorization value of a token: Basic
// base64("x-access-token:<token>").
func basicToken(token string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(TokenUser+":"+token))
}

// remoteClient returns the transport, endpoint and authentication of the
// named remote's first URL: the one place that decides what writ sends to
// a remote (see Credentials). The auth is nil for remotes that are not
// http(s).
func (s *Store) remoteClient(remote string) (transport.Transport, *transport.Endpoint, transport.AuthMethod, error) {
	s.mu.Lock()
	rem, err := s.repo.Remote(remote)
	s.mu.Unlock()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("remote %q: %w", remote, err)
	}
	urls := rem.Config().URLs
	if len(urls) == 0 {
		return nil, nil, nil, fmt.Errorf("remote %q has no URL", remote)
	}
	ep, err := transport.NewEndpoint(urls[0])
	if err != nil {
		return nil, nil, nil, s.scrub(fmt.Errorf("remote %q: %w", remote, err))
	}
	if ep.Password != "" {
		s.noteSecrets(ep.Password, url.PathEscape(ep.Password), url.QueryEscape(ep.Password))
	}
	cl, err := client.NewClient(ep)
	if err != nil {
		return nil, nil, nil, s.scrub(fmt.Errorf("remote %q: %w", remote, err))
	}
	if ep.Protocol != "http" && ep.Protocol != "https" {
		return cl, ep, nil, nil
	}
	a, err := s.resolveAuth(urls[0], ep)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("remote %q: %w", remote, err)
	}
	return cl, ep, a, nil
}

// resolveAuth decides the headers for an http(s) remote URL (see
// Credentials) and records every secret among them for redaction.
func (s *Store) resolveAuth(rawURL string, ep *transport.Endpoint) (*remoteAuth, error) {
	s.authMu.Lock()
	c := s.creds
	s.authMu.Unlock()
	getenv := c.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	entries, skipped := gitConfig(s.gitDir, getenv)
	a := &remoteAuth{skipped: skipped}
	for _, h := range extraHeaders(entries, rawURL) {
		s.noteSecrets(headerSecrets(h)...)
		if isAuthorization(h.name) {
			if c.Token != "" {
				continue // replaced by the explicit token
			}
			a.from = h.from
		}
		a.headers = append(a.headers, h)
	}
	auth := func(value, from string) {
		a.headers = append(a.headers, header{name: "Authorization", value: value, from: from})
		a.from = from
	}
	host := c.GitHubHost
	if host == "" {
		host = "github.com"
	}
	switch {
	case c.Token != "":
		auth(basicToken(c.Token), orDefault(c.TokenFrom, "the explicit token"))
	case a.from != "":
	case ep.User != "":
		auth("Basic "+base64.StdEncoding.EncodeToString([]byte(ep.User+":"+ep.Password)), "the user and password in the remote's URL")
	case c.GitHubToken != "" && ep.Protocol == "https" && strings.EqualFold(ep.Host, host):
		auth(basicToken(c.GitHubToken), orDefault(c.GitHubTokenFrom, "the GitHub token"))
	}
	return a, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// headerSecrets is what an extra header must never show: its value, the
// credential after an auth scheme, and a Basic credential's password.
func headerSecrets(h header) []string {
	out := []string{h.value}
	scheme, cred, ok := strings.Cut(h.value, " ")
	if !ok {
		return out
	}
	cred = strings.TrimSpace(cred)
	out = append(out, cred)
	if strings.EqualFold(scheme, "basic") {
		if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
			if _, pass, ok := strings.Cut(string(dec), ":"); ok {
				out = append(out, pass, url.PathEscape(pass), url.QueryEscape(pass))
			}
		}
	}
	return out
}

// tokenSecrets is what a token must never show: itself and the base64 of
// its Basic credential.
func tokenSecrets(token string) []string {
	if token == "" {
		return nil
	}
	return []string{token, basicToken(token)[len("Basic "):], url.PathEscape(token), url.QueryEscape(token)}
}

// authHelp says how to give writ credentials.
const authHelp = "give credentials as git has them in GitHub Actions: check out with actions/checkout " +
	"(persist-credentials: true, its default: writ reads the http.<url>.extraheader it leaves in git config), " +
	"or set $WRIT_GIT_TOKEN to a token that may read and push the repository " +
	"(GITHUB_TOKEN with contents: write, or a GitHub App installation token)"

// remoteErr classifies a failure to talk to a remote: a refusal of
// credentials is ErrAuth with what to do, anything else ErrRemote. The
// remote's own words are kept, redacted.
func (s *Store) remoteErr(where string, auth transport.AuthMethod, err error) error {
	from := ""
	said := strings.TrimSpace(s.redact(err.Error()))
	if a, ok := auth.(*remoteAuth); ok && a != nil {
		from = a.from
		if len(a.skipped) > 0 {
			said += "; git config files not read: " + s.redact(strings.Join(a.skipped, ", "))
		}
	}
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired) && from == "":
		return fmt.Errorf("%s: %w: the remote requires credentials and none were found for it; %s (the remote said: %s)", where, ErrAuth, authHelp, said)
	case errors.Is(err, transport.ErrAuthenticationRequired):
		return fmt.Errorf("%s: %w: the remote refused the credentials from %s (HTTP 401: a wrong, expired or revoked token); %s (the remote said: %s)", where, ErrAuth, from, authHelp, said)
	case errors.Is(err, transport.ErrAuthorizationFailed):
		return fmt.Errorf("%s: %w: the credentials from %s are not allowed to do this (HTTP 403): the token lacks a permission "+
			"(pushing main needs contents: write) or a ruleset refuses its identity (the remote said: %s)", where, ErrAuth, orDefault(from, "nowhere (none were sent)"), said)
	case errors.Is(err, transport.ErrRepositoryNotFound) && from == "":
		return fmt.Errorf("%s: %w: repository not found; a private repository looks missing to a client without credentials: %s (the remote said: %s)", where, ErrRemote, authHelp, said)
	}
	return fmt.Errorf("%s: %w: %s", where, ErrRemote, said)
}

// isAuthRefusal reports whether err is the remote refusing credentials.
func isAuthRefusal(err error) bool {
	return errors.Is(err, transport.ErrAuthenticationRequired) || errors.Is(err, transport.ErrAuthorizationFailed)
}
