package gitstore

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/writ-dev/writ/gitstore/internal/gittest"
)

func TestCompareAndSwap(t *testing.T) {
	s := newStore(t)
	g := gittest.New(t)
	c1 := mustCommit(t, s, 1, nil, map[string]string{"f": "1"})
	c2 := mustCommit(t, s, 2, []plumbing.Hash{c1}, map[string]string{"f": "2"})
	c3 := mustCommit(t, s, 3, []plumbing.Hash{c2}, map[string]string{"f": "3"})

	mustCAS(t, s, MainRef, plumbing.ZeroHash, c1)
	err := s.CompareAndSwap(MainRef, plumbing.ZeroHash, c2)
	if !errors.Is(err, ErrRefMoved) || !strings.Contains(err.Error(), "expected no ref, found "+c1.String()) {
		t.Fatalf("create over existing: %v", err)
	}
	err = s.CompareAndSwap(MainRef, c2, c3)
	if !errors.Is(err, ErrRefMoved) || !strings.Contains(err.Error(), "expected "+c2.String()+", found "+c1.String()) {
		t.Fatalf("stale old: %v", err)
	}
	mustCAS(t, s, MainRef, c1, c2)
	if got := strings.TrimSpace(g.Run(s.Dir(), "rev-parse", "main")); got != c2.String() {
		t.Errorf("git sees main = %s, want %s", got, c2)
	}
	// The git client moves main; writ's stale CAS loses, a fresh one wins.
	g.Run(s.Dir(), "update-ref", MainRef, c3.String(), c2.String())
	if err := s.CompareAndSwap(MainRef, c2, c1); !errors.Is(err, ErrRefMoved) {
		t.Fatalf("after git update-ref: %v, want ErrRefMoved", err)
	}
	mustCAS(t, s, MainRef, c3, c1)
	// Packed refs are read too.
	g.Run(s.Dir(), "pack-refs", "--all")
	mustCAS(t, s, MainRef, c1, c2)
	if h, _ := s.Ref(MainRef); h != c2 {
		t.Errorf("Ref after packed update = %s", h)
	}
	mustCAS(t, s, "refs/writ/other", plumbing.ZeroHash, c3)
	g.Fsck(s.Dir())

	for _, tt := range []struct {
		ref      string
		old, new plumbing.Hash
	}{
		{"main", c2, c3},
		{"refs/heads/a..b", plumbing.ZeroHash, c3},
		{"refs/heads/x.lock", plumbing.ZeroHash, c3},
		{MainRef, c2, plumbing.ZeroHash},
		{MainRef, c2, plumbing.NewHash("2222222222222222222222222222222222222222")},
	} {
		if err := s.CompareAndSwap(tt.ref, tt.old, tt.new); err == nil || errors.Is(err, ErrRefMoved) {
			t.Errorf("CompareAndSwap(%q, %s, %s) = %v, want a validation error", tt.ref, short(tt.old), short(tt.new), err)
		}
	}
	if h, _ := s.Ref(MainRef); h != c2 {
		t.Errorf("main moved by a refused update: %s", h)
	}
}

func TestCompareAndSwapStaleLock(t *testing.T) {
	s := newStore(t)
	s.lockTimeout = 30 * time.Millisecond
	c1 := mustCommit(t, s, 1, nil, nil)
	lock := filepath.Join(s.GitDir(), "refs", "heads", "main.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.CompareAndSwap(MainRef, plumbing.ZeroHash, c1); !errors.Is(err, ErrRefLocked) {
		t.Fatalf("with a held lock: %v, want ErrRefLocked", err)
	}
	if _, err := os.Stat(lock); err != nil {
		t.Fatalf("someone else's lock was removed: %v", err)
	}
	os.Remove(lock)
	mustCAS(t, s, MainRef, plumbing.ZeroHash, c1)
	if _, err := os.Stat(lock); !os.IsNotExist(err) {
		t.Errorf("lock left behind: %v", err)
	}
}

