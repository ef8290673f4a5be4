package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hugeProposalBytes is the size of the attack proposal: 500 MB of zeros,
// which deflate to about half a megabyte.
const hugeProposalBytes = 500 << 20

// maxRefusalRSS is the peak resident memory allowed to a writ process
// that refuses such a proposal.
const maxRefusalRSS = 60 << 20

// hugeProposal commits a proposals/web-1/ship.yaml of size zero bytes,
// signed by deploy-agent, on a proposal branch of repo forked from main,
// with the git CLI. The file is sparse, so neither the test nor the disk
// holds its bytes; git deflates it into a loose object, or, with packed,
// streams it into a pack (core.bigFileThreshold), as a push would leave
// it. It returns the branch's head.
func hugeProposal(t *testing.T, g *gitEnv, repo string, size int64, packed bool) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "ship.yaml")
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	hashObject := []string{"hash-object", "-w", src}
	if packed {
		hashObject = append([]string{"-c", "core.bigFileThreshold=1m"}, hashObject...)
	}
	blob := strings.TrimSpace(g.run(repo, hashObject...))
	if got := strings.TrimSpace(g.run(repo, "cat-file", "-s", blob)); got != strconv.FormatInt(size, 10) {
		t.Fatalf("blob %s is %s bytes", blob, got)
	}
	idx := &gitEnv{t: t, env: append(append([]string(nil), g.env...), "GIT_INDEX_FILE="+filepath.Join(t.TempDir(), "index"))}
	idx.run(repo, "read-tree", "main")
	idx.run(repo, "update-index", "--add", "--cacheinfo", "100644,"+blob+",proposals/web-1/ship.yaml")
	tree := strings.TrimSpace(idx.run(repo, "write-tree"))
	args := append(signWith(keyPath(repo, "deploy-agent")), "commit-tree", "-S", "-p", "main", "-m", "propose web-1 ship", tree)
	head := strings.TrimSpace(g.run(repo, args...))
	g.run(repo, "update-ref", "refs/heads/proposals/web-1/ship", head)
	return head
}

// runMeasured runs the writ binary with args and returns its exit code,
// output and peak resident memory in bytes (getrusage's ru_maxrss, which
// Linux gives in KiB).
func runMeasured(t *testing.T, args ...string) (int, string, int64, time.Duration) {
	t.Helper()
	cmd := exec.Command(writBinary(t), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("writ %s: %v", strings.Join(args, " "), err)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Fatal("no rusage for the writ process")
	}
	return code, out.String(), ru.Maxrss << 10, took
}

// A huge proposal is refused from its object header: the refusal names
// the path, the size and the limit, and costs neither the memory nor the
// time of inflating it, whether the blob is loose or packed. Reconcile
// refuses it the same way and applies nothing. (The wall time is logged,
// not asserted; the README states it.)
func TestHugeProposalRefusedFromHeader(t *testing.T) {
	for _, tt := range []struct {
		name   string
		packed bool
	}{{"loose", false}, {"packed", true}} {
		t.Run(tt.name, func(t *testing.T) {
			g := newGit(t)
			repo := newControlRepo(t)
			hugeProposal(t, g, repo, hugeProposalBytes, tt.packed)
			want := "proposals/web-1/ship.yaml: 524288000 bytes, over the 1 MiB limit"
			for _, args := range [][]string{{"gate", "web-1/ship"}, {"reconcile"}} {
				code, out, rss, took := runMeasured(t, append([]string{"--repo", repo}, args...)...)
				t.Logf("writ %s: exit %d, peak RSS %.1f MB, %v", args[0], code, float64(rss)/(1<<20), took)
				if !strings.Contains(out, want) {
					t.Errorf("writ %s: want the refusal %q, got exit %d:\n%s", args[0], want, code, out)
				}
				if args[0] == "gate" && code != ExitRefused {
					t.Errorf("writ gate: exit %d, want %d", code, ExitRefused)
				}
				if rss > maxRefusalRSS {
					t.Errorf("writ %s: peak RSS %d bytes, over %d", args[0], rss, maxRefusalRSS)
				}
			}
			if n := len(readLog(t, repo)); n != 1 {
				t.Errorf("reconcile applied the huge proposal: %d entries", n)
			}
		})
	}
}
