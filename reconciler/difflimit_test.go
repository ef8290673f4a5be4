package reconciler

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
)

// gitIn runs git on the engine's repository with stdin and returns its
// trimmed output.
func gitIn(t *testing.T, e *Engine, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"--git-dir", e.Store.GitDir()}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// treeDAG writes, with git itself, a directory that reuses one subtree
// under 128 names at each of levels levels above a file: 128^levels
// paths in about 5 KB of objects per level.
func treeDAG(t *testing.T, e *Engine, levels int) plumbing.Hash {
	t.Helper()
	h, mode, kind := gitIn(t, e, "x\n", "hash-object", "-w", "--stdin"), "100644", "blob"
	for range levels {
		var b strings.Builder
		for i := range 128 {
			fmt.Fprintf(&b, "%s %s %s\tn%03d\n", mode, kind, h, i)
		}
		h, mode, kind = gitIn(t, e, b.String(), "mktree"), "040000", "tree"
	}
	return plumbing.NewHash(h)
}

// withDAG returns a tree: commit's, plus the directory zz holding a tree
// DAG of levels levels.
func withDAG(t *testing.T, e *Engine, commit plumbing.Hash, levels int) plumbing.Hash {
	t.Helper()
	dag := treeDAG(t, e, levels)
	ls := gitIn(t, e, "", "ls-tree", commit.String())
	return plumbing.NewHash(gitIn(t, e, ls+"\n"+fmt.Sprintf("040000 tree %s\tzz\n", dag), "mktree"))
}

// TestUnsignedPullRequestIsRefusedBeforeItsTreeIsRead: a pull request's
// commits (PendingFromCommits: judge and apply runs read every open pull
// request, forks included) are refused for a missing signature before
// what they change is listed. The commit here, nobody's, 14 KB of
// objects, adds 2,097,152 paths by reusing subtrees (one more level
// would be 268 million): reading it costs about its objects.
func TestUnsignedPullRequestIsRefusedBeforeItsTreeIsRead(t *testing.T) {
	e, _ := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	root := withDAG(t, e, res.Head, 3)
	c := gitIn(t, e, "", "-c", "user.name=x", "-c", "user.email=x@example.invalid", "commit-tree", root.String(), "-p", res.Head.String(), "-m", "pr commit")

	start := time.Now()
	p, err := e.PendingFromCommits(res.State.Rules(), res.Head, "pull/9", plumbing.NewHash(c))
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Fatalf("reading an unsigned 14 KB pull request took %v (problems %v, err %v): every path of its tree DAG was listed", took, p.Problems, err)
	}
	if err != nil || len(p.Problems) != 1 || !strings.HasPrefix(p.Problems[0], "pull/9: ") || !strings.Contains(p.Problems[0], c[:7]) ||
		!strings.Contains(p.Problems[0], "unsigned") {
		t.Fatalf("problems %q, err %v; want pull/9's unsigned commit %s refused", p.Problems, err, c[:7])
	}
}

// TestSignedPullRequestOverTheDiffLimitsIsRefused: an agent's key is
// enough to sign a commit, so the diff of a signed commit is bounded too:
// a pull request whose commit adds a tree DAG (2,097,152 paths) is refused
// at gitstore.MaxDiffEntries, naming the pull request, the commit and the
// limit.
func TestSignedPullRequestOverTheDiffLimitsIsRefused(t *testing.T) {
	e, keys := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	signer, _ := keys.Signer("deploy-agent")
	msg, _ := wal.FormatMessage("pr commit", "", nil)
	c, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{res.Head}, BaseTree: withDAG(t, e, res.Head, 3),
		Files:   map[string][]byte{"proposals/web-7/create.yaml": []byte("instance: web-7\nworkflow: release\ntransition: create\nbase_state: none\nidem_key: web-7-create\n")},
		Message: msg, Author: e.signature(nil, "deploy-agent"), Committer: e.signature(nil, "deploy-agent"), Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.PendingFromCommits(res.State.Rules(), res.Head, "pull/10", c)
	if err != nil || len(p.Problems) != 1 {
		t.Fatalf("problems %q, err %v; want one", p.Problems, err)
	}
	for _, want := range []string{"pull/10: commit " + c.String()[:7], "gitstore.MaxDiffEntries", "more than 10000 changed tree entries"} {
		if !strings.Contains(p.Problems[0], want) {
			t.Errorf("problem %q does not say %q", p.Problems[0], want)
		}
	}
}