// TestCompareAndSwapRace races goroutines, half through a second Store on
// the same directory (as a second process would), on one ref: exactly one
// wins each round, including the first round that creates the ref.
func TestCompareAndSwapRace(t *testing.T) {
	s := newStore(t)
	other, err := Open(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	const rounds, racers = 25, 8
	cur := plumbing.ZeroHash
	for r := 0; r < rounds; r++ {
		cands := make([]plumbing.Hash, racers)
		for i := range cands {
			var parents []plumbing.Hash
			if !cur.IsZero() {
				parents = []plumbing.Hash{cur}
			}
			cands[i] = mustCommit(t, s, r*racers+i, parents, map[string]string{"who": fmt.Sprint(i)})
		}
		errs := make([]error, racers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := 0; i < racers; i++ {
			st := s
			if i%2 == 1 {
				st = other
			}
			wg.Add(1)
			go func(i int, st *Store) {
				defer wg.Done()
				<-start
				errs[i] = st.CompareAndSwap(MainRef, cur, cands[i])
			}(i, st)
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Fatalf("round %d: racers %d and %d both won", r, winner, i)
				}
				winner = i
			case !errors.Is(err, ErrRefMoved):
				t.Fatalf("round %d racer %d: %v", r, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: nobody won", r)
		}
		got, err := s.Ref(MainRef)
		if err != nil || got != cands[winner] {
			t.Fatalf("round %d: main = %s, %v; winner wrote %s", r, got, err, cands[winner])
		}
		cur = got
	}
	log, err := s.FirstParentLog(cur, plumbing.ZeroHash)
	if err != nil || len(log) != rounds {
		t.Fatalf("log has %d entries, %v; want %d", len(log), err, rounds)
	}
}

// TestConcurrentReadsDuringWrites: readers never see a missing or torn ref
// while writers move it.
func TestConcurrentReadsDuringWrites(t *testing.T) {
	s := newStore(t)
	c := []plumbing.Hash{mustCommit(t, s, 0, nil, nil)}
	for i := 1; i < 50; i++ {
		c = append(c, mustCommit(t, s, i, []plumbing.Hash{c[i-1]}, map[string]string{"n": fmt.Sprint(i)}))
	}
	mustCAS(t, s, MainRef, plumbing.ZeroHash, c[0])
	done := make(chan struct{})
	var wg sync.WaitGroup
	var readErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			h, err := s.Ref(MainRef)
			if err == nil {
				_, err = s.ReadFile(h, "n")
				if errors.Is(err, ErrNotFound) && h == c[0] {
					err = nil
				}
			}
			if err != nil {
				readErr = err
				return
			}
		}
	}()
	for i := 1; i < len(c); i++ {
		mustCAS(t, s, MainRef, c[i-1], c[i])
	}
	close(done)
	wg.Wait()
	if readErr != nil {
		t.Fatalf("reader: %v", readErr)
	}
}

func TestBranches(t *testing.T) {
	s := newStore(t)
	c := mustCommit(t, s, 1, nil, nil)
	for _, b := range []string{"proposals/i-2", "proposals/i-1", "other", "proposals-x"} {
		mustCAS(t, s, "refs/heads/"+b, plumbing.ZeroHash, c)
	}
	got, err := s.Branches("proposals/")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "proposals/i-1" || got[1].Name != "proposals/i-2" || got[0].Hash != c {
		t.Errorf("Branches(proposals/) = %v", got)
	}
	if all, _ := s.Branches(""); len(all) != 4 {
		t.Errorf("Branches(\"\") = %v", all)
	}
}

// TestRefsUnderAndTrackedBranches: RefsUnder lists loose and packed refs
// under a prefix by full name; TrackedBranch picks the only remote's
// branch, origin's among several, and names the remotes otherwise.
func TestRefsUnderAndTrackedBranches(t *testing.T) {
	s := newStore(t)
	c := mustCommit(t, s, 1, nil, nil)
	for _, r := range []string{"refs/writ/decisions/i-1/a", "refs/writ/decisions/i-2/b", "refs/writ/rejected/i-1/a",
		"refs/remotes/origin/proposals/i-1/a", "refs/remotes/up/proposals/i-1/a", "refs/remotes/up/proposals/i-3/c",
		"refs/remotes/a/proposals/i-4/d", "refs/remotes/b/proposals/i-4/d"} {
		mustCAS(t, s, r, plumbing.ZeroHash, c)
	}
	if err := exec.Command("git", "-C", s.GitDir(), "pack-refs", "--all").Run(); err != nil {
		t.Fatal(err)
	}
	mustCAS(t, s, "refs/writ/decisions/i-3/c", plumbing.ZeroHash, c) // loose, beside the packed ones
	got, err := s.RefsUnder("refs/writ/decisions/")
	if err != nil || len(got) != 3 || got["refs/writ/decisions/i-1/a"] != c || got["refs/writ/decisions/i-3/c"] != c {
		t.Fatalf("RefsUnder = %v, %v", got, err)
	}
	for _, tt := range []struct{ branch, want, err string }{
		{"proposals/i-1/a", "refs/remotes/origin/proposals/i-1/a", ""},
		{"proposals/i-3/c", "refs/remotes/up/proposals/i-3/c", ""},
		{"proposals/i-4/d", "", "several remotes (a, b)"},
		{"proposals/i-9/z", "", "no such ref"},
	} {
		tr, err := s.TrackedBranch(tt.branch)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("TrackedBranch(%s) = %v, %v; want error %q", tt.branch, tr, err, tt.err)
			}
			continue
		}
		if err != nil || tr.Ref != tt.want || tr.Hash != c {
			t.Errorf("TrackedBranch(%s) = %+v, %v; want %s", tt.branch, tr, err, tt.want)
		}
	}
}
