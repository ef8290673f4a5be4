package reconciler

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// orphanBranch writes, with git fast-import, a root commit and n commits
// on it, all dated at unix time at, and returns the last.
func orphanBranch(t *testing.T, e *Engine, n int, at int64, ref string) plumbing.Hash {
	t.Helper()
	return commitChain(t, e, plumbing.ZeroHash, n+1, at, "x\n", ref)
}

// TestBackdatedBranchDoesNotReadAllOfMain: a branch that meets a root
// commit sends the walk to the full painter, which expands commits newest
// first; a branch backdated to 2001 (its author sets the dates) stayed
// queued while every commit of main was read. With its limit the painter
// reads at most gitstore's painterSlack times the limit in all, so
// refusing the same unsigned 2-commit orphan costs about the same on a
// main of 5,000 commits as on one of 10,000, and it is refused.
func TestBackdatedBranchDoesNotReadAllOfMain(t *testing.T) {
	e, _ := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	head := orphanBranch(t, e, 1, 1000000000, "refs/heads/backdated")
	cost := func(fill int) (uint64, time.Duration, []string) {
		main := longBranch(t, e, res.Head, fill, fmt.Sprintf("refs/heads/main-%d", fill))
		c := readPending(e, res.State.Rules(), main, "pull/22", head)
		if c.err != nil {
			t.Fatal(c.err)
		}
		return c.alloc, c.took, c.p.Problems
	}
	short, st, sp := cost(5000)
	long, lt, lp := cost(10000)
	t.Logf("main 5,000: %d KB in %v %q; main 10,000: %d KB in %v %q", short>>10, st, sp, long>>10, lt, lp)
	if len(lp) != 1 || !strings.Contains(lp[0], "MaxProposalCommits") {
		t.Errorf("the backdated orphan is not refused for its walk: %q", lp)
	}
	if long > 3*short/2 {
		t.Errorf("refusing the same unsigned backdated 2-commit branch allocated %d KB (%v) on a main of 10,000 commits, %.1fx what it did on one of 5,000 (%d KB, %v): the painter reads all of main before counting the branch's commits",
			long>>10, lt, float64(long)/float64(short), short>>10, st)
	}
}

// TestBackdatedBranchStopsAtTheLimit: a fork's pull request of
// MaxProposalCommits+1 unsigned commits on main, backdated (the first walk
// gives up past 1,000 commits and falls back to the painter), is refused
// after reading about as much on a main of 8,000 commits as on one of 10.
func TestBackdatedBranchStopsAtTheLimit(t *testing.T) {
	e, _ := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	// Branch off main's entry, backdated to 2001, one commit over the limit.
	const n = 1001
	head := commitChain(t, e, res.Head, n, 1000000000, "x\n", "refs/heads/old")
	cost := func(fill int) uint64 {
		main := longBranch(t, e, res.Head, fill, fmt.Sprintf("refs/heads/m-%d", fill))
		c := readPending(e, res.State.Rules(), main, "pull/23", head)
		if c.err != nil || len(c.p.Problems) != 1 || !strings.Contains(c.p.Problems[0], "MaxProposalCommits") {
			t.Fatalf("problems %q, err %v; want too many commits", c.p.Problems, c.err)
		}
		return c.alloc
	}
	short, long := cost(10), cost(8000)
	t.Logf("main 10: %d KB; main 8,000: %d KB", short>>10, long>>10)
	if long > 3*short {
		t.Errorf("refusing a backdated %d-commit branch allocated %d KB on a main of 8,000 commits, %.1fx what it did on one of 10 (%d KB): the walk read all of main before the limit stopped it",
			n, long>>10, float64(long)/float64(short), short>>10)
	}
}
