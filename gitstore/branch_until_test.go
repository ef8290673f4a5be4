package gitstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// isEntry recognises the main commits of these tests by their message, as
// the engine recognises WAL entries.
func isEntry(c *object.Commit) bool { return strings.HasPrefix(c.Message, "commit ") }

func TestBranchCommitsUntil(t *testing.T) {
	s := newStore(t)
	main := chain(t, s, 200)
	branch := func(i int, parents ...plumbing.Hash) plumbing.Hash {
		h, err := s.WriteCommit(CommitRequest{Parents: parents, Files: map[string][]byte{fmt.Sprintf("proposals/p/%d", i): []byte("x")},
			Message: fmt.Sprintf("proposal %d\n", i), Author: sigAt(1000 + i), Committer: sigAt(1000 + i)})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	// A proposal forked long ago, and one that later merged main in.
	b1 := branch(1, main[10])
	b2 := branch(2, b1)
	b3 := branch(3, b2)
	merged := branch(4, b3, main[150])
	base := main[len(main)-1]

	tests := []struct {
		name   string
		head   plumbing.Hash
		onMain func(*object.Commit) bool
		want   []plumbing.Hash
	}{
		{"forked long ago", b3, isEntry, []plumbing.Hash{b1, b2, b3}},
		{"merged main in", merged, isEntry, []plumbing.Hash{b1, b2, b3, merged}},
		{"head on main", main[50], isEntry, nil},
		{"head is base", base, isEntry, nil},
	}
	for _, tt := range tests {
		exact, err := s.BranchCommits(tt.head, base)
		if err != nil || !equalHashes(hashes(exact), tt.want) {
			t.Fatalf("%s: BranchCommits = %v, %v; want %v", tt.name, hashes(exact), err, tt.want)
		}
	}
	// Without the commits of main between the fork and base, BranchCommits
	// cannot answer; BranchCommitsUntil never reads them.
	for _, h := range main[11 : len(main)-1] {
		if h == main[150] || h == main[50] {
			continue
		}
		hex := h.String()
		if err := os.Remove(filepath.Join(s.GitDir(), "objects", hex[:2], hex[2:])); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.BranchCommits(b3, base); !errors.Is(err, ErrNotFound) {
		t.Fatalf("BranchCommits without main's history: %v, want ErrNotFound", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.BranchCommitsUntil(tt.head, base, tt.onMain, 0)
			if err != nil || !equalHashes(hashes(got), tt.want) {
				t.Fatalf("BranchCommitsUntil = %v, %v; want %v", hashes(got), err, tt.want)
			}
		})
	}
}

// Without a commit onMain recognises, BranchCommitsUntil is BranchCommits.
func TestBranchCommitsUntilFallsBack(t *testing.T) {
	s := newStore(t)
	main := chain(t, s, 20)
	h, err := s.WriteCommit(CommitRequest{Parents: []plumbing.Hash{main[5]}, Files: map[string][]byte{"p": []byte("x")},
		Message: "proposal\n", Author: sigAt(100), Committer: sigAt(100)})
	if err != nil {
		t.Fatal(err)
	}
	never := func(*object.Commit) bool { return false }
	for _, base := range []plumbing.Hash{main[19], plumbing.ZeroHash} {
		want, err := s.BranchCommits(h, base)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.BranchCommitsUntil(h, base, never, 0)
		if err != nil || !equalHashes(hashes(got), hashes(want)) {
			t.Fatalf("base %s: BranchCommitsUntil = %v, %v; want %v", describe(base), hashes(got), err, hashes(want))
		}
	}
}

// TestBranchCommitsUntilStopsAtItsLimit: with a limit, a branch of more
// commits than that is refused with ErrTooManyCommits by either walk (the
// walk that stops at main's entries, and the full walk it falls back to),
// while a branch of a few commits off a main so long that the first walk
// gives up is still read whole, unless telling it from main takes reading
// more than painterSlack times the limit.
func TestBranchCommitsUntilStopsAtItsLimit(t *testing.T) {
	s := newStore(t)
	main := chain(t, s, 1500)
	base := main[len(main)-1]
	grow := func(from plumbing.Hash, n, at int) plumbing.Hash {
		h := from
		for i := range n {
			var err error
			h, err = s.WriteCommit(CommitRequest{Parents: []plumbing.Hash{h}, Files: map[string][]byte{"proposals/p/x": []byte(fmt.Sprint(at + i))},
				Message: fmt.Sprintf("proposal %d\n", at+i), Author: sigAt(at + i), Committer: sigAt(at + i)})
			if err != nil {
				t.Fatal(err)
			}
		}
		return h
	}
	never := func(*object.Commit) bool { return false }
	few := grow(main[10], 3, 1000)       // dated among main's commits
	long := grow(main[1400], 1200, 1500) // after main's last
	tests := []struct {
		name   string
		head   plumbing.Hash
		onMain func(*object.Commit) bool
		limit  int
		want   int // commits, or -1: ErrTooManyCommits
	}{
		{"a few commits, main recognised", few, isEntry, 10, 3},
		{"a few commits, main not recognised (the full walk)", few, never, 1000, 3},
		// The full walk reads at most painterSlack times its limit in all:
		// telling a branch from 1,500 commits of main not recognised
		// takes more than 40.
		{"a few commits, main not recognised, too much of it", few, never, 10, -1},
		{"over the limit, main recognised", long, isEntry, 1000, -1},
		{"over the limit, the full walk", long, never, 1000, -1},
		{"over a small limit", few, isEntry, 2, -1},
		{"no limit", long, isEntry, 0, 1200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.BranchCommitsUntil(tt.head, base, tt.onMain, tt.limit)
			switch {
			case tt.want < 0 && !errors.Is(err, ErrTooManyCommits):
				t.Fatalf("BranchCommitsUntil = %d commits, %v; want ErrTooManyCommits", len(got), err)
			case tt.want >= 0 && (err != nil || len(got) != tt.want):
				t.Fatalf("BranchCommitsUntil = %d commits, %v; want %d", len(got), err, tt.want)
			}
		})
	}
}