// TestProposalBranchOverTheDiffLimitsIsRefusedAlone: a local proposal
// branch that an agent signed, whose commit adds a tree DAG besides its
// proposal, is refused with the branch, the commit and the limit, and a
// good proposal in the same run applies.
func TestProposalBranchOverTheDiffLimitsIsRefusedAlone(t *testing.T) {
	e, keys := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	propose(t, e, "deploy-agent", "create", nil)
	signer, _ := keys.Signer("deploy-agent")
	msg, _ := wal.FormatMessage("propose web-2 create", "", nil)
	c, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{res.Head}, BaseTree: withDAG(t, e, res.Head, 3),
		Files:   map[string][]byte{"proposals/web-2/create.yaml": []byte("instance: web-2\nworkflow: release\ntransition: create\nbase_state: none\nidem_key: web-2-create\n")},
		Message: msg, Author: e.signature(nil, "deploy-agent"), Committer: e.signature(nil, "deploy-agent"), Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	const branch = "proposals/web-2/create"
	if err := e.Store.CompareAndSwap("refs/heads/"+branch, plumbing.ZeroHash, c); err != nil {
		t.Fatal(err)
	}
	rep := reconcile(t, e, 1)
	if got := rep.Applied[0].Gate.Pending.Path; got == "" || !strings.HasPrefix(got, "proposals/web-1/create") {
		t.Fatalf("applied %s, want web-1's create", got)
	}
	var refused *intake.GateResult
	for i, g := range rep.Skipped {
		if g.Pending.Branch == branch {
			refused = &rep.Skipped[i]
		}
	}
	if refused == nil {
		t.Fatalf("%s is not among the skipped proposals: %+v", branch, rep.Skipped)
	}
	for _, want := range []string{branch + ": commit " + c.String()[:7], "gitstore.MaxDiffEntries"} {
		if !strings.Contains(refused.Reason, want) {
			t.Errorf("refusal %q does not say %q", refused.Reason, want)
		}
	}
}

// flatDir writes, with git itself, a directory of n files (one blob under
// n names).
func flatDir(t *testing.T, e *Engine, n int) plumbing.Hash {
	t.Helper()
	blob := gitIn(t, e, "x\n", "hash-object", "-w", "--stdin")
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "100644 blob %s\tf%05d\n", blob, i)
	}
	return plumbing.NewHash(gitIn(t, e, b.String(), "mktree"))
}

// withDir returns commit's tree plus the directory zz holding dir.
func withDir(t *testing.T, e *Engine, commit, dir plumbing.Hash) plumbing.Hash {
	t.Helper()
	ls := gitIn(t, e, "", "ls-tree", commit.String())
	return plumbing.NewHash(gitIn(t, e, ls+"\n"+fmt.Sprintf("040000 tree %s\tzz\n", dir), "mktree"))
}

