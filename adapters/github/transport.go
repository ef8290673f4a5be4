package github

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// The transport stack, outermost first:
//
//	authTransport     sets the Authorization header (the token lives only here)
//	limitTransport    waits out primary and secondary rate limits and retries 5xx on reads, within a wait budget
//	etagTransport     conditional GETs: If-None-Match, and a 304 served from the cache
//	meterTransport    counts every real HTTP round trip and refuses calls beyond the budget
//	base              http.DefaultTransport, or Config.Transport
//
// The cache key never includes the credentials (see etagTransport); the
// meter is innermost so that a retry and a 304 count as the calls they
// are, and a 304 to an authorized request as free, as GitHub counts it.

// Stats counts one event's traffic. Calls is every HTTP round trip made
// (retries and 304s included); Counted those GitHub counts against the
// rate limit (all but a 304 to an authorized request); NotModified how
// many of Calls GitHub answered 304 and the cache served; Writes the
// POST/PATCH/PUT/DELETE among Calls; Retries the repeats after a rate
// limit or a 5xx; Waited the total backoff.
type Stats struct {
	Calls       int
	Counted     int
	NotModified int
	Writes      int
	Retries     int
	Waited      time.Duration
}

var (
	_ http.RoundTripper = (*authTransport)(nil)
	_ http.RoundTripper = (*limitTransport)(nil)
	_ http.RoundTripper = (*etagTransport)(nil)
	_ http.RoundTripper = (*meterTransport)(nil)
)

// meter is shared by the transports: the counters and the budget of the
// current event.
type meter struct {
	mu     sync.Mutex
	budget int
	stats  Stats
}

func (m *meter) reset(budget int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.budget, m.stats = budget, Stats{}
}

func (m *meter) snapshot() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stats
}

func (m *meter) update(f func(*Stats)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(&m.stats)
}

// meterTransport counts round trips and refuses the one beyond the budget
// before it reaches the network.
type meterTransport struct {
	next  http.RoundTripper
	meter *meter
}

// freeCallsPerBudget bounds the calls GitHub does not count (304s to
// authorized requests): at most this many per unit of budget, so a
// runaway loop of free calls still ends.
const freeCallsPerBudget = 10

// RoundTrip counts the call, or refuses it past the budget: Budget
// counted calls, or freeCallsPerBudget times as many calls in all.
func (t *meterTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	m := t.meter
	m.mu.Lock()
	if m.budget > 0 && (m.stats.Counted >= m.budget || m.stats.Calls >= freeCallsPerBudget*m.budget) {
		m.mu.Unlock()
		return nil, fmt.Errorf("%w: %d counted calls (%d in all) used, %s %s not made", ErrBudgetExceeded, m.stats.Counted, m.stats.Calls, req.Method, req.URL.Path)
	}
	m.stats.Calls++
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		m.stats.Writes++
	}
	m.mu.Unlock()
	resp, err := t.next.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusNotModified && req.Header.Get("Authorization") != "" {
		return resp, nil // GitHub does not count it
	}
	m.update(func(s *Stats) { s.Counted++ })
	return resp, err
}

// authTransport adds the token. It clones the request, as a RoundTripper
// must not modify its argument.
type authTransport struct {
	next  http.RoundTripper
	token string
}

// RoundTrip sends req with the token.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.token == "" {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(r)
}

// etagTransport makes GETs conditional. A 200 with an ETag is kept (body
// and the headers writ reads, up to maxCachedBody) in an etagCache; the
// next GET of the same URL sends If-None-Match, and a 304 is answered from
// the cache as a 200 marked X-From-Cache (go-github then leaves its
// rate-limit bookkeeping alone). The key is the method and URL, never the
// token: a cached body is only ever served when GitHub has just answered
// 304 to its ETag for this request and this token, so an entry another
// token (an earlier run's) stored is safe to offer. The cache can be
// persisted across runs (Client.LoadCache, Client.SaveCache).
type etagTransport struct {
	next  http.RoundTripper
	meter *meter
	cache *etagCache
}

// RoundTrip makes a GET conditional and answers a 304 from the cache.
func (t *etagTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet {
		return t.next.RoundTrip(req)
	}
	key := cacheKey(req)
	entry := t.cache.get(key)
	out := req
	if entry != nil {
		out = req.Clone(req.Context())
		out.Header.Set("If-None-Match", entry.ETag)
	}
	resp, err := t.next.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && entry != nil:
		drain(resp)
		t.meter.update(func(s *Stats) { s.NotModified++ })
		return entry.response(req, resp.Header), nil
	case resp.StatusCode == http.StatusOK && resp.Header.Get("ETag") != "":
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxCachedBody+1))
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("%w: read %s: %w", ErrUnavailable, req.URL.Path, err)
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if len(body) <= maxCachedBody {
			t.cache.put(key, newCached(resp.Header, body))
		}
	}
	return resp, nil
}

// response rebuilds the cached 200 for req, with the fresh rate-limit
// headers of the 304 that confirmed it.
func (c *cached) response(req *http.Request, fresh http.Header) *http.Response {
	h := http.Header{}
	for k, v := range c.Header {
		h.Set(k, v)
	}
	for _, k := range []string{"X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset", "X-Ratelimit-Used", "X-Ratelimit-Resource"} {
		if v := fresh.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	h.Set("X-From-Cache", "1")
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(c.Body)), ContentLength: int64(len(c.Body)), Request: req,
	}
}

// drain reads a little of a body we discard so the connection can be
// reused, and closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}
