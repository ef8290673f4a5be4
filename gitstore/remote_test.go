package gitstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gittest"
	"github.com/writ-dev/writ/gitstore/remotetest"
)

// clone makes a git clone of the server's repository and opens it.
func clone(t *testing.T, g *gittest.Git, srv *remotetest.Server) *Store {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "clone")
	g.Run("", "clone", "--quiet", srv.URL, dir)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// remoteRef reads a ref of the bare repository with the git client.
func remoteRef(t *testing.T, g *gittest.Git, srv *remotetest.Server, ref string) string {
	t.Helper()
	out, _, err := g.Exec(srv.Dir, "git", "rev-parse", "--verify", "--quiet", ref)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

func TestPushCAS(t *testing.T) {
	ctx := context.Background()
	g := gittest.New(t)
	srv := remotetest.New(t)
	a, b := clone(t, g, srv), clone(t, g, srv)

	// Creating main: a zero old means "must not exist".
	c1 := mustCommit(t, a, 1, nil, map[string]string{"f": "1"})
	if err := a.PushCAS(ctx, "origin", MainRef, plumbing.ZeroHash, c1); err != nil {
		t.Fatalf("create main: %v", err)
	}
	if got := remoteRef(t, g, srv, MainRef); got != c1.String() {
		t.Fatalf("remote main = %q, want %s", got, c1)
	}
	// Pushing the same value again is success (a lost answer).
	if err := a.PushCAS(ctx, "origin", MainRef, plumbing.ZeroHash, c1); err != nil {
		t.Fatalf("repeat push: %v", err)
	}
	c0 := mustCommit(t, a, 0, nil, map[string]string{"f": "0"})
	if err := a.PushCAS(ctx, "origin", MainRef, plumbing.ZeroHash, c0); !errors.Is(err, ErrRefMoved) ||
		!strings.Contains(err.Error(), "expected no ref, found "+c1.String()) {
		t.Fatalf("create over existing: %v", err)
	}

	// b fetches, both build on c1, a wins, b loses and names a's commit.
	if err := b.Fetch(ctx, "origin", "refs/heads/main:refs/remotes/origin/main"); err != nil {
		t.Fatalf("fetch: %v", err)
	}
	c2a := mustCommit(t, a, 2, []plumbing.Hash{c1}, map[string]string{"dir/a": "a"})
	c2b := mustCommit(t, b, 3, []plumbing.Hash{c1}, map[string]string{"dir/b": "b"})
	if err := a.PushCAS(ctx, "origin", MainRef, c1, c2a); err != nil {
		t.Fatalf("a: %v", err)
	}
	err := b.PushCAS(ctx, "origin", MainRef, c1, c2b)
	if !errors.Is(err, ErrRefMoved) || !strings.Contains(err.Error(), "found "+c2a.String()) {
		t.Fatalf("b: want ErrRefMoved naming %s, got %v", c2a, err)
	}
	// b re-reads and rebuilds on the new head: a merge of a's work.
	if err := b.Fetch(ctx, "origin", "refs/heads/main:refs/remotes/origin/main"); err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if h, _ := b.Ref("refs/remotes/origin/main"); h != c2a {
		t.Fatalf("tracking ref = %s, want %s", h, c2a)
	}
	c3 := mustCommit(t, b, 4, []plumbing.Hash{c2a, c2b}, map[string]string{"dir/b": "b"})
	if err := b.PushCAS(ctx, "origin", MainRef, c2a, c3); err != nil {
		t.Fatalf("b after re-read: %v", err)
	}
	// An answer lost after the server committed: asking again finds new,
	// so the push is a success; a server that is down is ErrRemote and
	// moves nothing.
	c2c := mustCommit(t, b, 5, []plumbing.Hash{c3}, map[string]string{"dir/c": "c"})
	srv.DropAnswers(1)
	if err := b.PushCAS(ctx, "origin", MainRef, c3, c2c); err != nil {
		t.Fatalf("push whose answer was lost: %v", err)
	}
	if got := remoteRef(t, g, srv, MainRef); got != c2c.String() {
		t.Fatalf("remote main = %s after a lost answer, want %s", got, c2c)
	}
	c3 = c2c
	c4 := mustCommit(t, b, 6, []plumbing.Hash{c3}, map[string]string{"dir/d": "d"})
	srv.SetDown(true)
	if err := b.PushCAS(ctx, "origin", MainRef, c3, c4); !errors.Is(err, ErrRemote) || errors.Is(err, ErrRefMoved) {
		t.Fatalf("server down: want ErrRemote, got %v", err)
	}
	srv.SetDown(false)
	if got := remoteRef(t, g, srv, MainRef); got != c3.String() {
		t.Fatalf("remote main moved to %s while the server was down", got)
	}
	// Never forced: a new that does not descend from old is refused
	// before the server (which would accept it) is asked.
	orphan := mustCommit(t, b, 9, nil, map[string]string{"f": "orphan"})
	if err := b.PushCAS(ctx, "origin", MainRef, c3, orphan); !errors.Is(err, ErrNonFastForward) {
		t.Fatalf("a non-fast-forward push: want ErrNonFastForward, got %v", err)
	}
	if got := remoteRef(t, g, srv, MainRef); got != c3.String() {
		t.Fatalf("remote main = %s after a refused force", got)
	}
	g.Fsck(srv.Dir)
	if got := g.Run(srv.Dir, "log", "--format=%H", "main"); len(gitLines(got)) != 5 {
		t.Errorf("remote main history:\n%s", got)
	}

	// Bad input and an unreachable remote.
	if err := b.PushCAS(ctx, "nope", MainRef, c3, orphan); err == nil || errors.Is(err, ErrRefMoved) {
		t.Errorf("unknown remote: %v", err)
	}
	if err := b.PushCAS(ctx, "origin", "main", c3, c1); err == nil {
		t.Errorf("short ref name accepted")
	}
	g.Run(b.Dir(), "remote", "add", "dead", "http://127.0.0.1:1/repo.git")
	if err := b.PushCAS(ctx, "dead", MainRef, c1, c3); !errors.Is(err, ErrRemote) || errors.Is(err, ErrRefMoved) {
		t.Errorf("dead remote: want ErrRemote, got %v", err)
	}
	if err := b.Fetch(ctx, "dead", "refs/heads/main:refs/remotes/dead/main"); !errors.Is(err, ErrRemote) {
		t.Errorf("fetch from a dead remote: want ErrRemote, got %v", err)
	}
	if _, err := b.RemoteRefs(ctx, "dead"); !errors.Is(err, ErrRemote) {
		t.Errorf("list a dead remote: want ErrRemote, got %v", err)
	}
	if refs, err := b.RemoteRefs(ctx, "origin"); err != nil || refs[MainRef] != c3 {
		t.Errorf("RemoteRefs = %v, %v", refs, err)
	}
}

// TestPushCASRace: many clones push different commits on the same old at
// once; the server's ref lock lets exactly one win, every loser gets
// ErrRefMoved.
func TestPushCASRace(t *testing.T) {
	ctx := context.Background()
	g := gittest.New(t)
	srv := remotetest.New(t)
	seed := clone(t, g, srv)
	root := mustCommit(t, seed, 0, nil, map[string]string{"f": "0"})
	if err := seed.PushCAS(ctx, "origin", MainRef, plumbing.ZeroHash, root); err != nil {
		t.Fatal(err)
	}
	const n = 6
	stores := make([]*Store, n)
	heads := make([]plumbing.Hash, n)
	for i := range stores {
		stores[i] = clone(t, g, srv)
		heads[i] = mustCommit(t, stores[i], i+1, []plumbing.Hash{root}, map[string]string{fmt.Sprintf("f%d", i): "x"})
	}
	for round := 0; round < 3; round++ {
		old, _ := seed.Ref("refs/remotes/origin/main")
		if round > 0 {
			if err := seed.Fetch(ctx, "origin", "refs/heads/main:refs/remotes/origin/main"); err != nil {
				t.Fatal(err)
			}
			old, _ = seed.Ref("refs/remotes/origin/main")
			for i := range stores {
				if err := stores[i].Fetch(ctx, "origin", "refs/heads/main:refs/remotes/origin/main"); err != nil {
					t.Fatal(err)
				}
				heads[i] = mustCommit(t, stores[i], 10*round+i, []plumbing.Hash{old}, map[string]string{fmt.Sprintf("r%d/f%d", round, i): "x"})
			}
		} else {
			old = root
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range stores {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				errs[i] = stores[i].PushCAS(ctx, "origin", MainRef, old, heads[i])
			}(i)
		}
		close(start)
		wg.Wait()
		wins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
				if got := remoteRef(t, g, srv, MainRef); got != heads[i].String() {
					t.Errorf("round %d: winner %d pushed %s but main is %s", round, i, heads[i], got)
				}
			case !errors.Is(err, ErrRefMoved):
				t.Errorf("round %d: loser %d: want ErrRefMoved, got %v", round, i, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d winners, want exactly 1: %v", round, wins, errs)
		}
	}
	// The losers passed the advertisement check with the same old, so the
	// server's own compare under its ref lock refused them.
	if n := strings.Count(srv.Stderr(), "but expected"); n == 0 {
		t.Errorf("no push was refused by receive-pack's compare-and-swap; server stderr:\n%s", srv.Stderr())
	} else {
		t.Logf("receive-pack refused %d stale pushes under its ref lock", n)
	}
	g.Fsck(srv.Dir)
}

func TestFetchRefspecs(t *testing.T) {
	ctx := context.Background()
	g := gittest.New(t)
	srv := remotetest.New(t)
	a, b := clone(t, g, srv), clone(t, g, srv)
	c1 := mustCommit(t, a, 1, nil, map[string]string{"f": "1"})
	c2 := mustCommit(t, a, 2, []plumbing.Hash{c1}, map[string]string{"f": "2"})
	p1 := mustCommit(t, a, 3, []plumbing.Hash{c1}, map[string]string{"p/1": "1"})
	p2 := mustCommit(t, a, 4, []plumbing.Hash{c1}, map[string]string{"p/2": "2"})
	for ref, h := range map[string]plumbing.Hash{MainRef: c2, "refs/heads/proposals/i/1": p1, "refs/heads/proposals/i/2": p2} {
		if err := a.PushCAS(ctx, "origin", ref, plumbing.ZeroHash, h); err != nil {
			t.Fatal(err)
		}
	}
	specs := []string{
		"refs/heads/main:refs/remotes/origin/main",
		"+refs/heads/proposals/*:refs/remotes/origin/proposals/*",
		"+refs/writ/*:refs/writ/remotes/origin/*",
	}
	if err := b.Fetch(ctx, "origin", specs...); err != nil {
		t.Fatalf("fetch: %v", err)
	}
	got, err := b.RemoteBranches("origin", "proposals/")
	if err != nil || len(got) != 2 || got[0] != (Branch{"proposals/i/1", p1}) || got[1] != (Branch{"proposals/i/2", p2}) {
		t.Fatalf("remote branches = %v, %v", got, err)
	}
	// A deleted proposal branch is pruned; an up-to-date fetch is fine.
	g.Run(srv.Dir, "update-ref", "-d", "refs/heads/proposals/i/1")
	if err := b.Fetch(ctx, "origin", specs...); err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if err := b.Fetch(ctx, "origin", specs...); err != nil {
		t.Fatalf("fetch again: %v", err)
	}
	if got, _ := b.RemoteBranches("origin", "proposals/"); len(got) != 1 || got[0].Name != "proposals/i/2" {
		t.Fatalf("after prune: %v", got)
	}
	// A rewritten main does not move the fast-forward-only tracking ref.
	g.Run(srv.Dir, "update-ref", MainRef, c1.String())
	err = b.Fetch(ctx, "origin", specs...)
	if !errors.Is(err, ErrNonFastForward) {
		t.Fatalf("fetch of a rewritten main: want ErrNonFastForward, got %v", err)
	}
	if h, _ := b.Ref("refs/remotes/origin/main"); h != c2 {
		t.Errorf("tracking main moved to %s on a rewrite", h)
	}
	// A missing non-glob source.
	if err := b.Fetch(ctx, "origin", "refs/heads/nope:refs/remotes/origin/nope"); !errors.Is(err, ErrNoRef) {
		t.Errorf("missing source: want ErrNoRef, got %v", err)
	}
	if err := b.Fetch(ctx, "origin", "not a refspec"); err == nil {
		t.Errorf("bad refspec accepted")
	}
}

func TestPushCheckpoint(t *testing.T) {
	ctx := context.Background()
	g := gittest.New(t)
	srv := remotetest.New(t)
	a := clone(t, g, srv)
	c1 := mustCommit(t, a, 1, nil, map[string]string{"f": "1"})
	c2 := mustCommit(t, a, 2, []plumbing.Hash{c1}, map[string]string{"f": "2"})
	if err := a.PushCAS(ctx, "origin", MainRef, plumbing.ZeroHash, c1); err != nil {
		t.Fatal(err)
	}
	if err := a.PushCheckpoint(ctx, "origin"); !errors.Is(err, ErrNoRef) {
		t.Fatalf("no local checkpoint: %v", err)
	}
	cp1, err := a.WriteCheckpoint(plumbing.ZeroHash, c1, map[string][]byte{CheckpointHead: []byte(`{"n":1}`)}, nil, nil, sigAt(5))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.PushCheckpoint(ctx, "origin"); err != nil {
		t.Fatalf("push checkpoint at main: %v", err)
	}
	if got := remoteRef(t, g, srv, CheckpointRef); got != cp1.String() {
		t.Fatalf("remote checkpoint = %q, want %s", got, cp1)
	}
	// A checkpoint of a commit the remote's main does not hold is refused.
	cp2, err := a.WriteCheckpoint(plumbing.ZeroHash, c2, map[string][]byte{CheckpointHead: []byte(`{"n":2}`)}, nil, nil, sigAt(6))
	if err != nil {
		t.Fatal(err)
	}
	err = a.PushCheckpoint(ctx, "origin")
	if !errors.Is(err, ErrRefMoved) || remoteRef(t, g, srv, CheckpointRef) != cp1.String() {
		t.Fatalf("checkpoint ahead of remote main: %v", err)
	}
	if err := a.PushCAS(ctx, "origin", MainRef, c1, c2); err != nil {
		t.Fatal(err)
	}
	if err := a.PushCheckpoint(ctx, "origin"); err != nil || remoteRef(t, g, srv, CheckpointRef) != cp2.String() {
		t.Fatalf("checkpoint after main moved: %v", err)
	}
	// It is a cache: a checkpoint from another chain replaces it.
	b := clone(t, g, srv)
	if err := b.Fetch(ctx, "origin", "refs/heads/main:refs/remotes/origin/main"); err != nil {
		t.Fatal(err)
	}
	cpb, err := b.WriteCheckpoint(plumbing.ZeroHash, c2, map[string][]byte{CheckpointHead: []byte(`{"n":2,"b":true}`)}, nil, nil, sigAt(7))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.PushCheckpoint(ctx, "origin"); err != nil || remoteRef(t, g, srv, CheckpointRef) != cpb.String() {
		t.Fatalf("replace checkpoint: %v", err)
	}
	g.Fsck(srv.Dir)
}
