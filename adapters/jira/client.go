package jira

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/writ-dev/writ/reconciler/outbox"
)

// Bounds on what is read from Jira: a success body, and an error body.
const (
	maxBody      = 16 << 20
	maxErrorBody = 64 << 10
	maxMessage   = 300
)

// client calls Jira's REST API version 2. It sets the Authorization header
// on every request and keeps the credentials out of every error it
// returns.
type client struct {
	base *url.URL
	http *http.Client
	// authorization is the Authorization header's value.
	authorization string
	// secrets are the strings no error may carry: the token, the basic
	// credentials and their base64 form.
	secrets []string
}

func newClient(base *url.URL, hc *http.Client, email, token string) *client {
	c := &client{base: base, http: hc}
	if email != "" {
		creds := base64.StdEncoding.EncodeToString([]byte(email + ":" + token))
		c.authorization = "Basic " + creds
		c.secrets = []string{token, creds}
	} else {
		c.authorization = "Bearer " + token
		c.secrets = []string{token}
	}
	return c
}

// call is one request: what it does (for errors), the issue it is about,
// and the request itself.
type call struct {
	op     string
	issue  string
	method string
	// path is below the base URL, such as "rest/api/2/issue/OPS-12/comment".
	path  string
	query url.Values
	in    any
}

// do runs c and decodes a 2xx body into out (when out is not nil). A
// non-2xx answer is an *APIError (a *RateLimitError when it carries
// Retry-After); a transport failure is wrapped with the call's name.
func (c *client) do(ctx context.Context, cl call, out any) error {
	u := c.base.JoinPath(cl.path)
	if len(cl.query) > 0 {
		u.RawQuery = cl.query.Encode()
	}
	var body io.Reader
	if cl.in != nil {
		b, err := json.Marshal(cl.in)
		if err != nil {
			return fmt.Errorf("jira: %s on %s: encoding the request: %w", cl.op, cl.issue, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u.String(), body)
	if err != nil {
		return c.scrub(fmt.Errorf("jira: %s on %s: %w", cl.op, cl.issue, err))
	}
	req.Header.Set("Authorization", c.authorization)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return c.scrub(fmt.Errorf("jira: %s on %s: %w", cl.op, cl.issue, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.apiError(cl, resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(out); err != nil {
		return c.scrub(fmt.Errorf("jira: %s on %s: decoding Jira's answer (HTTP %d): %w", cl.op, cl.issue, resp.StatusCode, err))
	}
	return nil
}

// errorCollection is Jira's error body (ErrorCollection in the API
// description).
type errorCollection struct {
	ErrorMessages []string          `json:"errorMessages"`
	Errors        map[string]string `json:"errors"`
}

func (c *client) apiError(cl call, resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &APIError{Op: cl.op, Issue: cl.issue, Status: resp.StatusCode}
	var ec errorCollection
	if json.Unmarshal(raw, &ec) == nil && (len(ec.ErrorMessages) > 0 || len(ec.Errors) > 0) {
		e.Messages = append(e.Messages, ec.ErrorMessages...)
		fields := make([]string, 0, len(ec.Errors))
		for f := range ec.Errors {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		for _, f := range fields {
			e.Messages = append(e.Messages, f+": "+ec.Errors[f])
		}
	} else if text := strings.TrimSpace(string(raw)); text != "" && !strings.HasPrefix(text, "<") {
		e.Messages = append(e.Messages, text)
	}
	for i, m := range e.Messages {
		m = c.scrubString(m)
		if len(m) > maxMessage {
			m = m[:maxMessage] + "…"
		}
		e.Messages[i] = m
	}
	if wait, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		return &RateLimitError{APIError: e, Wait: wait}
	}
	return e
}

// retryAfter parses a Retry-After value: seconds (digits only), or an HTTP
// date (relative to now), capped at the outbox's one cap,
// outbox.MaxRetryAfter: a longer one, in seconds or as a date, and a
// number of seconds too large to parse all ask for the cap (never an
// overflow into a negative wait).
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" {
		s, err := strconv.ParseInt(v, 10, 64)
		if err != nil || s > int64(outbox.MaxRetryAfter/time.Second) {
			return outbox.MaxRetryAfter, true
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), outbox.MaxRetryAfter), true
	}
	return 0, false
}

// scrubbed is an error whose text has the credentials replaced; it still
// unwraps to the original, so errors.Is (context.Canceled, net errors)
// keeps working.
type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.err }

func (c *client) scrub(err error) error {
	if err == nil {
		return nil
	}
	var already *scrubbed
	if errors.As(err, &already) && already == err {
		return err
	}
	return &scrubbed{msg: c.scrubString(err.Error()), err: err}
}

func (c *client) scrubString(s string) string {
	for _, secret := range c.secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}
