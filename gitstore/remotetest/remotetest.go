// Package remotetest serves bare git repositories over smart HTTP on
// 127.0.0.1 for tests: the real `git http-backend` behind net/http/cgi, so
// fetches and pushes go through git's own upload-pack and receive-pack,
// and a push's compare-and-swap is checked by receive-pack under git's ref
// lock, exactly as on a git host. It is test support and is not used in
// production.
package remotetest

import (
	"bytes"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// Server is one bare repository served over HTTP. It is closed by the
// test's Cleanup, which waits for requests in flight; every request is a
// short-lived git process, so it stops by itself.
type Server struct {
	// Dir is the bare repository on disk.
	Dir string
	// URL is the repository's clone URL, http://127.0.0.1:<port>/repo.git.
	URL string

	pushes  atomic.Int64
	fetches atomic.Int64
	srv     *httptest.Server
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
	s := &Server{Dir: dir}
	backend := &cgi.Handler{
		Path: gitBin,
		Args: []string{"http-backend"},
		Dir:  root,
		Env: append(env,
			"GIT_PROJECT_ROOT="+root,
			"GIT_HTTP_EXPORT_ALL=1",
		),
		Stderr: os.Stderr,
	}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-receive-pack"):
			s.pushes.Add(1)
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-upload-pack"):
			s.fetches.Add(1)
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL + "/repo.git"
	return s
}

// Pushes counts the receive-pack requests served so far (accepted or not).
func (s *Server) Pushes() int64 { return s.pushes.Load() }

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
