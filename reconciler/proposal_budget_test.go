package reconciler

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// TestUpdateMergeLookupsCountAgainstTheProposalsBudget: to tell an
// update merge, every path the merge changes against main is looked up in
// the branch and in the merge, and each lookup reads every tree on the
// path again (trees over 1 MiB are not cached). An unsigned merge (a
// fork's pull request needs no key: update merges need no proposer
// signature, and they are recognised before signatures are checked) whose
// second parent is main's head and whose tree adds one directory of n
// files with ~4,000-byte names cost 2*n*treeSize bytes of tree reads:
// ~800 GB at n = 9,998. The lookups count against the proposal's budget,
// as part of the merge's diff, so the reads stop near MaxDiffTreeBytes
// (here n = 600, a 2.4 MB tree: 2.9 GB of reads before).
func TestUpdateMergeLookupsCountAgainstTheProposalsBudget(t *testing.T) {
	e, _ := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	blob := gitIn(t, e, "x\n", "hash-object", "-w", "--stdin")
	const n = 600
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "100644 blob %s\t%04d%s\n", blob, i, strings.Repeat("a", 3990))
	}
	dir := gitIn(t, e, b.String(), "mktree")
	ls := gitIn(t, e, "", "ls-tree", res.Head.String())
	tree := plumbing.NewHash(gitIn(t, e, ls+"\n040000 tree "+dir+"\tzz\n", "mktree"))
	who := e.signature(nil, "deploy-agent")
	branch, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{res.Head}, BaseTree: tree,
		Message: "branch\n", Author: who, Committer: who})
	if err != nil {
		t.Fatal(err)
	}
	merge, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{branch, res.Head}, BaseTree: tree,
		Message: "Merge branch 'main' into x\n", Author: who, Committer: who})
	if err != nil {
		t.Fatal(err)
	}
	cost := readPending(e, res.State.Rules(), res.Head, "pull/13", merge)
	p, err, alloc, took := cost.p, cost.err, cost.alloc, cost.took
	t.Logf("problems %q err %v; took %v", p.Problems, err, took)
	if alloc > 2*gitstore.MaxDiffTreeBytes {
		t.Errorf("reading an unsigned pull request allocated %d MB in %v, more than twice MaxDiffTreeBytes (%d MB), the most one diff may read: the update-merge path lookups are not counted",
			alloc>>20, took, gitstore.MaxDiffTreeBytes>>20)
	}
	if err != nil || len(p.Problems) != 1 || !strings.Contains(p.Problems[0], "unsigned") {
		t.Errorf("problems %q, err %v: want the merge judged as the branch's own commit and refused as unsigned", p.Problems, err)
	}
}

// longBranch writes, with git fast-import, n unsigned empty commits on
// top of base and returns the last.
func longBranch(t *testing.T, e *Engine, base plumbing.Hash, n int, ref string) plumbing.Hash {
	t.Helper()
	return commitChain(t, e, base, n, 1800000000, "x\n", ref)
}

// commitChain makes ref a chain of n unsigned commits of the same tree
// (git fast-import), the first on base (a root commit when base is zero),
// commit i committed at at+i with message msg.
func commitChain(t *testing.T, e *Engine, base plumbing.Hash, n int, at int64, msg, ref string) plumbing.Hash {
	t.Helper()
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "commit %s\nmark :%d\ncommitter A <a@example.com> %d +0000\ndata %d\n%s", ref, i, at+int64(i), len(msg), msg)
		switch {
		case i > 1:
			fmt.Fprintf(&b, "from :%d\n", i-1)
		case !base.IsZero():
			fmt.Fprintf(&b, "from %s\n", base)
		}
		b.WriteString("\n")
	}
	gitIn(t, e, b.String(), "fast-import", "--quiet")
	return plumbing.NewHash(gitIn(t, e, "", "rev-parse", ref))
}

// TestTooManyCommitsStopsTheWalk: the walk of a pull request's commits
// stops after intake.MaxProposalCommits of them, so refusing a pull
// request of 10,000 unsigned empty commits (cheap to push: they share one
// tree) costs about what refusing one of 1,100 does, not reading all of
// them on every reconcile.
func TestTooManyCommitsStopsTheWalk(t *testing.T) {
	e, _ := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	cost := func(n int) (uint64, []string) {
		head := longBranch(t, e, res.Head, n, fmt.Sprintf("refs/heads/long%d", n))
		c := readPending(e, res.State.Rules(), res.Head, "pull/14", head)
		if c.err != nil {
			t.Fatal(c.err)
		}
		return c.alloc, c.p.Problems
	}
	small, sp := cost(1100)
	large, lp := cost(10000)
	t.Logf("1,100 commits: %d KB %q; 10,000 commits: %d KB %q", small>>10, sp, large>>10, lp)
	if large > 3*small {
		t.Errorf("refusing a 10,000-commit pull request allocated %d MB, %.0fx a 1,100-commit one (%d MB): the walk is not bounded by MaxProposalCommits",
			large>>20, float64(large)/float64(small), small>>20)
	}
}

