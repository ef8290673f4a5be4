package intake

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
)

// TestForkPointDiffIsBounded: a rule change's fork points are compared
// with main (editedOnOlderRules) under the diff limits. A fork point is
// normally a commit of main, but when the branch walk falls back to the
// branch's whole history it can be any parent, one anyone with push
// access wrote: here one of about 14 KB of objects whose tree DAG under a
// governed root spells 2,097,152 paths. It is refused at the limit, not
// listed whole.
func TestForkPointDiffIsBounded(t *testing.T) {
	s, err := gitstore.Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	git := gitOn(t, s)
	blob := git("x\n", "hash-object", "-w", "--stdin")
	h, mode, kind := blob, "100644", "blob"
	for range 3 {
		var b strings.Builder
		for i := range 128 {
			fmt.Fprintf(&b, "%s %s %s\tn%03d\n", mode, kind, h, i)
		}
		h, mode, kind = git(b.String(), "mktree"), "040000", "tree"
	}
	main := git("", "commit-tree", git(fmt.Sprintf("100644 blob %s\twrit.yaml\n", blob), "mktree"), "-m", "main")
	fork := git("", "commit-tree", git(fmt.Sprintf("100644 blob %s\twrit.yaml\n040000 tree %s\tzz\n", blob, h), "mktree"), "-m", "foreign")

	e := &Reader{Store: s}
	_, err = e.editedOnOlderRules(&gitstore.DiffBudget{}, plumbing.NewHash(main), []plumbing.Hash{plumbing.NewHash(fork)}, map[string]bool{"writ.yaml": true})
	if !errors.Is(err, gitstore.ErrDiffTooLarge) || !strings.Contains(err.Error(), fork[:7]) {
		t.Fatalf("err %v; want fork point %s refused over the diff limits", err, fork[:7])
	}
}

// TestForkPointsShareTheProposalsBudget: a rule change's fork points are
// diffed within the proposal's one budget, so many fork points (an
// octopus merge can name thousands of parents) cost no more than one
// diff's limits together, and more fork points than a proposal may have
// commits are refused without a diff.
func TestForkPointsShareTheProposalsBudget(t *testing.T) {
	s, err := gitstore.Init(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	git := gitOn(t, s)
	blob := git("x\n", "hash-object", "-w", "--stdin")
	var b strings.Builder
	for i := range 6000 {
		fmt.Fprintf(&b, "100644 blob %s\tf%05d.yaml\n", blob, i)
	}
	dir := git(b.String(), "mktree")
	main := plumbing.NewHash(git("", "commit-tree", git(fmt.Sprintf("100644 blob %s\twrit.yaml\n", blob), "mktree"), "-m", "main"))
	var forks []plumbing.Hash
	for i := range 2 {
		tree := git(fmt.Sprintf("100644 blob %s\twrit.yaml\n040000 tree %s\tworkflows\n", blob, dir), "mktree")
		forks = append(forks, plumbing.NewHash(git("", "commit-tree", tree, "-m", fmt.Sprintf("fork %d", i))))
	}
	e := &Reader{Store: s}
	changed := map[string]bool{"writ.yaml": true}
	// Each fork point alone is within the limits (6,000 changed entries).
	for _, f := range forks {
		if _, err := e.editedOnOlderRules(&gitstore.DiffBudget{}, main, []plumbing.Hash{f}, changed); err != nil {
			t.Fatalf("one fork point alone: %v", err)
		}
	}
	_, err = e.editedOnOlderRules(&gitstore.DiffBudget{}, main, forks, changed)
	if !errors.Is(err, gitstore.ErrDiffTooLarge) || !strings.Contains(err.Error(), "together") {
		t.Fatalf("two fork points of 6,000 changed entries each: %v; want the proposal's budget spent together", err)
	}
	many := make([]plumbing.Hash, MaxProposalCommits+1)
	for i := range many {
		many[i] = main
	}
	if _, err := e.editedOnOlderRules(&gitstore.DiffBudget{}, main, many, changed); err == nil || !strings.Contains(err.Error(), "intake.MaxProposalCommits") {
		t.Fatalf("%d fork points: %v; want them refused", len(many), err)
	}
}

// gitOn returns a runner of git on s's repository with stdin, giving its
// trimmed output.
func gitOn(t *testing.T, s *gitstore.Store) func(stdin string, args ...string) string {
	return func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"--git-dir", s.GitDir(), "-c", "user.name=x", "-c", "user.email=x@example.invalid"}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
}