// TestAProposalsCommitsShareOneDiffBudget: the diff limits count over all
// of a proposal's commits, so a signer cannot multiply what reading a
// proposal costs by splitting a large change into commits each under the
// limits: three commits of 4,000 changed entries each (add a directory,
// remove it, add it again with the proposal) are refused at the third,
// naming it, the limit and that the commits were counted together.
func TestAProposalsCommitsShareOneDiffBudget(t *testing.T) {
	e, keys := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	signer, _ := keys.Signer("deploy-agent")
	dir := flatDir(t, e, 4000)
	headTree := plumbing.NewHash(gitIn(t, e, "", "rev-parse", res.Head.String()+"^{tree}"))
	parent := res.Head
	var last plumbing.Hash
	for i, base := range []plumbing.Hash{withDir(t, e, res.Head, dir), headTree, withDir(t, e, res.Head, dir)} {
		msg, _ := wal.FormatMessage(fmt.Sprintf("step %d", i), "", nil)
		req := gitstore.CommitRequest{Parents: []plumbing.Hash{parent}, BaseTree: base, Message: msg,
			Author: e.signature(nil, "deploy-agent"), Committer: e.signature(nil, "deploy-agent"), Signer: signer}
		if i == 2 {
			req.Files = map[string][]byte{"proposals/web-8/create.yaml": []byte("instance: web-8\nworkflow: release\ntransition: create\nbase_state: none\nidem_key: web-8-create\n")}
		}
		c, err := e.Store.WriteCommit(req)
		if err != nil {
			t.Fatal(err)
		}
		parent, last = c, c
	}
	p, err := e.PendingFromCommits(res.State.Rules(), res.Head, "pull/11", last)
	if err != nil || len(p.Problems) != 1 {
		t.Fatalf("problems %q, err %v; want one", p.Problems, err)
	}
	for _, want := range []string{"pull/11: commit " + last.String()[:7], "gitstore.MaxDiffEntries", "(3 diffs in all) together"} {
		if !strings.Contains(p.Problems[0], want) {
			t.Errorf("problem %q does not say %q", p.Problems[0], want)
		}
	}
}

// TestAProposalOfTooManyCommitsIsRefused: a branch with more than
// intake.MaxProposalCommits commits between main and its head, each one
// signed by its proposer and changing only the proposal, is refused with
// the count and the limit, as a pull request and as a local branch, and
// another proposal in the same run applies.
func TestAProposalOfTooManyCommitsIsRefused(t *testing.T) {
	e, keys := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	signer, _ := keys.Signer("deploy-agent")
	parent := res.Head
	for i := range intake.MaxProposalCommits + 1 {
		msg, _ := wal.FormatMessage(fmt.Sprintf("edit %d", i), "", nil)
		c, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{parent},
			Files:   map[string][]byte{"proposals/web-3/create.yaml": []byte(fmt.Sprintf("instance: web-3\nworkflow: release\ntransition: create\nbase_state: none\nidem_key: web-3-create-%d\n", i))},
			Message: msg, Author: e.signature(nil, "deploy-agent"), Committer: e.signature(nil, "deploy-agent"), Signer: signer})
		if err != nil {
			t.Fatal(err)
		}
		parent = c
	}
	want := fmt.Sprintf("has more than %d commits between main and its head, more than a proposal may have (intake.MaxProposalCommits; ", intake.MaxProposalCommits)
	p, err := e.PendingFromCommits(res.State.Rules(), res.Head, "pull/12", parent)
	if err != nil || len(p.Problems) != 1 || !strings.Contains(p.Problems[0], "pull/12 "+want) {
		t.Fatalf("problems %q, err %v; want one saying %q", p.Problems, err, want)
	}

	const branch = "proposals/web-3/create"
	if err := e.Store.CompareAndSwap("refs/heads/"+branch, plumbing.ZeroHash, parent); err != nil {
		t.Fatal(err)
	}
	propose(t, e, "deploy-agent", "create", nil)
	rep := reconcile(t, e, 1)
	if len(rep.Applied) != 1 || !strings.HasPrefix(rep.Applied[0].Gate.Pending.Path, "proposals/web-1/create") {
		t.Fatalf("applied %+v, want web-1's create", rep.Applied)
	}
	var refused *intake.GateResult
	for i, g := range rep.Skipped {
		if g.Pending.Branch == branch {
			refused = &rep.Skipped[i]
		}
	}
	if refused == nil || !strings.Contains(refused.Reason, branch+" "+want) {
		t.Fatalf("%s: %+v; want it refused saying %q", branch, refused, want)
	}
}
