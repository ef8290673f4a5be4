package jira

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/writ-dev/writ/reconciler/outbox"
)

// Sentinel errors, matched with errors.Is through every wrapping layer.
var (
	// ErrConfig: the notifier's configuration (notifications.jira in
	// writ.yaml) is incomplete or malformed; fix the named field.
	ErrConfig = errors.New("jira: invalid configuration")
	// ErrIssueKey: an effect names an issue that is not a Jira issue key
	// (PROJECT-123); the proposal's evidence or branch name is wrong.
	ErrIssueKey = errors.New("jira: not an issue key")
	// ErrNoTransition: the issue cannot take the configured transition
	// from its current status; the error lists the transitions it can take.
	ErrNoTransition = errors.New("jira: transition not available")
	// ErrAPI: Jira answered a call with an error status; the error is a
	// *APIError saying which call, which issue and what to fix.
	ErrAPI = errors.New("jira: API error")
)

// APIError is Jira's answer with a status outside 2xx to one call. 5xx
// and 4xx other than 429 are plain errors: the outbox retries with its own
// backoff; a 4xx says what to fix.
type APIError struct {
	// Op is the call ("add comment", "list comments", "get transitions").
	Op string
	// Issue is the issue key the call was about.
	Issue string
	// Status is the HTTP status code.
	Status int
	// Messages are Jira's errorMessages and errors, scrubbed of the
	// credentials.
	Messages []string
}

// Error names the call, the issue, the status, Jira's messages and what
// to do about it.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v: %s on %s: HTTP %d", ErrAPI, e.Op, e.Issue, e.Status)
	if len(e.Messages) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(e.Messages, "; "))
	}
	if hint := e.hint(); hint != "" {
		b.WriteString(": ")
		b.WriteString(hint)
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrAPI) true.
func (e *APIError) Unwrap() error { return ErrAPI }

func (e *APIError) hint() string {
	switch {
	case e.Status == 401:
		return "Jira refused the credentials: check the token in notifications.jira.token_env (and, for Jira Cloud, the account's email in email_env)"
	case e.Status == 403:
		return "the account lacks a permission on the issue's project (Browse Projects, Add Comments, Edit Own Comments, Transition Issues): grant it, or use another account"
	case e.Status == 404:
		return "the issue does not exist or the account cannot see it: check the proposal's jira: evidence (or branch name) and the account's Browse Projects permission"
	case e.Status == 429:
		return "rate limited by Jira; the outbox retries later"
	case e.Status >= 500:
		return "Jira failed; the outbox retries later"
	case e.Status >= 400:
		return "Jira rejected the request"
	}
	return ""
}

// RateLimitError is an APIError whose response carried Retry-After (a 429,
// or a 503 that names a wait): the outbox waits at least Wait before the
// next attempt.
type RateLimitError struct {
	*APIError
	Wait time.Duration
}

var _ outbox.RetryAfter = (*RateLimitError)(nil)

// RetryAfter is the wait the server asked for.
func (e *RateLimitError) RetryAfter() time.Duration { return e.Wait }

// Error adds the requested wait to the APIError's text.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%s (retry after %s)", e.APIError.Error(), e.Wait)
}

// Unwrap returns the APIError, so that errors.As finds either.
func (e *RateLimitError) Unwrap() error { return e.APIError }
