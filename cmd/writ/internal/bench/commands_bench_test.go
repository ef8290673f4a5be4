//go:build unix

package bench_test

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/writ-dev/writ/cmd/writ/cli"
)

// BenchmarkCommands runs `writ propose`, `writ approve` and `writ gate` in
// process, as a user would, on a copy of the synthetic repo of
// -bench.entries entries whose checkpoint is at main's head: the cost of
// one command, loading the state included. Each propose creates a new
// instance (create needs no approval); each approve is alice's approval of
// a proposal made outside the timer; each reconcile applies one such
// proposal (the one-entry reconcile); gate judges one proposal. Besides
// wall time, each reports the CPU time of the timed part (cpu-ns/op: user
// plus system time of the process), which a busy shared machine disturbs
// less than wall time; propose and approve wait mostly on fsync. Run with
//
//	go test ./cmd/writ/internal/bench -run '^$' -bench Commands -bench.entries 10000
func BenchmarkCommands(b *testing.B) {
	r := syntheticRepo(b)
	dir := filepath.Join(b.TempDir(), "control.git")
	if err := copyTree(r.Dir, dir); err != nil {
		b.Fatal(err)
	}
	writ := func(b *testing.B, args ...string) string {
		var out, errOut bytes.Buffer
		if args[0] == "propose" || args[0] == "approve" || args[0] == "reconcile" { // the commands that sign take --keys
			args = append([]string{"--keys", r.Keys}, args...)
		}
		args = append([]string{"--repo", dir}, args...)
		if code := cli.Main(args, &out, &errOut); code != cli.ExitOK {
			b.Fatalf("writ %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
		}
		return out.String()
	}
	n := 0
	propose := func(b *testing.B) string {
		n++
		instance := fmt.Sprintf("bench-cmd-%d", n)
		out := writ(b, "propose", "--as", "deploy-agent", "--instance", instance, "--transition", "create",
			"--owner", "team-bench", "--name", "create")
		if !strings.Contains(out, "gate proposals/"+instance+"/create: READY") {
			b.Fatalf("propose %s: no ready verdict in\n%s", instance, out)
		}
		return instance + "/create"
	}
	b.Run("propose", func(b *testing.B) {
		var cpu time.Duration
		for i := 0; i < b.N; i++ {
			t := cpuTime(b)
			propose(b)
			cpu += cpuTime(b) - t
		}
		reportCPU(b, cpu)
	})
	b.Run("approve", func(b *testing.B) {
		var cpu time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			name := propose(b)
			b.StartTimer()
			t := cpuTime(b)
			if out := writ(b, "approve", name, "--as", "alice"); !strings.Contains(out, "approved "+name) {
				b.Fatalf("approve %s:\n%s", name, out)
			}
			cpu += cpuTime(b) - t
		}
		reportCPU(b, cpu)
	})
	b.Run("reconcile", func(b *testing.B) {
		// One ready proposal made outside the timer, and the reconcile
		// that applies it: `writ bench`'s one-entry reconcile.
		var cpu time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			name := propose(b)
			b.StartTimer()
			t := cpuTime(b)
			if out := writ(b, "reconcile"); !strings.Contains(out, "applied proposals/"+name) {
				b.Fatalf("reconcile:\n%s", out)
			}
			cpu += cpuTime(b) - t
		}
		reportCPU(b, cpu)
	})
	b.Run("gate", func(b *testing.B) {
		name := propose(b)
		b.ResetTimer()
		t := cpuTime(b)
		for i := 0; i < b.N; i++ {
			if out := writ(b, "gate", name); !strings.Contains(out, ": READY") {
				b.Fatalf("gate %s:\n%s", name, out)
			}
		}
		reportCPU(b, cpuTime(b)-t)
	})
}

// cpuTime is the user plus system CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// copyTree copies a directory of regular files (a bare repository).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}
