// Package gittest runs the real git and ssh-keygen binaries in tests, in an
// isolated environment: a temporary HOME, no system config, no inherited GIT_*
// variables, fixed author and committer, UTC and the C locale. It is test
// support for gitstore and its subpackages and is not used in production.
package gittest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Fixed identity and date used for commits made by the git client.
const (
	Name  = "Writ Test"
	Email = "test@writ.invalid"
	Date  = "2026-01-02T03:04:05Z"
)

// Git runs git and ssh-keygen with an isolated environment. Each Git has its
// own temporary HOME; it is safe for concurrent use.
type Git struct {
	t    testing.TB
	Home string
	env  []string
}

// New returns a Git runner, skipping the test when git is not installed.
func New(t testing.TB) *Git {
	t.Helper()
	Require(t, "git")
	home := t.TempDir()
	env := []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=" + Name,
		"GIT_AUTHOR_EMAIL=" + Email,
		"GIT_AUTHOR_DATE=" + Date,
		"GIT_COMMITTER_NAME=" + Name,
		"GIT_COMMITTER_EMAIL=" + Email,
		"GIT_COMMITTER_DATE=" + Date,
		"TZ=UTC",
		"LC_ALL=C",
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "GIT_"), k == "HOME", k == "XDG_CONFIG_HOME",
			k == "TZ", k == "LC_ALL", strings.HasPrefix(k, "SSH_"):
			continue
		}
		env = append(env, kv)
	}
	return &Git{t: t, Home: home, env: env}
}

// Require skips the test when the named binary is not on PATH.
func Require(t testing.TB, bin string) {
	t.Helper()
	if _, err := exec.LookPath(bin); err != nil {
		t.Skipf("%s not installed: %v", bin, err)
	}
}

// Exec runs name with args in dir and returns stdout, stderr and the error.
func (g *Git) Exec(dir, name string, args ...string) (stdout, stderr string, err error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = g.env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// Run runs git with args in dir and fails the test on error. It returns
// stdout.
func (g *Git) Run(dir string, args ...string) string {
	g.t.Helper()
	out, errOut, err := g.Exec(dir, "git", args...)
	if err != nil {
		g.t.Fatalf("git %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// RunInput runs git with stdin and fails the test on error.
func (g *Git) RunInput(dir, stdin string, args ...string) string {
	g.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = g.env
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		g.t.Fatalf("git %s: %v\nstderr:\n%s", strings.Join(args, " "), err, e.String())
	}
	return o.String()
}

// Fsck runs `git fsck --strict --no-dangling` on the repository in dir and
// fails the test on any complaint (notices such as an unborn HEAD are
// ignored).
func (g *Git) Fsck(dir string) {
	g.t.Helper()
	out, errOut, err := g.Exec(dir, "git", "fsck", "--strict", "--no-dangling", "--full")
	var complaints []string
	for _, l := range strings.Split(errOut, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "notice:") {
			complaints = append(complaints, l)
		}
	}
	if err != nil || len(complaints) > 0 {
		g.t.Fatalf("git fsck --strict: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
}
