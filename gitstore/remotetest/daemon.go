package remotetest

import (
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ServeDaemon serves the same repository with `git daemon --listen=127.0.0.1
// --enable=receive-pack` too, and returns its clone URL,
// git://127.0.0.1:<port>/repo.git. The daemon is stopped by the test's
// Cleanup.
func (s *Server) ServeDaemon(t testing.TB) string {
	t.Helper()
	// git-daemon itself, not `git daemon`: killing the git wrapper would
	// leave the daemon running.
	execPath, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Fatalf("git --exec-path: %v", err)
	}
	daemon := filepath.Join(strings.TrimSpace(string(execPath)), "git-daemon")
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(daemon, "--listen=127.0.0.1", "--port="+strconv.Itoa(port), "--reuseaddr",
			"--base-path="+s.root, "--export-all", "--enable=receive-pack", "--informative-errors", s.root)
		cmd.Env = s.env
		// Output to /dev/null: the daemon's children inherit it, and a
		// pipe would keep Wait waiting for them.
		cmd.Stdout, cmd.Stderr = nil, nil
		cmd.WaitDelay = time.Second
		if err := cmd.Start(); err != nil {
			t.Fatalf("git daemon: %v", err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
				return "git://" + addr + "/" + filepath.Base(s.Dir)
			}
			if cmd.ProcessState != nil {
				break
			}
		}
		cmd.Process.Kill()
		cmd.Wait()
		lastErr = fmt.Errorf("git daemon did not listen on %s", addr)
	}
	t.Fatal(lastErr)
	return ""
}

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