// TestAFewCommitsOnALargeMainAreNotRefused: every diff of a proposal's
// commit reads main's proposals/ on both sides, so the tree bytes a
// proposal's diffs read together are bounded by MaxProposalTreeBytes, not
// by one diff's MaxDiffTreeBytes: a signed proposal of 4 commits adding
// one file is not refused when main's proposals/ is 40 MiB (about a
// million instances, within what MaxTreeSize allows).
func TestAFewCommitsOnALargeMainAreNotRefused(t *testing.T) {
	e, keys := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	signer, _ := keys.Signer("deploy-agent")
	blob := gitIn(t, e, "x\n", "hash-object", "-w", "--stdin")
	sub := gitIn(t, e, "100644 blob "+blob+"\told.yaml\n", "mktree")
	var b strings.Builder
	pad := strings.Repeat("i", 190)
	for i := range 185000 {
		fmt.Fprintf(&b, "040000 tree %s\tinst-%s-%07d\n", sub, pad, i)
	}
	props := gitIn(t, e, b.String(), "mktree")
	var root strings.Builder
	root.WriteString(gitIn(t, e, "", "ls-tree", res.Head.String()) + "\n040000 tree " + props + "\tproposals\n")
	who := e.signature(nil, "deploy-agent")
	main, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{res.Head},
		BaseTree: plumbing.NewHash(gitIn(t, e, root.String(), "mktree")), Message: "big main\n", Author: who, Committer: who})
	if err != nil {
		t.Fatal(err)
	}
	parent := main
	for i := range 4 {
		msg, _ := wal.FormatMessage(fmt.Sprintf("edit %d", i), "", nil)
		c, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{parent},
			Files:   map[string][]byte{"proposals/web-8/create.yaml": []byte(fmt.Sprintf("instance: web-8\nworkflow: release\ntransition: create\nbase_state: none\nidem_key: web-8-create-%d\n", i))},
			Message: msg, Author: who, Committer: who, Signer: signer})
		if err != nil {
			t.Fatal(err)
		}
		parent = c
	}
	p, err := e.PendingFromCommits(res.State.Rules(), main, "pull/15", parent)
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range p.Problems {
		if strings.Contains(pr, "too large") {
			t.Errorf("a signed 4-commit proposal adding one file is refused: %s", pr)
		}
	}
}

// TestAFirstCommitOverTheLimitAloneIsSaidToBe: a proposal whose first
// commit alone is over MaxDiffEntries, with a GitHub update merge after it
// (update merges are diffed first), is refused for that commit alone, not
// said to share the limit with commits before it.
func TestAFirstCommitOverTheLimitAloneIsSaidToBe(t *testing.T) {
	e, keys := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	signer, _ := keys.Signer("deploy-agent")
	who := e.signature(nil, "deploy-agent")
	big := withDir(t, e, res.Head, flatDir(t, e, gitstore.MaxDiffEntries+1))
	msg, _ := wal.FormatMessage("big", "", nil)
	first, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{res.Head}, BaseTree: big,
		Message: msg, Author: who, Committer: who, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	headTree := plumbing.NewHash(gitIn(t, e, "", "rev-parse", res.Head.String()+"^{tree}"))
	msg, _ = wal.FormatMessage("proposal", "", nil)
	second, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{first}, BaseTree: headTree,
		Files:   map[string][]byte{"proposals/web-8/create.yaml": []byte("instance: web-8\nworkflow: release\ntransition: create\nbase_state: none\nidem_key: web-8-create\n")},
		Message: msg, Author: who, Committer: who, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	merge, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{second, res.Head},
		Message: "Merge branch 'main' into web-8\n", Author: who, Committer: who})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.PendingFromCommits(res.State.Rules(), res.Head, "pull/16", merge)
	if err != nil || len(p.Problems) != 1 {
		t.Fatalf("problems %q, err %v; want one", p.Problems, err)
	}
	if !strings.Contains(p.Problems[0], "commit "+first.String()[:7]) {
		t.Fatalf("problem %q does not name the first commit", p.Problems[0])
	}
	if strings.Contains(p.Problems[0], "before it") {
		t.Errorf("the first commit, over the limit alone, is said to share it with commits before it: %s", p.Problems[0])
	}
}

