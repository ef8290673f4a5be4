package github

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	gh "github.com/google/go-github/v62/github"
)

// Sentinel errors. Wrap them with %w; test with errors.Is. Retryable tells
// retry-later outcomes (ErrRateLimited, ErrUnavailable, ErrHeadMoved) from
// failures that need a human (bad event, bad config, exhausted budget, a
// 4xx from GitHub).
var (
	// ErrMalformedEvent: the event payload is not what its name promises;
	// the message names the field.
	ErrMalformedEvent = errors.New("malformed event payload")
	// ErrUnsupportedEvent: an event name writ does not handle.
	ErrUnsupportedEvent = errors.New("unsupported event")
	// ErrConfig: the adapter's configuration is incomplete or invalid.
	ErrConfig = errors.New("github adapter config")
	// ErrBudgetExceeded: the event would make more API calls than its
	// budget allows. No call beyond the budget is made.
	ErrBudgetExceeded = errors.New("GitHub API call budget exceeded")
	// ErrCache: the ETag cache file could not be read or written, or is
	// not a cache file writ wrote; the run goes on with a cold cache.
	ErrCache = errors.New("GitHub ETag cache")
	// ErrRateLimited: GitHub's primary or secondary rate limit holds for
	// longer than the wait budget allows. Retry later.
	ErrRateLimited = errors.New("GitHub rate limit")
	// ErrUnavailable: GitHub answered 5xx or could not be reached. Retry
	// later.
	ErrUnavailable = errors.New("GitHub unavailable")
	// ErrHeadMoved: the pull request's head changed while its facts were
	// read; the facts are discarded and the next event judges the new head.
	ErrHeadMoved = errors.New("pull request head moved")
	// ErrTruncated: GitHub lists at most 250 commits or 3000 files of a
	// pull request; a larger one cannot be judged from the API.
	ErrTruncated = errors.New("GitHub listing truncated")
)

// Retryable reports whether err is a retry-later outcome: a rate limit, an
// outage, or a head that moved mid-read. Nothing was published, and running
// the same event again later is safe.
func Retryable(err error) bool {
	return errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrHeadMoved)
}

// apiError wraps an error from a go-github call with the operation's name
// and, where it is one, the retry-later sentinel. The token is never part
// of a go-github error (it travels in a header only).
func apiError(op string, err error) error {
	var (
		rl    *gh.RateLimitError
		abuse *gh.AbuseRateLimitError
		resp  *gh.ErrorResponse
		uerr  *url.Error
	)
	switch {
	case errors.Is(err, ErrBudgetExceeded), errors.Is(err, ErrRateLimited), errors.Is(err, ErrUnavailable),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", op, err)
	case errors.As(err, &rl), errors.As(err, &abuse):
		return fmt.Errorf("%s: %w: %w", op, ErrRateLimited, err)
	case errors.As(err, &resp) && resp.Response != nil && resp.Response.StatusCode >= 500:
		return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
	case errors.As(err, &uerr):
		// The request never got an HTTP answer: connection refused, reset,
		// DNS, TLS. For writ that is an outage.
		return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
