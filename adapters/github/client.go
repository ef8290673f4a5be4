package github

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	gh "github.com/google/go-github/v62/github"
)

// Defaults for Config's zero values.
const (
	DefaultAPIURL     = "https://api.github.com/"
	DefaultBudget     = 1000
	DefaultMaxWait    = 2 * time.Minute
	DefaultMaxRetries = 3
)

// Config configures a Client. Validate checks it; New calls Validate.
type Config struct {
	// Repository is the control repository, "owner/name".
	Repository string
	// APIURL is the REST API root (GITHUB_API_URL); default
	// https://api.github.com/.
	APIURL string
	// TokenEnv names the environment variable holding the token (writ.yaml
	// `token_env:`, typically GITHUB_TOKEN). Empty means unauthenticated,
	// for tests and public reads only.
	TokenEnv string
	// Budget is the most calls one event (one run) may make that GitHub
	// counts against the rate limit (retries included; a 304 to an
	// authorized request is free, as on GitHub, though at most
	// 10×Budget calls are made in all); default DefaultBudget, the
	// hourly allowance of GITHUB_TOKEN. A call beyond it fails with
	// ErrBudgetExceeded without reaching the network.
	Budget int
	// MaxWait bounds the total rate-limit and retry backoff of one event;
	// default DefaultMaxWait.
	MaxWait time.Duration
	// MaxRetries bounds the retries of one request; default
	// DefaultMaxRetries. Negative means none.
	MaxRetries int
	// Clock is where backoff reads the time and sleeps; default the wall
	// clock.
	Clock Clock
	// Transport is the base HTTP transport; default http.DefaultTransport.
	Transport http.RoundTripper
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if !repoName.MatchString(c.Repository) {
		return fmt.Errorf("%w: repository %q: want owner/name", ErrConfig, c.Repository)
	}
	if c.APIURL != "" {
		u, err := url.Parse(c.APIURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%w: api_url %q: want an http(s) URL", ErrConfig, c.APIURL)
		}
	}
	if c.Budget < 0 {
		return fmt.Errorf("%w: budget %d: want 0 (default %d) or more", ErrConfig, c.Budget, DefaultBudget)
	}
	if c.MaxWait < 0 {
		return fmt.Errorf("%w: max wait %s: want 0 (default %s) or more", ErrConfig, c.MaxWait, DefaultMaxWait)
	}
	return nil
}

// Client reads facts from and publishes results to one control repository
// on GitHub. It is safe for concurrent use, but its call budget and wait
// budget are per event: call StartEvent before each event. Its ETag cache
// lives as long as the Client, and across processes through LoadCache and
// SaveCache.
type Client struct {
	gh     *gh.Client
	owner  string
	repo   string
	clock  Clock
	budget int
	meter  *meter
	limit  *limitTransport
	etag   *etagTransport
}

// New builds a Client. getenv (os.Getenv in production) is consulted for
// Config.TokenEnv only; a named but empty variable is an error, so a
// misconfigured workflow fails before making a call. The token is kept in
// the transport and never appears in an error or a log line.
func New(cfg Config, getenv func(string) string) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var token string
	if cfg.TokenEnv != "" {
		token = getenv(cfg.TokenEnv)
		if token == "" {
			return nil, fmt.Errorf("%w: token_env %s: the environment variable is empty or not set", ErrConfig, cfg.TokenEnv)
		}
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport
	}
	if cfg.Budget == 0 {
		cfg.Budget = DefaultBudget
	}
	if cfg.MaxWait == 0 {
		cfg.MaxWait = DefaultMaxWait
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	m := &meter{budget: cfg.Budget}
	etag := &etagTransport{meter: m, cache: &etagCache{}, next: &meterTransport{meter: m, next: cfg.Transport}}
	limit := &limitTransport{clock: cfg.Clock, meter: m, maxWait: cfg.MaxWait, maxRetries: cfg.MaxRetries, next: etag}
	client := gh.NewClient(&http.Client{Transport: &authTransport{token: token, next: limit}})
	if cfg.APIURL != "" {
		base := cfg.APIURL
		if !strings.HasSuffix(base, "/") {
			base += "/"
		}
		u, err := url.Parse(base)
		if err != nil {
			return nil, fmt.Errorf("%w: api_url %q: %w", ErrConfig, cfg.APIURL, err)
		}
		client.BaseURL = u
	}
	owner, repo, _ := strings.Cut(cfg.Repository, "/")
	return &Client{gh: client, owner: owner, repo: repo, clock: cfg.Clock, budget: cfg.Budget, meter: m, limit: limit, etag: etag}, nil
}

// StartEvent begins a new event: the call counter and the wait budget
// start from zero. The ETag cache is kept, so a long-running server pays
// 304s for what did not change.
func (c *Client) StartEvent() {
	c.meter.reset(c.budget)
	c.limit.reset()
}

// Stats returns the counters of the current event.
func (c *Client) Stats() Stats { return c.meter.snapshot() }

// Repository returns "owner/name".
func (c *Client) Repository() string { return c.owner + "/" + c.repo }
