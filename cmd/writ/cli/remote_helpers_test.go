package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/writ-dev/writ/gitstore/remotetest"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// writBinary builds the writ binary once per test run, so reconcilers can
// run as separate processes.
func writBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binPath = filepath.Join(sharedDir, "bin", "writ")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/writ-dev/writ/cmd/writ")
		out, err := cmd.CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// remoteFixture is a control repo published on a git server, with open
// create proposals pushed as branches, and the keys every reconciler uses.
type remoteFixture struct {
	t         testing.TB
	g         *gitEnv
	srv       *remotetest.Server
	seed      string
	keys      string
	proposals int
}

// newRemoteFixture runs writ init, pushes main and the checkpoint to a
// fresh git server, and proposes n creates of distinct instances as
// deploy-agent, pushed as branches in one push.
func newRemoteFixture(t testing.TB, n int) *remoteFixture {
	t.Helper()
	g := newGit(t)
	f := &remoteFixture{t: t, g: g, srv: remotetest.New(t), seed: newControlRepo(t), proposals: n}
	f.keys = filepath.Join(f.seed, ".git", "writ", "keys")
	g.run(f.seed, "remote", "add", "origin", f.srv.URL)
	for i := 0; i < n; i++ {
		writWant(t, ExitOK, "--repo", f.seed, "propose", "-q", "--as", "deploy-agent",
			"--instance", fmt.Sprintf("svc-%04d", i), "--transition", "create", "--owner", "web-team")
	}
	push := []string{"push", "-q", "origin", "main", "refs/writ/checkpoint"}
	if n > 0 {
		push = append(push, "refs/heads/proposals/*:refs/heads/proposals/*")
	}
	g.run(f.seed, push...)
	return f
}

// clone makes a reconciler's own git clone of the server.
func (f *remoteFixture) clone(name string) string {
	f.t.Helper()
	dir := filepath.Join(f.t.TempDir(), name)
	f.g.run("", "clone", "-q", f.srv.URL, dir)
	return dir
}

// procResult is one run of the writ binary.
type procResult struct {
	code     int
	out, err string
	took     time.Duration
}

func (r procResult) String() string {
	return fmt.Sprintf("exit %d after %v\nstdout:\n%s\nstderr:\n%s", r.code, r.took, r.out, r.err)
}

// run runs the writ binary as its own process with extra environment.
func (f *remoteFixture) run(ctx context.Context, env []string, args ...string) procResult {
	cmd := exec.CommandContext(ctx, writBinary(f.t), args...)
	cmd.Env = append(append([]string(nil), f.g.env...), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	start := time.Now()
	err := cmd.Run()
	r := procResult{out: o.String(), err: e.String(), took: time.Since(start)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		r.code, r.err = -1, r.err+err.Error()
	}
	return r
}

// reconcile runs `writ reconcile --remote origin` in a clone.
func (f *remoteFixture) reconcile(ctx context.Context, clone string, env []string, extra ...string) procResult {
	args := append([]string{"--repo", clone, "--keys", f.keys, "reconcile", "--remote", "origin"}, extra...)
	return f.run(ctx, env, args...)
}

// summaryLine matches what remote reconcile prints, even on failure.
var summaryLine = regexp.MustCompile(`(?m)^remote origin: (\d+) entries in (\d+) pushes, (\d+) lost races$`)

// summary reads entries, pushes and lost races from a run's output.
func summary(out string) (entries, pushes, races int, ok bool) {
	m := summaryLine.FindStringSubmatch(out)
	if m == nil {
		return 0, 0, 0, false
	}
	entries, _ = strconv.Atoi(m[1])
	pushes, _ = strconv.Atoi(m[2])
	races, _ = strconv.Atoi(m[3])
	return entries, pushes, races, true
}

// auditJSON is the part of `writ log --json` the remote tests read.
type auditJSON struct {
	Commit   string `json:"commit"`
	Kind     string `json:"kind"`
	Instance string `json:"instance"`
	IdemKey  string `json:"idem_key"`
	Proposal string `json:"proposal"`
}

// verifyRemote checks the server's log from a fresh clone (with the
// checkpoint): replay passes and agrees with the checkpoint, main holds
// genesis plus one entry per proposal, no proposal path or idem_key twice,
// the checkpoint covers main's head, and git fsck is clean.
func (f *remoteFixture) verifyRemote() {
	t := f.t
	t.Helper()
	dir := f.clone("verify")
	f.g.run(dir, "fetch", "-q", "origin", "refs/writ/checkpoint:refs/writ/checkpoint")
	r := writWant(t, ExitOK, "--repo", dir, "replay")
	if !stateLine.MatchString(lastLine(r.out)) {
		t.Fatalf("replay: %s", r)
	}
	r = writWant(t, ExitOK, "--repo", dir, "log", "--json")
	var entries []auditJSON
	if err := json.Unmarshal([]byte(r.out), &entries); err != nil {
		t.Fatalf("log --json: %v", err)
	}
	if len(entries) != 1+f.proposals {
		t.Fatalf("main holds %d entries, want 1 + %d proposals", len(entries), f.proposals)
	}
	paths, keys := map[string]bool{}, map[string]bool{}
	for _, en := range entries[1:] {
		if paths[en.Proposal] {
			t.Errorf("%s applied twice", en.Proposal)
		}
		if keys[en.Instance+"/"+en.IdemKey] {
			t.Errorf("idem_key %s of %s applied twice", en.IdemKey, en.Instance)
		}
		paths[en.Proposal], keys[en.Instance+"/"+en.IdemKey] = true, true
	}
	for _, b := range strings.Fields(f.g.run(f.srv.Dir, "for-each-ref", "--format=%(refname:lstrip=2)", "refs/heads/proposals/")) {
		if !paths[b+".yaml"] {
			t.Errorf("proposal %s was never applied", b)
		}
	}
	head := strings.TrimSpace(f.g.run(dir, "rev-parse", "main"))
	at := strings.TrimSpace(f.g.run(dir, "log", "-1", "--format=%(trailers:key=Writ-Checkpoint-At,valueonly)", "refs/writ/checkpoint"))
	if at != head {
		t.Errorf("the remote checkpoint covers %s, main is %s", at, head)
	}
	if out, errOut, err := f.g.exec(f.srv.Dir, "", "fsck", "--strict", "--no-dangling"); err != nil {
		t.Errorf("git fsck on the server: %v\n%s%s", err, out, errOut)
	}
}
