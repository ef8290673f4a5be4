package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// demoState returns the state line printed by the demo's replay step.
func demoState(t *testing.T, out string) string {
	t.Helper()
	_, after, ok := strings.Cut(out, "$ writ replay\n")
	if !ok {
		t.Fatalf("demo output has no replay step:\n%s", out)
	}
	for _, l := range strings.Split(after, "\n") {
		if stateLine.MatchString(l) {
			return l
		}
		if strings.HasPrefix(l, "$ writ ") {
			break
		}
	}
	t.Fatalf("the demo's replay step printed no %q line:\n%s", stateLine, after)
	return ""
}

// inOrder fails the test unless out holds every step, in order.
func inOrder(t *testing.T, out string, steps []string) {
	t.Helper()
	at := 0
	for _, s := range steps {
		i := strings.Index(out[at:], s)
		if i < 0 {
			t.Fatalf("demo output: %q missing (or out of order) after offset %d:\n%s", s, at, out)
		}
		at += i + len(s)
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	r := runWrit("demo")
	if r.code != ExitOK {
		t.Fatalf("writ demo: %s", r)
	}
	out := r.out
	// The key steps, in order.
	steps := []string{
		"$ writ init",
		"gate proposals/web-1/ship: WAITING",
		"$ writ approve web-1/ship --as deploy-agent",
		"author cannot approve",
		"$ writ approve web-1/ship --as bob",
		"gate proposals/web-1/ship: READY",
		"applied proposals/web-1/ship",
		"$ writ replay",
		"$ writ log",
		"demo finished",
	}
	inOrder(t, out, steps)
	demoState(t, out)
	if strings.Contains(out, "The control repo is in") {
		t.Errorf("demo without --dir claims to leave a repo behind")
	}
}

func TestDemoDirReplays(t *testing.T) {
	t.Parallel()
	repo, out := sharedDemo(t)
	want := demoState(t, out)
	if !strings.Contains(out, "The control repo is in "+repo) {
		t.Errorf("demo --dir does not say where the repo is:\n%s", out)
	}
	r := writWant(t, ExitOK, "--repo", repo, "replay")
	if got := lastLine(r.out); got != want {
		t.Errorf("replay of the demo repo: last line %q, want the demo's %q", got, want)
	}
	if got := instanceState(t, repo, "web-1"); got != "released" {
		t.Errorf("web-1 is in %q after the demo, want released", got)
	}
	// 1 genesis + create + 4 walk steps + ship.
	if l := readLog(t, repo); len(l) != 7 {
		t.Errorf("demo log has %d entries, want 7", len(l))
	}
}

func TestDemoDirRefusesExistingRepo(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "d")
	writWant(t, ExitOK, "init", "-q", dir)
	r := runWrit("demo", "--dir", dir)
	if r.code == ExitOK || !strings.Contains(r.out+r.err, "already holds a git repository") {
		t.Fatalf("demo --dir on an existing repo: want a failure naming the existing repo, got %s", r)
	}
}
