package github

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// limitTransport waits out GitHub's rate limits and retries reads that hit
// a 5xx, within a wait budget per event:
//
//   - primary limit: 403 or 429 with X-RateLimit-Remaining: 0 waits until
//     X-RateLimit-Reset (plus a second); a 2xx with Remaining 0 makes the
//     next request wait the same way;
//   - secondary limit: 403 or 429 with Retry-After waits that long; a 429,
//     or a 403 whose message says "secondary rate limit", without it waits
//     a minute, doubling, as GitHub's documentation asks;
//   - 500, 502, 503, 504 on GET and HEAD wait 1s, 2s, 4s…
//
// A wait that would take the event's total past maxWait, or a request
// still refused after maxRetries retries, fails at once with ErrRateLimited
// or ErrUnavailable. Writes are not retried after a 5xx (GitHub may have
// applied them); their upsert runs again on the next event.
//
// It owns rate limiting: it removes X-RateLimit-Reset from the successful
// responses it passes up, because go-github would otherwise refuse calls
// on its own by the wall clock, bypassing the bounded, injectable wait.
type limitTransport struct {
	next       http.RoundTripper
	clock      Clock
	meter      *meter
	maxWait    time.Duration
	maxRetries int

	mu         sync.Mutex
	waited     time.Duration
	blockUntil time.Time // a 2xx said Remaining 0: nothing before this
}

// reset starts a new event's wait budget.
func (t *limitTransport) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.waited = 0
}

// RoundTrip sends req, waiting and retrying as the type's comment says.
func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		t.mu.Lock()
		until := t.blockUntil
		t.mu.Unlock()
		if d := until.Sub(t.clock.Now()); d > 0 {
			if err := t.wait(req, d, ErrRateLimited, "primary rate limit exhausted"); err != nil {
				return nil, err
			}
		}
		out, err := rewind(req, attempt)
		if err != nil {
			return nil, err
		}
		resp, err := t.next.RoundTrip(out)
		if err != nil {
			return nil, err
		}
		d, cause, why := t.backoff(req, resp, attempt)
		if cause == nil {
			t.passUp(resp)
			return resp, nil
		}
		drain(resp)
		if attempt >= t.maxRetries {
			return nil, fmt.Errorf("%w: %s %s: %s, still after %d retries", cause, req.Method, req.URL.Path, why, attempt)
		}
		if err := t.wait(req, d, cause, why); err != nil {
			return nil, err
		}
		t.meter.update(func(s *Stats) { s.Retries++ })
	}
}

// backoff says how long to wait before retrying resp, and why; cause is
// nil when resp is to be passed up as it is.
func (t *limitTransport) backoff(req *http.Request, resp *http.Response, attempt int) (d time.Duration, cause error, why string) {
	h, code := resp.Header, resp.StatusCode
	limited := code == http.StatusForbidden || code == http.StatusTooManyRequests
	switch {
	case limited && h.Get("X-RateLimit-Remaining") == "0":
		d = time.Minute
		if reset, ok := unixHeader(h.Get("X-RateLimit-Reset")); ok {
			d = reset.Sub(t.clock.Now()) + time.Second
		}
		return max(d, time.Second), ErrRateLimited, "primary rate limit"
	case limited && h.Get("Retry-After") != "":
		d, ok := t.retryAfter(h.Get("Retry-After"))
		if !ok {
			d = time.Minute
		}
		return max(d, time.Second), ErrRateLimited, "secondary rate limit"
	case code == http.StatusTooManyRequests || (code == http.StatusForbidden && mentionsSecondary(resp)):
		return time.Minute << attempt, ErrRateLimited, "secondary rate limit"
	case isIdempotent(req) && (code == 500 || code == 502 || code == 503 || code == 504):
		return time.Second << attempt, ErrUnavailable, fmt.Sprintf("GitHub answered %d", code)
	}
	return 0, nil, ""
}

// passUp records a 2xx that exhausted the primary limit and hides its reset
// time from go-github (see the type's comment).
func (t *limitTransport) passUp(resp *http.Response) {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if reset, ok := unixHeader(resp.Header.Get("X-RateLimit-Reset")); ok {
			t.mu.Lock()
			t.blockUntil = reset.Add(time.Second)
			t.mu.Unlock()
		}
	}
	resp.Header.Del("X-RateLimit-Reset")
}

// wait sleeps d on the clock if the event's wait budget allows it.
func (t *limitTransport) wait(req *http.Request, d time.Duration, cause error, why string) error {
	t.mu.Lock()
	if t.waited+d > t.maxWait {
		waited := t.waited
		t.mu.Unlock()
		return fmt.Errorf("%w: %s %s: %s: waiting %s more would exceed the wait budget (%s, %s used)",
			cause, req.Method, req.URL.Path, why, d.Round(time.Second), t.maxWait, waited.Round(time.Second))
	}
	t.waited += d
	t.mu.Unlock()
	t.meter.update(func(s *Stats) { s.Waited += d })
	if err := t.clock.Sleep(req.Context(), d); err != nil {
		return fmt.Errorf("%s %s: waiting for %s: %w", req.Method, req.URL.Path, why, err)
	}
	return nil
}

// retryAfter reads Retry-After: seconds, or an HTTP date.
func (t *limitTransport) retryAfter(v string) (time.Duration, bool) {
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return at.Sub(t.clock.Now()), true
	}
	return 0, false
}

func unixHeader(v string) (time.Time, bool) {
	s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || s <= 0 {
		return time.Time{}, false
	}
	return time.Unix(s, 0), true
}

// mentionsSecondary peeks at a 403's message for GitHub's wording of a
// secondary limit, leaving the body readable.
func mentionsSecondary(resp *http.Response) bool {
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return false
	}
	lower := strings.ToLower(string(body))
	return strings.Contains(lower, "secondary rate limit") || strings.Contains(lower, "abuse")
}

func isIdempotent(req *http.Request) bool {
	return req != nil && (req.Method == http.MethodGet || req.Method == http.MethodHead)
}

// rewind returns the request for an attempt: the original for the first,
// a clone with a fresh body for a retry.
func rewind(req *http.Request, attempt int) (*http.Request, error) {
	if attempt == 0 {
		return req, nil
	}
	r := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return nil, errors.New("github: cannot retry a request whose body cannot be replayed")
		}
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("github: replay request body: %w", err)
		}
		r.Body = body
	}
	return r, nil
}
