package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// sharedDir holds repos built once for the whole package (the demo repo).
// Tests must treat them as read-only; copy them with copyRepo to mutate.
var sharedDir string

func TestMain(m *testing.M) {
	if dir := os.Getenv(fakeGitsignEnv); dir != "" {
		// Run as the gitsign-like signing program (gitsign_fake_test.go).
		if err := runFakeGitsign(dir, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "writ-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sharedDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// stateLine matches the last line of a successful replay.
var stateLine = regexp.MustCompile(`^state sha256:[0-9a-f]{64}$`)

// writResult is one in-process run of the CLI.
type writResult struct {
	code     int
	out, err string
}

func (r writResult) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.out, r.err)
}

// runWrit runs writ in-process and returns its exit code and output.
func runWrit(args ...string) writResult {
	var o, e bytes.Buffer
	code := Main(args, &o, &e)
	return writResult{code: code, out: o.String(), err: e.String()}
}

// writWant runs writ and fails the test unless it exits with want.
func writWant(t testing.TB, want int, args ...string) writResult {
	t.Helper()
	r := runWrit(args...)
	if r.code != want {
		t.Fatalf("writ %s: want exit %d, got %s", strings.Join(args, " "), want, r)
	}
	return r
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// gitEnv runs the real git and ssh-keygen in an isolated environment: its
// own HOME, no system config, fixed author and committer, no inherited
// GIT_* or SSH_* variables.
type gitEnv struct {
	t   testing.TB
	env []string
}

func newGit(t testing.TB) *gitEnv {
	t.Helper()
	for _, bin := range []string{"git", "ssh-keygen"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed: %v", bin, err)
		}
	}
	home := t.TempDir()
	env := []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Writ Test", "GIT_AUTHOR_EMAIL=test@writ.invalid",
		"GIT_COMMITTER_NAME=Writ Test", "GIT_COMMITTER_EMAIL=test@writ.invalid",
		"TZ=UTC", "LC_ALL=C",
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "GIT_"), strings.HasPrefix(k, "SSH_"),
			k == "HOME", k == "XDG_CONFIG_HOME", k == "TZ", k == "LC_ALL":
			continue
		}
		env = append(env, kv)
	}
	return &gitEnv{t: t, env: env}
}

// exec runs git with args in dir, with stdin, and returns its output.
func (g *gitEnv) exec(dir, stdin string, args ...string) (string, string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = g.env
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	return o.String(), e.String(), err
}

// run runs git and fails the test on error; it returns stdout.
func (g *gitEnv) run(dir string, args ...string) string {
	g.t.Helper()
	return g.runInput(dir, "", args...)
}