// TestARuleChangesLookupsCountAgainstItsBudget: a rule change may change
// many governed files, and each is checked to be a regular file by a
// lookup that reads every tree on its path again. A signed rule change
// adding 600 files with ~4,000-byte names to one directory (a 2.4 MB
// tree) cost 600 reads of that tree; the lookups count against the
// proposal's budget, so the reads stop near MaxDiffTreeBytes and the
// proposal is refused as too large.
func TestARuleChangesLookupsCountAgainstItsBudget(t *testing.T) {
	e, keys := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	signer, _ := keys.Signer("alice")
	blob := gitIn(t, e, "x\n", "hash-object", "-w", "--stdin")
	var b strings.Builder
	for i := range 600 {
		fmt.Fprintf(&b, "100644 blob %s\t%04d%s.yaml\n", blob, i, strings.Repeat("a", 3990))
	}
	dir := gitIn(t, e, b.String(), "mktree")
	ls := gitIn(t, e, "", "ls-tree", res.Head.String())
	tree := plumbing.NewHash(gitIn(t, e, ls+"\n040000 tree "+dir+"\tbig\n", "mktree"))
	who := e.signature(nil, "alice")
	msg, _ := wal.FormatMessage("rules", "", nil)
	c, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{res.Head}, BaseTree: tree,
		Files:   map[string][]byte{"proposals/rules/big.yaml": []byte("instance: rules\nworkflow: governance\ntransition: change\nbase_state: none\nidem_key: big\n")},
		Message: msg, Author: who, Committer: who, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	cost := readPending(e, res.State.Rules(), res.Head, "pull/17", c)
	p, err, alloc, took := cost.p, cost.err, cost.alloc, cost.took
	t.Logf("problems %q err %v; took %v", p.Problems, err, took)
	if alloc > 2*gitstore.MaxDiffTreeBytes {
		t.Errorf("reading a rule change allocated %d MB in %v, more than twice MaxDiffTreeBytes (%d MB): its lookups are not counted",
			alloc>>20, took, gitstore.MaxDiffTreeBytes>>20)
	}
	if err != nil || len(p.Problems) != 1 || !strings.Contains(p.Problems[0], "gitstore.MaxDiffTreeBytes") {
		t.Errorf("problems %q, err %v: want the rule change refused at gitstore.MaxDiffTreeBytes", p.Problems, err)
	}
}

// TestARuleChangeOfTooManyBytesIsRefused: the files a rule change adds
// are held in memory to be validated, each at most gitstore.MaxFileSize;
// together they may hold at most intake.MaxRuleChangeBytes, so a signed
// rule change of thousands of 1 MiB files is refused after reading that
// much, not held whole.
func TestARuleChangeOfTooManyBytesIsRefused(t *testing.T) {
	e, _ := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	files := map[string][]byte{}
	n := intake.MaxRuleChangeBytes/gitstore.MaxFileSize + 1
	for i := range n {
		files[fmt.Sprintf("docs/big-%03d.bin", i)] = []byte(strings.Repeat(fmt.Sprintf("%03d", i), gitstore.MaxFileSize/3))
	}
	prop, err := e.ProposeRules(ProposeRulesRequest{As: "alice", Name: "docs", Files: files})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.PendingFromCommits(res.State.Rules(), res.Head, "pull/18", prop.Commit)
	if err != nil || len(p.Problems) != 1 || !strings.Contains(p.Problems[0], "intake.MaxRuleChangeBytes") {
		t.Fatalf("problems %q, err %v: want the rule change of %d files of 1 MiB refused at intake.MaxRuleChangeBytes", p.Problems, err, n)
	}
}

// readCost is what reading one pull request cost (readPending).
type readCost struct {
	p     intake.Pending
	err   error
	alloc uint64        // bytes allocated
	took  time.Duration // wall time
}

// readPending reads pull request pr, whose head is head, against main as
// each reconcile does (PendingFromCommits), after a collection: what
// reading a hostile proposal costs.
func readPending(e *Engine, rules *schemas.Bundle, main plumbing.Hash, pr string, head plumbing.Hash) readCost {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	var c readCost
	c.p, c.err = e.PendingFromCommits(rules, main, pr, head)
	c.took = time.Since(start)
	runtime.ReadMemStats(&after)
	c.alloc = after.TotalAlloc - before.TotalAlloc
	return c
}

// TestARuleChangesProblemsAreListedUpToTen: a rule change with a problem
// in each of many files (here 25 files over gitstore.MaxFileSize) lists
// ten of them and how many more, not one message per file into every
// report and check run.
func TestARuleChangesProblemsAreListedUpToTen(t *testing.T) {
	e, _ := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	files := map[string][]byte{}
	for i := range 25 {
		files[fmt.Sprintf("docs/big-%02d.bin", i)] = []byte(strings.Repeat(fmt.Sprint(i%10), gitstore.MaxFileSize+1))
	}
	prop, err := e.ProposeRules(ProposeRulesRequest{As: "alice", Name: "many", Files: files})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.PendingFromCommits(res.State.Rules(), res.Head, "pull/19", prop.Commit)
	if err != nil || len(p.Problems) != 11 || !strings.Contains(p.Problems[10], "and 15 more problems like these") ||
		!strings.Contains(p.Problems[0], "docs/big-00.bin") {
		t.Fatalf("%d problems, err %v; want ten files named and 15 more counted: %.300q", len(p.Problems), err, p.Problems)
	}
}
