package gitstore

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gittest"
	"github.com/writ-dev/writ/gitstore/remotetest"
)

// ageLock makes a lock file look abandoned long ago.
func ageLock(t *testing.T, path string) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

// TestLeftoverLocks: a "<ref>.lock" left by a writer killed at any moment
// (empty, or holding the value it was about to write) never makes ref
// listing fail nor shows up as a ref, and once abandoned it is recovered
// by the next update of that ref.
func TestLeftoverLocks(t *testing.T) {
	for _, ref := range []string{MainRef, CheckpointRef, "refs/remotes/origin/main", "refs/heads/proposals/i-1"} {
		for _, content := range []string{"", "value"} {
			t.Run(ref+"/"+map[string]string{"": "empty", "value": "with-id"}[content], func(t *testing.T) {
				s := newStore(t)
				c1 := mustCommit(t, s, 1, nil, map[string]string{"f": "1"})
				c2 := mustCommit(t, s, 2, []plumbing.Hash{c1}, map[string]string{"f": "2"})
				for _, r := range []string{MainRef, CheckpointRef, "refs/remotes/origin/main", "refs/heads/proposals/i-1"} {
					mustCAS(t, s, r, plumbing.ZeroHash, c1)
				}
				lock := filepath.Join(s.GitDir(), filepath.FromSlash(ref)+".lock")
				data := ""
				if content != "" {
					data = c2.String() + "\n"
				}
				if err := os.WriteFile(lock, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
				for _, list := range []func() ([]Branch, error){
					func() ([]Branch, error) { return s.Branches("") },
					func() ([]Branch, error) { return s.RemoteBranches("origin", "") },
				} {
					bs, err := list()
					if err != nil {
						t.Fatalf("listing refs with %s present: %v", lock, err)
					}
					for _, b := range bs {
						if strings.HasSuffix(b.Name, ".lock") {
							t.Errorf("a lock file is listed as a ref: %s", b.Name)
						}
					}
				}
				if h, err := s.Ref(ref); err != nil || h != c1 {
					t.Fatalf("Ref(%s) = %s, %v; want %s", ref, h, err, c1)
				}
				ageLock(t, lock)
				if err := s.CompareAndSwap(ref, c1, c2); err != nil {
					t.Fatalf("update after an abandoned lock: %v", err)
				}
				if _, err := os.Stat(lock); !os.IsNotExist(err) {
					t.Errorf("lock left behind: %v", err)
				}
				gittest.New(t).Fsck(s.Dir())
			})
		}
	}
}

// holdLockEnv makes the test binary a helper process that takes a ref
// lock as writ does and holds it until killed.
const holdLockEnv = "GITSTORE_TEST_HOLD_LOCK"

// TestHelperHoldLock is not a test: run as a child process with
// holdLockEnv=<repo dir>, it locks MainRef through the Store, says
// "locked" and waits to be killed.
func TestHelperHoldLock(t *testing.T) {
	dir := os.Getenv(holdLockEnv)
	if dir == "" {
		t.Skip("helper process only")
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.lockRef(MainRef)
	if err != nil {
		t.Fatal(err)
	}
	defer l.unlock()
	os.Stdout.WriteString("locked\n")
	time.Sleep(time.Minute)
}

// TestLiveLockNotStolen: a ref lock held by a live writer is never taken
// over, however old its file looks; once that writer is killed, the lock
// is recovered and the update goes through.
func TestLiveLockNotStolen(t *testing.T) {
	s := newStore(t)
	s.lockTimeout = 300 * time.Millisecond
	c1 := mustCommit(t, s, 1, nil, nil)
	mustCAS(t, s, MainRef, plumbing.ZeroHash, c1)
	c2 := mustCommit(t, s, 2, []plumbing.Hash{c1}, nil)

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	cmd.Env = append(os.Environ(), holdLockEnv+"="+s.Dir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper: %q, %v", line, err)
	}
	lock := filepath.Join(s.GitDir(), "refs", "heads", "main.lock")
	ageLock(t, lock)
	err = s.CompareAndSwap(MainRef, c1, c2)
	if !errors.Is(err, ErrRefLocked) {
		t.Fatalf("update while a live writer holds the lock: %v, want ErrRefLocked", err)
	}
	if !strings.Contains(err.Error(), "pid") {
		t.Errorf("the error does not name the live writer: %v", err)
	}
	if _, err := os.Stat(lock); err != nil {
		t.Fatalf("a live writer's lock was removed: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	s.lockTimeout = defaultLockTimeout
	if err := s.CompareAndSwap(MainRef, c1, c2); err != nil {
		t.Fatalf("update after the writer was killed: %v", err)
	}
}

// TestFetchWithLeftoverLocks: lock files left under the remote-tracking
// refs by a killed fetch neither fail the next fetch nor get pruned as
// refs the remote deleted, and an abandoned one is recovered.
func TestFetchWithLeftoverLocks(t *testing.T) {
	ctx := context.Background()
	g := gittest.New(t)
	srv := remotetest.New(t)
	a, b := clone(t, g, srv), clone(t, g, srv)
	c1 := mustCommit(t, a, 1, nil, map[string]string{"f": "1"})
	if err := a.PushCAS(ctx, "origin", MainRef, plumbing.ZeroHash, c1); err != nil {
		t.Fatal(err)
	}
	spec := "+refs/heads/*:refs/remotes/origin/*"
	if err := b.Fetch(ctx, "origin", spec); err != nil {
		t.Fatal(err)
	}
	c2 := mustCommit(t, a, 2, []plumbing.Hash{c1}, map[string]string{"f": "2"})
	if err := a.PushCAS(ctx, "origin", MainRef, c1, c2); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(b.GitDir(), "refs", "remotes", "origin")
	for name, data := range map[string]string{"main.lock": "", "gone.lock": c1.String() + "\n"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		ageLock(t, p)
	}
	if err := b.Fetch(ctx, "origin", spec); err != nil {
		t.Fatalf("fetch with leftover locks: %v", err)
	}
	if h, err := b.Ref("refs/remotes/origin/main"); err != nil || h != c2 {
		t.Fatalf("origin/main = %s, %v; want %s", h, err, c2)
	}
	if _, err := os.Stat(filepath.Join(dir, "main.lock")); !os.IsNotExist(err) {
		t.Errorf("abandoned lock of an updated ref left behind: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "gone.lock")); err != nil {
		t.Errorf("a lock file was pruned as if it were a ref: %v", err)
	}
	g.Fsck(b.Dir())
}

// TestObjectsDurableBeforeRef: the directories that received new loose
// objects, and the packs a fetch wrote, are flushed by the time a ref
// names them.
func TestObjectsDurableBeforeRef(t *testing.T) {
	ctx := context.Background()
	g := gittest.New(t)
	srv := remotetest.New(t)
	a, b := clone(t, g, srv), clone(t, g, srv)
	c1 := mustCommit(t, a, 1, nil, map[string]string{"f": "1"})
	a.durable.mu.Lock()
	pending := len(a.durable.dirs)
	a.durable.mu.Unlock()
	if pending == 0 {
		t.Fatal("writing a commit left no directory to flush")
	}
	mustCAS(t, a, MainRef, plumbing.ZeroHash, c1)
	a.durable.mu.Lock()
	pending = len(a.durable.dirs)
	a.durable.mu.Unlock()
	if pending != 0 {
		t.Errorf("%d object directories not flushed after the ref update", pending)
	}
	if err := a.PushCAS(ctx, "origin", MainRef, plumbing.ZeroHash, c1); err != nil {
		t.Fatal(err)
	}
	if err := b.Fetch(ctx, "origin", "+refs/heads/*:refs/remotes/origin/*"); err != nil {
		t.Fatal(err)
	}
	b.durable.mu.Lock()
	defer b.durable.mu.Unlock()
	packs := 0
	for name := range b.durable.packs {
		if strings.HasSuffix(name, ".pack") {
			packs++
		}
	}
	if packs == 0 {
		t.Errorf("the fetched pack was not flushed before the fetch set its refs")
	}
}

// TestNoFetchNoPackFlush: a Store that has not fetched flushes no pack
// before a ref update: the packs it finds were written (and flushed) by
// git or by an earlier fetch, so a local write never pays for them.
func TestNoFetchNoPackFlush(t *testing.T) {
	s := newStore(t)
	c1 := mustCommit(t, s, 1, nil, map[string]string{"f": "1"})
	mustCAS(t, s, MainRef, plumbing.ZeroHash, c1)
	if out, err := exec.Command("git", "-C", s.GitDir(), "repack", "-a", "-d", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git repack: %v\n%s", err, out)
	}
	c2 := mustCommit(t, s, 2, []plumbing.Hash{c1}, map[string]string{"f": "2"})
	mustCAS(t, s, MainRef, c1, c2)
	s.durable.mu.Lock()
	defer s.durable.mu.Unlock()
	if len(s.durable.packs) != 0 {
		t.Errorf("a ref update without a fetch flushed packs %v", s.durable.packs)
	}
}

// TestEmptyLooseObjectRewritten: an object whose name survived a power
// loss without its content (an empty file) is written again, not trusted.
func TestEmptyLooseObjectRewritten(t *testing.T) {
	s := newStore(t)
	c := mustCommit(t, s, 1, nil, map[string]string{"f": "1"})
	hex := c.String()
	p := filepath.Join(s.GitDir(), "objects", hex[:2], hex[2:])
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, 0); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if again := mustCommit(t, s2, 1, nil, map[string]string{"f": "1"}); again != c {
		t.Fatalf("same request, new hash %s", again)
	}
	mustCAS(t, s2, MainRef, plumbing.ZeroHash, c)
	gittest.New(t).Fsck(s.Dir())
}
