package reconciler

import (
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// TestBranchWalkHoldsBoundedCommitBytes: the branch walk decodes and
// holds the commits between main and the head before any is verified,
// each up to gitstore.MaxCommitSize (4 MiB); a message of one repeated
// byte compresses a thousandfold, so a fork's pull request of a few
// megabytes could make writ hold gigabytes. The walk now stops once the
// commits it holds pass 16 MiB: refusing 100 unsigned commits of 3 MiB
// messages costs at most a few hundred megabytes more than 100 short ones.
func TestBranchWalkHoldsBoundedCommitBytes(t *testing.T) {
	e, _ := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	branch := func(n, size int, ref string) plumbing.Hash {
		return commitChain(t, e, res.Head, n, 1800000000, strings.Repeat("a", size-1)+"\n", ref)
	}
	cost := func(head plumbing.Hash) (uint64, time.Duration, []string) {
		c := readPending(e, res.State.Rules(), res.Head, "pull/24", head)
		if c.err != nil {
			t.Fatal(c.err)
		}
		return c.alloc, c.took, c.p.Problems
	}
	small, st, sp := cost(branch(100, 2, "refs/heads/small"))
	large, lt, lp := cost(branch(100, 3<<20, "refs/heads/large"))
	t.Logf("100 short commits: %d KB in %v %.80q; 100 commits of 3 MiB: %d MB in %v %.80q", small>>10, st, sp, large>>20, lt, lp)
	if large-small > 256<<20 {
		t.Errorf("refusing 100 unsigned commits of 3 MiB messages (a few MB pushed) allocated %d MB more than refusing 100 short ones: the walk decodes and holds every commit's message before verifying any",
			(large-small)>>20)
	}
}
