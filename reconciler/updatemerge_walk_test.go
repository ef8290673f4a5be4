package reconciler

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// mergesOnto writes, with git fast-import, an unsigned commit on entry
// followed by n merge commits whose second parent is entry (what GitHub's
// "Update branch" writes when entry is main's head), and returns the last.
func mergesOnto(t *testing.T, e *Engine, entry plumbing.Hash, n int, ref string) plumbing.Hash {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "commit %s\nmark :1\ncommitter A <a@example.com> 1800000000 +0000\ndata 2\nx\nfrom %s\n\n", ref, entry)
	for i := 2; i <= n+1; i++ {
		msg := "Merge branch 'main' into x\n"
		fmt.Fprintf(&b, "commit %s\nmark :%d\ncommitter A <a@example.com> %d +0000\ndata %d\n%sfrom :%d\nmerge %s\n\n",
			ref, i, 1800000000+i, len(msg), msg, i-1, entry)
	}
	gitIn(t, e, b.String(), "fast-import", "--quiet")
	return plumbing.NewHash(gitIn(t, e, "", "rev-parse", ref))
}

// TestUpdateMergeChecksDoNotWalkMainPerMerge: to tell an update merge,
// writ checks that the merge's second parent is on main's first-parent
// history. It does so before any signature is checked, so a fork's pull
// request (no key needed) of up to intake.MaxProposalCommits merges whose
// second parent is main's oldest entry once made every run walk main's
// whole history once per merge. Now main is walked at most once per pull
// request: the same 200-merge branch costs about the same whether main
// has 10 or 2,000 commits above that entry.
func TestUpdateMergeChecksDoNotWalkMainPerMerge(t *testing.T) {
	e, _ := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	entry := res.Head
	cost := func(fill int) (uint64, time.Duration, []string) {
		main := longBranch(t, e, entry, fill, fmt.Sprintf("refs/heads/main-%d", fill))
		head := mergesOnto(t, e, entry, 200, fmt.Sprintf("refs/heads/merges-%d", fill))
		c := readPending(e, res.State.Rules(), main, "pull/21", head)
		if c.err != nil {
			t.Fatal(c.err)
		}
		return c.alloc, c.took, c.p.Problems
	}
	short, st, sp := cost(10)
	long, lt, lp := cost(2000)
	t.Logf("main 10 above the entry: %d KB in %v %q; main 2,000 above: %d KB in %v %q", short>>10, st, sp, long>>10, lt, lp)
	if long > 5*short {
		t.Errorf("refusing the same unsigned 200-merge pull request allocated %d MB (%v) with 2,000 commits on main above its merges' base, %.0fx what it did with 10 (%d KB, %v): every merge walks main's first-parent history (isUpdateMerge's FirstParentLog)",
			long>>20, lt, float64(long)/float64(short), short>>10, st)
	}
}
