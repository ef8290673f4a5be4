package reconciler

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/writ-dev/writ/reconciler/intake"
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
		var b strings.Builder
		msg := strings.Repeat("a", size-1) + "\n"
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "commit %s\nmark :%d\ncommitter A <a@example.com> %d +0000\ndata %d\n%s", ref, i, 1800000000+i, len(msg), msg)
			if i == 1 {
				fmt.Fprintf(&b, "from %s\n", res.Head)
			} else {
				fmt.Fprintf(&b, "from :%d\n", i-1)
			}
			b.WriteString("\n")
		}
		gitIn(t, e, b.String(), "fast-import", "--quiet")
		return plumbing.NewHash(gitIn(t, e, "", "rev-parse", ref))
	}
	cost := func(head plumbing.Hash) (uint64, time.Duration, []string) {
		var p intake.Pending
		var err error
		alloc, took := allocated(func() { p, err = e.PendingFromCommits(res.State.Rules(), res.Head, "pull/24", head) })
		if err != nil {
			t.Fatal(err)
		}
		return alloc, took, p.Problems
	}
	small, st, sp := cost(branch(100, 2, "refs/heads/small"))
	large, lt, lp := cost(branch(100, 3<<20, "refs/heads/large"))
	t.Logf("100 short commits: %d KB in %v %.80q; 100 commits of 3 MiB: %d MB in %v %.80q", small>>10, st, sp, large>>20, lt, lp)
	if large-small > 256<<20 {
		t.Errorf("refusing 100 unsigned commits of 3 MiB messages (a few MB pushed) allocated %d MB more than refusing 100 short ones: the walk decodes and holds every commit's message before verifying any",
			(large-small)>>20)
	}
}
