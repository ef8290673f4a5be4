package gitstore

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

func newStore(t testing.TB) *Store {
	t.Helper()
	s, err := Init(t.TempDir())
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	return s
}

// sigAt is a deterministic signature i minutes after 2026-01-01, in a
// non-UTC zone to exercise timezone encoding.
func sigAt(i int) object.Signature {
	return object.Signature{
		Name:  "writ reconciler",
		Email: "writ@example.invalid",
		When:  time.Unix(1767225600+int64(i)*60, 0).In(time.FixedZone("", 90*60)),
	}
}

// mustCommit writes an unsigned commit with the given parents and files.
func mustCommit(t testing.TB, s *Store, i int, parents []plumbing.Hash, files map[string]string, del ...string) plumbing.Hash {
	t.Helper()
	fs := map[string][]byte{}
	for k, v := range files {
		fs[k] = []byte(v)
	}
	h, err := s.WriteCommit(CommitRequest{
		Parents: parents, Files: fs, Delete: del,
		Message: fmt.Sprintf("commit %d\n", i), Author: sigAt(i), Committer: sigAt(i),
	})
	if err != nil {
		t.Fatalf("WriteCommit %d: %v", i, err)
	}
	return h
}

func mustCAS(t testing.TB, s *Store, ref string, old, new plumbing.Hash) {
	t.Helper()
	if err := s.CompareAndSwap(ref, old, new); err != nil {
		t.Fatalf("CompareAndSwap %s: %v", ref, err)
	}
}

func hashes(cs []*object.Commit) []plumbing.Hash {
	out := make([]plumbing.Hash, len(cs))
	for i, c := range cs {
		out[i] = c.Hash
	}
	return out
}

func equalHashes(a, b []plumbing.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// gitLines splits git output into lines.
func gitLines(out string) []string {
	out = strings.TrimRight(out, "\n")
	if out == "" {
		return nil
	}
	return strings.Split(out, "\n")
}

func hexes(hs ...plumbing.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.String()
	}
	return out
}
