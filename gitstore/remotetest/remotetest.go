// Package remotetest serves bare git repositories over smart HTTP on
// 127.0.0.1 for tests: the real `git http-backend` behind net/http/cgi, so
// fetches and pushes go through git's own upload-pack and receive-pack,
// and a push's compare-and-swap is checked by receive-pack under git's ref
// lock, exactly as on a git host. ServeDaemon serves the same repository
// with `git daemon` too, and Proxy relays TCP connections to either while
// delaying, cutting and resetting them. RequireToken makes the server
// demand credentials as GitHub does, and Checkout clones it as
// actions/checkout does (its token persisted as an extraheader, shallow or
// not). It is test support and is not used in production.
package remotetest

import (
	"bytes"
	"fmt"
	"log"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Server is one bare repository served over HTTP. It is closed by the
// test's Cleanup, which waits for requests in flight; every request is a
// short-lived git process, so it stops by itself.
type Server struct {
	// Dir is the bare repository on disk.
	Dir string
	// URL is the repository's clone URL, http://127.0.0.1:<port>/repo.git.
	URL string

	root    string   // GIT_PROJECT_ROOT, Dir's parent
	env     []string // git's environment
	pushes  atomic.Int64
	fetches atomic.Int64
	stderr  lockedBuffer
	srv     *httptest.Server
	// drops counts receive-pack requests still to be served without an
	// answer; down makes every request fail.
	drops atomic.Int64
	down  atomic.Bool
	// limit bounds each git http-backend run (a time.Duration).
	limit atomic.Int64
	// auth holds the tokens the server demands (see RequireToken).
	auth tokenAuth
}

// lockedBuffer collects git's stderr from concurrent requests.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// New creates an empty bare repository whose HEAD is refs/heads/main,
// with pushes enabled (http.receivepack), and serves it. It skips the test
// when git is not installed.
func New(t testing.TB) *Server {
	t.Helper()
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skipf("git not installed: %v", err)
	}
	root := t.TempDir()
	home := t.TempDir()
	dir := filepath.Join(root, "repo.git")
	env := isolatedEnv(home)
	for _, args := range [][]string{
		{"init", "--quiet", "--bare", "--initial-branch=main", dir},
		{"-C", dir, "config", "http.receivepack", "true"},
		// Keep every pushed object: tests inspect the repository after
		// the run.
		{"-C", dir, "config", "gc.auto", "0"},
		{"-C", dir, "config", "receive.autogc", "false"},
	} {
		cmd := exec.Command(gitBin, args...)
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
	}
	s := &Server{Dir: dir, root: root, env: env}
	s.limit.Store(int64(BackendLimit))
	backend := &cgi.Handler{
		Path: gitBin,
		Args: []string{"http-backend"},
		Dir:  root,
		Env: append(env,
			"GIT_PROJECT_ROOT="+root,
			"GIT_HTTP_EXPORT_ALL=1",
		),
		Stderr: &s.stderr,
		// A client that hangs up mid-answer is expected (killed
		// reconcilers, a faulty proxy): its copy error goes with git's
		// stderr, not to the test log.
		Logger: log.New(&s.stderr, "remotetest: ", 0),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.down.Load() {
			http.Error(w, "remotetest: server down", http.StatusServiceUnavailable)
			return
		}
		if !s.authorize(w, r) {
			return
		}
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-receive-pack"):
			s.pushes.Add(1)
			if s.drops.Add(-1) >= 0 {
				// Apply the push, then hang up without an answer.
				s.bounded(backend).ServeHTTP(httptest.NewRecorder(), r)
				if hj, ok := w.(http.Hijacker); ok {
					if conn, _, err := hj.Hijack(); err == nil {
						conn.Close()
						return
					}
				}
				http.Error(w, "remotetest: answer dropped", http.StatusBadGateway)
				return
			}
			s.drops.Store(0)
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-upload-pack"):
			s.fetches.Add(1)
		}
		s.bounded(backend).ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL + "/repo.git"
	return s
}

// DropAnswers makes the next n pushes take effect on the repository but
// lose their answer: the connection is closed before any response, as when
// the network fails after the server committed.
func (s *Server) DropAnswers(n int) { s.drops.Store(int64(n)) }

// SetDown makes every request fail with 503 Service Unavailable (true) or
// serves again (false).
func (s *Server) SetDown(down bool) { s.down.Store(down) }

// Pushes counts the receive-pack requests served so far (accepted or not).
func (s *Server) Pushes() int64 { return s.pushes.Load() }

// Stderr returns what the git processes serving requests wrote to their
// standard error (receive-pack explains refused ref updates there: "cannot
// lock ref 'refs/heads/main': is at X but expected Y").
func (s *Server) Stderr() string { return s.stderr.String() }

// Fetches counts the upload-pack requests served so far.
func (s *Server) Fetches() int64 { return s.fetches.Load() }

// isolatedEnv is the environment of git processes: their own HOME, no
// system or global config, no inherited GIT_* variables, the C locale.
func isolatedEnv(home string) []string {
	env := []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"GIT_CONFIG_NOSYSTEM=1",
		"LC_ALL=C",
	}
	if p, ok := os.LookupEnv("PATH"); ok {
		env = append(env, "PATH="+p)
	}
	return env
}

// backendLimit replaces the time limit of each git http-backend run.
func (s *Server) backendLimit(d time.Duration) { s.limit.Store(int64(d)) }

// BackendLimit bounds each git http-backend run. git 2.39's http-backend
// reads a request body of known length in a loop that never ends when the
// body stops short (a client killed mid-push, a connection cut by a faulty
// proxy): it reads end of file forever, on a full core, and the server's
// Close waits for it. Under the limit it is killed (SIGKILL, by
// coreutils' timeout) and the test server stops by itself.
const BackendLimit = 60 * time.Second

// bounded returns backend run under the server's time limit, through
// coreutils' timeout when it is installed.
func (s *Server) bounded(backend *cgi.Handler) *cgi.Handler {
	timeoutBin, err := exec.LookPath("timeout")
	if err != nil {
		return backend
	}
	h := *backend
	secs := fmt.Sprintf("%.3f", time.Duration(s.limit.Load()).Seconds())
	h.Args = append([]string{"-s", "KILL", secs, backend.Path}, backend.Args...)
	h.Path = timeoutBin
	return &h
}
