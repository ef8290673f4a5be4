package reconciler

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
)

// writeCommitGraph has git write the repository's commit-graph, as `git
// gc` does.
func writeCommitGraph(t *testing.T, e *Engine) {
	t.Helper()
	cmd := exec.Command("git", "commit-graph", "write", "--reachable")
	cmd.Dir = e.Store.GitDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git commit-graph write: %v\n%s", err, out)
	}
}

// reopened is e on a newly opened Store, which reads the commit-graph
// afresh.
func reopened(t *testing.T, e *Engine) *Engine {
	t.Helper()
	s, err := gitstore.Open(e.Store.Dir())
	if err != nil {
		t.Fatal(err)
	}
	return &Engine{Store: s, Keys: e.Keys, Now: e.Now}
}

// A replay that walks main through git's commit-graph gives what a replay
// reading every commit gives, entry by entry.
func TestReplayWithCommitGraph(t *testing.T) {
	e, _ := shipped(t)
	want := mustReplay(t, e, ReplayOptions{Collect: true})
	writeCommitGraph(t, e)
	g := reopened(t, e)
	res, stats, err := g.replay(ReplayOptions{Collect: true})
	if err != nil {
		t.Fatal(err)
	}
	if !stats.FromGraph || stats.Rechecked != 0 {
		t.Fatalf("walk from the graph %v, rechecked %d", stats.FromGraph, stats.Rechecked)
	}
	sameReplay(t, res, want)
	// Entries reported as the fold goes (writ verify) come from a walk of
	// the commits: the graph's chain is proven only at the end.
	var seen []int
	res, stats, err = g.replay(ReplayOptions{Collect: true, OnEntry: func(i int, _ Verified) { seen = append(seen, i) }})
	if err != nil {
		t.Fatal(err)
	}
	if stats.FromGraph {
		t.Fatal("OnEntry replay walked main through the commit-graph")
	}
	sameReplay(t, res, want)
	sameReported(t, seen, len(want.Entries))
}

// A commit-graph that lies (with a valid checksum) about a main commit's
// first parent is found out: the replay resumes on the commits' chain, or
// starts again without the graph, collecting every entry once; it never
// becomes a tamper finding, and a loop never hangs the walk.
func TestReplayOutlivesALyingCommitGraph(t *testing.T) {
	for _, tc := range []struct {
		name string
		// lie returns the position the graph should give as the first
		// parent of the entry at chain index i.
		lie func(t *testing.T, e *Engine, chain []plumbing.Hash, i int) plumbing.Hash
		// resumed: the fold resumed on main's chain; otherwise the walk
		// or the replay went on without the graph.
		resumed bool
	}{
		{"names the proposal commit", func(t *testing.T, e *Engine, chain []plumbing.Hash, i int) plumbing.Hash {
			c, err := e.Store.Commit(chain[i])
			if err != nil {
				t.Fatal(err)
			}
			return c.ParentHashes[1]
		}, true},
		{"skips an entry", func(t *testing.T, e *Engine, chain []plumbing.Hash, i int) plumbing.Hash {
			return chain[i-2]
		}, true},
		{"loops", func(t *testing.T, e *Engine, chain []plumbing.Hash, i int) plumbing.Hash {
			return chain[len(chain)-1]
		}, false},
		{"names a valid entry that is not on main", func(t *testing.T, e *Engine, chain []plumbing.Hash, i int) plumbing.Hash {
			// The entry before, signed again (as a reconcile that lost its
			// push would have it): it verifies and applies, but is not on
			// main.
			c, err := e.Store.Commit(chain[i-1])
			if err != nil {
				t.Fatal(err)
			}
			s, err := e.Keys.Signer("writ-bot")
			if err != nil {
				t.Fatal(err)
			}
			committer := c.Committer
			committer.When = committer.When.Add(time.Second)
			twin, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: c.ParentHashes, BaseTree: c.TreeHash,
				Message: c.Message, Author: c.Author, Committer: committer, Signer: s})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Store.CompareAndSwap("refs/heads/lost-race", plumbing.ZeroHash, twin); err != nil {
				t.Fatal(err)
			}
			return twin
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := shipped(t)
			want := mustReplay(t, e, ReplayOptions{Collect: true})
			chain := mainChain(t, e)
			if len(chain) < 4 {
				t.Fatalf("want a longer history, have %d entries", len(chain))
			}
			i := len(chain) - 2
			parent := tc.lie(t, e, chain, i)
			writeCommitGraph(t, e)
			forgeFirstParent(t, e.Store.GitDir(), chain[i], parent)
			g := reopened(t, e)
			res, stats, err := g.replay(ReplayOptions{Collect: true})
			if err != nil {
				t.Fatalf("replay: %v", err)
			}
			if resumed := stats.FromGraph && stats.Rechecked == 1; resumed != tc.resumed || (!resumed && stats.FromGraph) {
				t.Fatalf("walk from the graph %v, rechecked %d; want resumed %v", stats.FromGraph, stats.Rechecked, tc.resumed)
			}
			sameReplay(t, res, want)
		})
	}
}

// sameReplay fails unless res has want's state and entries.
func sameReplay(t *testing.T, res, want *ReplayResult) {
	t.Helper()
	if res.State.Hash() != want.State.Hash() || len(res.Entries) != len(want.Entries) {
		t.Fatalf("state %s with %d entries, want %s with %d", res.State.Hash(), len(res.Entries), want.State.Hash(), len(want.Entries))
	}
	for i := range want.Entries {
		if res.Entries[i].Commit != want.Entries[i].Commit {
			t.Fatalf("entry %d: %s, want %s", i, res.Entries[i].Commit, want.Entries[i].Commit)
		}
	}
}

// sameReported fails unless seen counts n entries once each, in order.
func sameReported(t *testing.T, seen []int, n int) {
	t.Helper()
	if len(seen) != n {
		t.Fatalf("reported entries %v, want %d", seen, n)
	}
	for i, got := range seen {
		if got != i {
			t.Fatalf("reported entries %v", seen)
		}
	}
}

// forgeFirstParent rewrites the commit-graph file so that it gives commit
// c the first parent p, and seals it with a valid checksum.
func forgeFirstParent(t *testing.T, gitDir string, c, p plumbing.Hash) {
	t.Helper()
	path := filepath.Join(gitDir, "objects", "info", "commit-graph")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	chunk := func(id string) []byte {
		for k := 0; k < int(b[6]); k++ {
			e := b[8+12*k:]
			if string(e[:4]) == id {
				return b[binary.BigEndian.Uint64(e[4:]):binary.BigEndian.Uint64(e[16:])]
			}
		}
		t.Fatalf("no %s chunk", id)
		return nil
	}
	oids, data := chunk("OIDL"), chunk("CDAT")
	pos := func(h plumbing.Hash) int {
		for i := 0; i < len(oids)/20; i++ {
			if bytes.Equal(oids[20*i:20*i+20], h[:]) {
				return i
			}
		}
		t.Fatalf("%s not in the commit-graph", h)
		return -1
	}
	binary.BigEndian.PutUint32(data[36*pos(c)+20:], uint32(pos(p)))
	sum := sha1.Sum(b[:len(b)-20])
	copy(b[len(b)-20:], sum[:])
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
