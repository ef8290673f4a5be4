package github

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
)

// TestContentHashesShareAPullRequestsBudget: contentHashes computes the
// content of every distinct commit an APPROVED or CHANGES_REQUESTED
// review names (anyone who can review may post them, up to 100 pages of
// 100), and for a rule change each is a diff of main against that commit.
// A rule change whose first commit adds a governed directory of 3,000
// files and whose other commits are empty made every run diff those files
// once per reviewed commit. The pull request's reviewed commits now share
// one budget: 60 reviewed commits cost about what one does.
func TestContentHashesShareAPullRequestsBudget(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "clone")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	git := gitInClone(t, dir)
	git("", "init", "-q")
	path := "proposals/rules/docs.yaml"
	blob := git("x\n", "hash-object", "-w", "--stdin")
	prop := git("instance: rules\n", "hash-object", "-w", "--stdin")
	rules := git("100644 blob "+prop+"\tdocs.yaml\n", "mktree")
	proposals := git("040000 tree "+rules+"\trules\n", "mktree")
	mainTree := git("100644 blob "+blob+"\twrit.yaml\n", "mktree")
	main := git("", "commit-tree", mainTree, "-m", "main")
	var b strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&b, "100644 blob %s\tf%05d.md\n", blob, i)
	}
	docs := git(b.String(), "mktree")
	tree := git(fmt.Sprintf("100644 blob %s\twrit.yaml\n040000 tree %s\tdocs\n040000 tree %s\tproposals\n", blob, docs, proposals), "mktree")
	var commits []string
	parent := main
	for i := range 60 {
		parent = git("", "commit-tree", tree, "-p", parent, "-m", fmt.Sprintf("commit %d", i))
		commits = append(commits, parent)
	}
	store, err := gitstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := &PullRequests{Store: store}
	cost := func(reviewed []string) uint64 {
		f := PullRequestFacts{HeadSHA: reviewed[len(reviewed)-1]}
		for i, c := range reviewed {
			f.Reviews = append(f.Reviews, Review{ID: int64(i + 1), UserLogin: fmt.Sprintf("anyone-%d", i), State: "APPROVED", CommitID: c})
		}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		got, err := r.contentHashes(context.Background(), plumbing.NewHash(main), path, f)
		runtime.ReadMemStats(&after)
		if err != nil || len(got) != len(reviewed) {
			t.Fatalf("contentHashes = %d, %v", len(got), err)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	one, all := cost(commits[:1]), cost(commits)
	t.Logf("1 reviewed commit: %d KB; %d: %d KB", one>>10, len(commits), all>>10)
	if all > 10*one {
		t.Errorf("the content hashes of %d reviewed commits allocated %d KB, %.0fx what one did (%d KB): each reviewed commit of a rule change is diffed against main with a fresh budget, none shared by the pull request",
			len(commits), all>>10, float64(all)/float64(one), one>>10)
	}
}
