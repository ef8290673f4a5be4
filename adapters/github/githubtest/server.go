// Package githubtest is a fake GitHub REST API on 127.0.0.1 for tests: the
// endpoints writ's GitHub adapter calls, answering with objects built from
// GitHub's own example responses (@octokit/openapi, embedded in
// fixtures/github) and checked against GitHub's response schemas as they
// are sent. It speaks GitHub's protocol where the adapter depends on it:
// pagination with Link headers (per_page up to 100), ETag and
// If-None-Match with 304, X-RateLimit-* headers, and error bodies. Faults
// (rate limits, outages) are injected on demand, and every call is
// recorded so tests can assert call counts.
package githubtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Call is one request the fake answered.
type Call struct {
	Method string
	Path   string
	Query  string
	// Op is the operationId, or "" for a route the fake does not know.
	Op     string
	Status int
	// Authorization is the request's Authorization header.
	Authorization string
	// Conditional is true when the request carried If-None-Match.
	Conditional bool
	// Counted is false only for a 304 Not Modified to an authorized
	// request, which GitHub does not count against the rate limit.
	Counted bool
}

// Fault is an answer injected instead of the real one, for the next Times
// requests (at least one) whose method and path match (empty matches any;
// Path matches as a prefix of the URL path, e.g. "/repos/o/r/pulls").
type Fault struct {
	Method string
	Path   string
	Status int
	Header http.Header
	Body   string
	Times  int
}

// Server is the fake. Its zero value is not usable; call New.
type Server struct {
	// URL is the API root, with a trailing slash, for Config.APIURL.
	URL string

	srv   *httptest.Server
	owner string
	repo  string
	now   func() time.Time
	ops   map[string]*Operation

	mu         sync.Mutex
	state      state
	calls      []Call
	faults     []*Fault
	violations []string
	remaining  int
	resetAt    time.Time
}

// New starts a fake for the repository owner/repo on 127.0.0.1, with now
// as its clock (for X-RateLimit-Reset). It is closed, and any response
// that did not match GitHub's schema fails t, when the test ends.
func New(t testing.TB, owner, repo string, now func() time.Time) *Server {
	t.Helper()
	ops, err := Operations()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{owner: owner, repo: repo, now: now, ops: ops, state: newState()}
	s.srv = httptest.NewServer(s.routes())
	s.URL = s.srv.URL + "/"
	t.Cleanup(func() {
		s.srv.Close()
		for _, v := range s.Violations() {
			t.Errorf("githubtest: %s", v)
		}
	})
	return s
}

// Calls returns every request answered so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Count returns how many requests went to an operation.
func (s *Server) Count(op string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Op == op {
			n++
		}
	}
	return n
}

// Writes returns the requests that could change GitHub (not GET or HEAD).
func (s *Server) Writes() []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Method != http.MethodGet && c.Method != http.MethodHead {
			out = append(out, c)
		}
	}
	return out
}

// ResetCalls forgets the recorded calls.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// Violations lists every response that did not match GitHub's schema.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// Inject queues a fault; faults are matched in the order queued.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times < 1 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// SetRemaining sets how many calls are left in the current rate-limit
// window (which ends an hour after it began); the next call reports n-1.
func (s *Server) SetRemaining(n int) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.resetAt.IsZero() || !now.Before(s.resetAt) {
		s.resetAt = now.Add(time.Hour)
	}
	s.remaining = n
}

// Operation returns one operation of the fixture, for tests that validate
// bodies themselves.
func (s *Server) Operation(id string) *Operation { return s.ops[id] }

// reply is what a route answers: a status and a body, or for list
// operations the items to paginate (wrap, if set, puts a page back into
// its envelope, as check runs are).
type reply struct {
	status int
	body   any
	items  []any
	wrap   func(page []any, total int) any
}

type route func(r *http.Request) reply

