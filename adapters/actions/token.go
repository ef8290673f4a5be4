// Package actions is the GitHub Actions adapter for keyless signing: a
// signing.TokenSource that asks the runner for the job's OIDC identity
// token, so the reconciler can sign as its workflow (see adapters/keyless).
//
// The job needs `permissions: id-token: write`; the runner then sets
// ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN, and a GET
// of that URL with &audience=<aud> and the request token as a bearer
// token returns {"value": "<jwt>"}. The token's issuer is
// https://token.actions.githubusercontent.com; Fulcio certifies it for the
// workflow file's URI, https://github.com/<job_workflow_ref>.
package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/writ-dev/writ/gitstore/signing"
)

// Environment variables the runner sets for a job with id-token: write.
const (
	EnvRequestURL   = "ACTIONS_ID_TOKEN_REQUEST_URL"
	EnvRequestToken = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
)

// Issuer is the OIDC issuer of GitHub Actions tokens, as Fulcio records it.
const Issuer = "https://token.actions.githubusercontent.com"

// DefaultAudience is the audience Fulcio requires.
const DefaultAudience = "sigstore"

// maxTokenResponse caps the body read from the token endpoint.
const maxTokenResponse = 64 << 10

// Errors of TokenSource. Both wrap signing.ErrNoToken and need a human:
// retrying does not help.
var (
	// ErrNotInActions means the process is not running in a GitHub Actions
	// job.
	ErrNotInActions = fmt.Errorf("%w: not running in GitHub Actions (%s is not set)", signing.ErrNoToken, EnvRequestURL)
	// ErrNoIDTokenPermission means the job runs in Actions but may not
	// request an identity token: its workflow lacks
	// `permissions: id-token: write`, or the runner refused the request
	// token.
	ErrNoIDTokenPermission = fmt.Errorf("%w: the job may not request an OIDC token; add `permissions: id-token: write` to the workflow or job", signing.ErrNoToken)
)

// TokenSource fetches GitHub Actions OIDC tokens for an audience. The zero
// value reads the process environment and asks for audience "sigstore". It
// is safe for concurrent use, and fetches a fresh token on every call (they
// last a few minutes).
type TokenSource struct {
	// Audience is the token's aud claim; empty means DefaultAudience.
	Audience string
	// Client sends the request; nil means a client with a 30 s timeout.
	Client *http.Client
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
}

var _ signing.TokenSource = TokenSource{}

// Token requests a token. Errors wrap ErrNotInActions or
// ErrNoIDTokenPermission when the environment does not allow it, and
// otherwise describe the failed request (an HTTP 5xx may succeed later).
func (s TokenSource) Token(ctx context.Context) (string, error) {
	getenv := s.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	reqURL, reqTok := getenv(EnvRequestURL), getenv(EnvRequestToken)
	switch {
	case reqURL == "" && getenv("GITHUB_ACTIONS") == "true":
		return "", fmt.Errorf("actions: %w (%s is not set)", ErrNoIDTokenPermission, EnvRequestURL)
	case reqURL == "":
		return "", fmt.Errorf("actions: %w", ErrNotInActions)
	case reqTok == "":
		return "", fmt.Errorf("actions: %w (%s is not set)", ErrNoIDTokenPermission, EnvRequestToken)
	}
	u, err := url.Parse(reqURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("actions: %w: %s is not a URL: %q", signing.ErrNoToken, EnvRequestURL, reqURL)
	}
	aud := s.Audience
	if aud == "" {
		aud = DefaultAudience
	}
	q := u.Query()
	q.Set("audience", aud)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("actions: token request: %w", err)
	}
	req.Header.Set("Authorization", "bearer "+reqTok)
	req.Header.Set("Accept", "application/json; api-version=2.0")
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("actions: token request to %s: %w", u.Host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse+1))
	if err != nil {
		return "", fmt.Errorf("actions: reading the token response: %w", err)
	}
	if len(body) > maxTokenResponse {
		return "", fmt.Errorf("actions: token response larger than %d bytes", maxTokenResponse)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return "", fmt.Errorf("actions: %w (HTTP %d: %s)", ErrNoIDTokenPermission, resp.StatusCode, snippet(body))
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("actions: token endpoint answered HTTP %d: %s", resp.StatusCode, snippet(body))
	}
	var out struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return "", fmt.Errorf("actions: token response is not JSON: %w", err)
	}
	if out.Value == "" {
		return "", errors.New("actions: token response has no value")
	}
	return out.Value, nil
}

// snippet is a short, single-line excerpt of a response body for errors.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