func (g *gitEnv) runInput(dir, stdin string, args ...string) string {
	g.t.Helper()
	out, errOut, err := g.exec(dir, stdin, args...)
	if err != nil {
		g.t.Fatalf("git %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// keyPath is where writ init put an identity's private key.
func keyPath(repo, identity string) string {
	return filepath.Join(repo, ".git", "writ", "keys", identity)
}

// signWith returns git options that sign with an SSH private key.
func signWith(key string) []string {
	return []string{"-c", "gpg.format=ssh", "-c", "user.signingkey=" + key}
}

// gitProposal makes a proposal branch with stock git: a worktree on a new
// branch forked from main, files written and committed with `git commit`
// (signed with -S when key is set), then the worktree is removed.
func (g *gitEnv) gitProposal(repo, branch, key string, files map[string]string) string {
	g.t.Helper()
	wt := filepath.Join(g.t.TempDir(), "wt")
	g.run(repo, "worktree", "add", "-q", "-b", branch, wt, "main")
	for name, body := range files {
		p := filepath.Join(wt, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			g.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			g.t.Fatal(err)
		}
	}
	g.run(wt, "add", "-A")
	args := []string{"commit", "-q", "-m", "propose " + branch}
	if key != "" {
		args = append(append(signWith(key), "commit", "-S"), args[1:]...)
	}
	g.run(wt, args...)
	head := strings.TrimSpace(g.run(wt, "rev-parse", "HEAD"))
	g.run(repo, "worktree", "remove", "--force", wt)
	return head
}

// newControlRepo runs `writ init` in a fresh directory and returns it.
func newControlRepo(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "control")
	writWant(t, ExitOK, "init", "-q", dir)
	return dir
}

// walkToApproved creates instance and walks it to "approved" the way the
// demo does, so that ship is the next transition.
func walkToApproved(t testing.TB, repo, instance string) {
	t.Helper()
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", instance,
		"--transition", "create", "--owner", "web-team")
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	for _, tr := range []string{"verify", "tests-pass", "security-clear", "approve-release"} {
		writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", instance, "--transition", tr)
		writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	}
	if got := instanceState(t, repo, instance); got != "approved" {
		t.Fatalf("after the walk %s is in %q, want approved", instance, got)
	}
}

// stateJSON is the part of `writ state --json` the tests read.
type stateJSON struct {
	State     string `json:"state"`
	Main      string `json:"main"`
	Instances []struct {
		ID      string `json:"id"`
		State   string `json:"state"`
		Version int    `json:"version"`
		Hash    string `json:"hash"`
	} `json:"instances"`
}

func readState(t testing.TB, repo string) stateJSON {
	t.Helper()
	r := writWant(t, ExitOK, "--repo", repo, "state", "--json")
	var s stateJSON
	if err := json.Unmarshal([]byte(r.out), &s); err != nil {
		t.Fatalf("state --json: %v\n%s", err, r.out)
	}
	return s
}

// instanceState returns the instance's state, or "" if it does not exist.
func instanceState(t testing.TB, repo, id string) string {
	t.Helper()
	for _, in := range readState(t, repo).Instances {
		if in.ID == id {
			return in.State
		}
	}
	return ""
}

// logEntry is the part of `writ log --json` the tests read.
type logEntry struct {
	Commit    string `json:"commit"`
	Kind      string `json:"kind"`
	Instance  string `json:"instance"`
	StatePost string `json:"state_post"`
}

func readLog(t testing.TB, repo string) []logEntry {
	t.Helper()
	r := writWant(t, ExitOK, "--repo", repo, "log", "--json")
	var l []logEntry
	if err := json.Unmarshal([]byte(r.out), &l); err != nil {
		t.Fatalf("log --json: %v\n%s", err, r.out)
	}
	return l
}

var (
	demoOnce sync.Once
	demoRepo string
	demoOut  string
	demoCode int
)

// sharedDemo returns a control repo left behind by `writ demo --dir` and
// the demo's output. It is built once; treat it as read-only.
func sharedDemo(t testing.TB) (string, string) {
	t.Helper()
	demoOnce.Do(func() {
		demoRepo = filepath.Join(sharedDir, "demo")
		r := runWrit("demo", "--dir", demoRepo)
		demoOut, demoCode = r.out+r.err, r.code
	})
	if demoCode != ExitOK {
		t.Fatalf("writ demo --dir: exit %d\n%s", demoCode, demoOut)
	}
	return demoRepo, demoOut
}

// copyRepo copies a repo (with its keys and refs) into a fresh directory.
func copyRepo(t testing.TB, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy")
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp -a: %v\n%s", err, out)
	}
	return dst
}

// gateOut is the part of `writ gate --json` the tests read.
type gateOut struct {
	Proposal string   `json:"proposal"`
	Verdict  string   `json:"verdict"`
	Reason   string   `json:"reason"`
	Proposer string   `json:"proposer"`
	Problems []string `json:"problems"`
}

// gateVerdict runs `writ gate --json` and decodes its output.
func gateVerdict(t testing.TB, repo, proposal string) (int, gateOut) {
	t.Helper()
	r := runWrit("--repo", repo, "gate", "--json", proposal)
	var g gateOut
	if err := json.Unmarshal([]byte(r.out), &g); err != nil {
		t.Fatalf("gate --json %s: %v\n%s", proposal, err, r)
	}
	return r.code, g
}