// handle wraps a route with everything GitHub does around it: faults,
// rate-limit headers, pagination, ETag/304, schema validation, recording.
func (s *Server) handle(op string, fn route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		rw := &rateWriter{ResponseWriter: w, s: s, authorized: auth != ""}
		// The call is recorded as its status is written, before the client
		// can read the answer: a test that reads Calls after a response
		// always sees the call that made it.
		rw.record = func(status int) {
			s.mu.Lock()
			s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Op: op, Status: status,
				Authorization: auth, Conditional: r.Header.Get("If-None-Match") != "",
				Counted: counted(status, auth != "")})
			s.mu.Unlock()
		}
		s.serve(rw, r, op, fn)
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, op string, fn route) int {
	if f := s.fault(r); f != nil {
		for k, vs := range f.Header {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
		return f.Status
	}
	if r.PathValue("owner") != "" && (r.PathValue("owner") != s.owner || r.PathValue("repo") != s.repo) {
		return writeJSON(w, http.StatusNotFound, notFound)
	}
	rep := fn(r)
	body := rep.body
	if rep.items != nil {
		page, ok := s.paginate(w, r, rep.items)
		if !ok {
			return writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed: per_page or page"})
		}
		body = page
		if rep.wrap != nil {
			body = rep.wrap(page, len(rep.items))
		}
	}
	data, err := json.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return http.StatusInternalServerError
	}
	if o := s.ops[op]; o != nil && rep.status == o.Status {
		if err := o.Validate(data); err != nil {
			s.mu.Lock()
			s.violations = append(s.violations, fmt.Sprintf("%s %s: %v", r.Method, r.URL.Path, err))
			s.mu.Unlock()
		}
	}
	if r.Method == http.MethodGet && rep.status == http.StatusOK {
		sum := sha256.Sum256(data)
		etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return http.StatusNotModified
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(rep.status)
	_, _ = w.Write(data)
	return rep.status
}

var notFound = map[string]any{"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}

func writeJSON(w http.ResponseWriter, status int, body any) int {
	data, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(data)
	return status
}

// Counted returns how many of the recorded requests GitHub would count
// against the rate limit: all but the 304s to authorized requests.
func (s *Server) Counted() int {
	n := 0
	for _, c := range s.Calls() {
		if c.Counted {
			n++
		}
	}
	return n
}

// counted reports whether GitHub counts a response against the primary
// rate limit: a 304 Not Modified to a request that carried an
// Authorization header is free ("conditional requests"), all else counts.
func counted(status int, authorized bool) bool {
	return status != http.StatusNotModified || !authorized
}

// rateWriter sets the X-RateLimit-* headers as the status is written, so
// that a free 304 leaves Remaining where it was.
type rateWriter struct {
	http.ResponseWriter
	s          *Server
	authorized bool
	record     func(status int) // called once, as the status is written
	wrote      bool
}

// WriteHeader records the call and sets the rate-limit headers for status,
// then writes it.
func (w *rateWriter) WriteHeader(status int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if w.record != nil {
		w.record(status)
	}
	w.s.rateHeaders(w.Header(), counted(status, w.authorized))
	w.ResponseWriter.WriteHeader(status)
}

// Write writes the status 200 first when no status was written, as
// net/http does.
func (w *rateWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// rateHeaders reports the primary limit as GitHub does: 5000 calls per
// hour-long window, Remaining counting down after each counted call, a
// fresh window once the reset time has passed.
func (s *Server) rateHeaders(h http.Header, count bool) {
	now := s.now()
	s.mu.Lock()
	if s.resetAt.IsZero() || !now.Before(s.resetAt) {
		s.remaining, s.resetAt = 5000, now.Add(time.Hour)
	}
	if count && s.remaining > 0 {
		s.remaining--
	}
	remaining, reset := s.remaining, s.resetAt
	s.mu.Unlock()
	// An injected fault's own headers (a rate limit's Remaining: 0) win.
	def := func(k, v string) {
		if h.Get(k) == "" {
			h.Set(k, v)
		}
	}
	def("X-RateLimit-Limit", "5000")
	def("X-RateLimit-Remaining", strconv.Itoa(remaining))
	def("X-RateLimit-Used", strconv.Itoa(5000-remaining))
	def("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	def("X-RateLimit-Resource", "core")
	def("X-GitHub-Api-Version-Selected", "2022-11-28")
}

func (s *Server) fault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if (f.Method == "" || f.Method == r.Method) && strings.HasPrefix(r.URL.Path, f.Path) {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f
		}
	}
	return nil
}

// paginate cuts one page out of items as GitHub does (per_page default 30,
// at most 100; page from 1) and sets the Link header.
func (s *Server) paginate(w http.ResponseWriter, r *http.Request, items []any) ([]any, bool) {
	q := r.URL.Query()
	per, page := 30, 1
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, false
		}
		per = min(n, 100)
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, false
		}
		page = n
	}
	last := max(1, (len(items)+per-1)/per)
	link := func(p int, rel string) string {
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(per))
		return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, s.srv.URL, r.URL.Path, q.Encode(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	from := min(len(items), (page-1)*per)
	to := min(len(items), from+per)
	return append([]any{}, items[from:to]...), true
}

// decode reads a JSON request body.
func decode(r *http.Request, v any) error {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		return err
	}
	return json.Unmarshal(buf.Bytes(), v)
}
