package gitstore

import (
	"errors"
	"fmt"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// chain writes n linear commits (each changing one file) and returns them
// oldest first.
func chain(t testing.TB, s *Store, n int) []plumbing.Hash {
	t.Helper()
	var out []plumbing.Hash
	var parents []plumbing.Hash
	for i := 0; i < n; i++ {
		h := mustCommit(t, s, i, parents, map[string]string{"entries/last": fmt.Sprint(i)})
		out = append(out, h)
		parents = []plumbing.Hash{h}
	}
	return out
}

func TestFirstParentLog(t *testing.T) {
	s := newStore(t)
	c := chain(t, s, 5)
	side := mustCommit(t, s, 10, []plumbing.Hash{c[1]}, map[string]string{"side": "x"})
	merge := mustCommit(t, s, 11, []plumbing.Hash{c[4], side}, nil)

	tests := []struct {
		name       string
		from, stop plumbing.Hash
		want       []plumbing.Hash
		err        error
	}{
		{"to root", c[4], plumbing.ZeroHash, c, nil},
		{"stop excluded", c[4], c[1], c[2:], nil},
		{"from == stop", c[3], c[3], nil, nil},
		{"zero from", plumbing.ZeroHash, plumbing.ZeroHash, nil, nil},
		{"merge follows first parent", merge, c[2], []plumbing.Hash{c[3], c[4], merge}, nil},
		{"stop on second parent only", merge, side, nil, ErrNotOnChain},
		{"stop is a descendant", c[1], c[3], nil, ErrNotOnChain},
		{"missing from", plumbing.NewHash("3333333333333333333333333333333333333333"), plumbing.ZeroHash, nil, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.FirstParentLog(tt.from, tt.stop)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if !equalHashes(hashes(got), tt.want) {
				t.Errorf("log = %v, want %v", hashes(got), tt.want)
			}
		})
	}

	// fn's error stops the walk and comes back unchanged; fn may call the
	// Store (the mutex is not held).
	stopErr := errors.New("stop here")
	n := 0
	err := s.WalkFirstParent(c[4], plumbing.ZeroHash, func(cm *object.Commit) error {
		if _, err := s.ReadFile(cm.Hash, "entries/last"); err != nil {
			return err
		}
		if n++; n == 3 {
			return stopErr
		}
		return nil
	})
	if err != stopErr || n != 3 {
		t.Fatalf("WalkFirstParent = %v after %d commits", err, n)
	}
}

func TestBranchCommitsLinear(t *testing.T) {
	s := newStore(t)
	main := chain(t, s, 30)
	// A proposal branch forked 20 entries ago; main moved on since.
	fork := main[9]
	var branch []plumbing.Hash
	parent := fork
	for i := 0; i < 3; i++ {
		parent = mustCommit(t, s, 100+i, []plumbing.Hash{parent}, map[string]string{"proposals/i-9/p.yaml": fmt.Sprint(i)})
		branch = append(branch, parent)
	}
	got, err := s.BranchCommits(branch[2], main[29])
	if err != nil || !equalHashes(hashes(got), branch) {
		t.Fatalf("BranchCommits = %v, %v; want %v", hashes(got), err, branch)
	}
	// The branch's commits are older than main's tip (skewed clock): the
	// walk still stops at the fork.
	old := mustCommit(t, s, -50, []plumbing.Hash{main[29]}, map[string]string{"p": "old clock"})
	if got, err := s.BranchCommits(old, main[29]); err != nil || !equalHashes(hashes(got), []plumbing.Hash{old}) {
		t.Fatalf("skewed BranchCommits = %v, %v", hashes(got), err)
	}
	if got, _ := s.BranchCommits(main[29], main[29]); len(got) != 0 {
		t.Errorf("head == base: %v", hashes(got))
	}
	if got, _ := s.BranchCommits(main[5], main[29]); len(got) != 0 {
		t.Errorf("head behind base: %v", hashes(got))
	}
	if _, err := s.BranchCommits(branch[2], plumbing.NewHash("4444444444444444444444444444444444444444")); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing base: %v", err)
	}
}

func TestFirstParentSet(t *testing.T) {
	s := newStore(t)
	c := chain(t, s, 6)
	side := mustCommit(t, s, 10, []plumbing.Hash{c[1]}, map[string]string{"side": "x"})
	merge := mustCommit(t, s, 11, []plumbing.Hash{c[5], side}, nil)
	set := s.NewFirstParentSet(merge)
	for _, tt := range []struct {
		name string
		h    plumbing.Hash
		want bool
	}{
		{"the head", merge, true},
		{"an old first parent", c[1], true},
		{"a second parent's side", side, false},
		{"the root", c[0], true},
		{"a newer one, asked after the walk ended", c[4], true},
	} {
		if got, err := set.Has(tt.h); err != nil || got != tt.want {
			t.Errorf("%s: Has = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}
