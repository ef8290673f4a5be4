package gitstore

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gittest"
	"github.com/writ-dev/writ/gitstore/remotetest"
)

// packIndexes lists the pack index files of a repository.
func packIndexes(t *testing.T, gitDir string) []string {
	t.Helper()
	idxs, err := filepath.Glob(filepath.Join(gitDir, "objects", "pack", "pack-*.idx"))
	if err != nil {
		t.Fatal(err)
	}
	return idxs
}

// TestFetchAfterAKillWhileWritingItsPack: a fetch killed while its pack
// was being put in place leaves the pack's index behind, cut short, and no
// pack (go-git writes the index under its final name first). The next
// fetch of the same objects gets the same pack: it must end with a whole
// index beside the pack, so the clone reads every fetched commit, in this
// process and the next, and git fsck finds nothing wrong.
func TestFetchAfterAKillWhileWritingItsPack(t *testing.T) {
	ctx := context.Background()
	g := gittest.New(t)
	srv := remotetest.New(t)
	pusher := clone(t, g, srv)
	c1 := mustCommit(t, pusher, 1, nil, map[string]string{"f": "1"})
	if err := pusher.PushCAS(ctx, "origin", MainRef, plumbing.ZeroHash, c1); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "clone")
	g.Run("", "clone", "--quiet", srv.URL, dir)
	c2 := mustCommit(t, pusher, 2, []plumbing.Hash{c1}, map[string]string{"f": "2", "g": strings.Repeat("x", 5000)})
	if err := pusher.PushCAS(ctx, "origin", MainRef, c1, c2); err != nil {
		t.Fatal(err)
	}
	spec := MainRef + ":refs/remotes/origin/main"

	// What the next fetch writes: fetched once into a copy of the clone.
	cp := filepath.Join(t.TempDir(), "copy")
	if out, err := exec.Command("cp", "-a", dir, cp).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	before := packIndexes(t, filepath.Join(dir, ".git"))
	probe, err := Open(cp)
	if err != nil {
		t.Fatal(err)
	}
	if err := probe.Fetch(ctx, "origin", spec); err != nil {
		t.Fatal(err)
	}
	var fetched string
	for _, idx := range packIndexes(t, filepath.Join(cp, ".git")) {
		if !slices.Contains(before, strings.Replace(idx, cp, dir, 1)) {
			fetched = filepath.Base(idx)
		}
	}
	if fetched == "" {
		t.Fatal("the probe fetch wrote no pack")
	}
	whole, err := os.ReadFile(filepath.Join(cp, ".git", "objects", "pack", fetched))
	if err != nil {
		t.Fatal(err)
	}

	for _, cut := range []int{0, 100, 1100, len(whole) - 1} {
		t.Run(fmt.Sprintf("index cut at %d of %d bytes", cut, len(whole)), func(t *testing.T) {
			clone := filepath.Join(t.TempDir(), "clone")
			if out, err := exec.Command("cp", "-a", dir, clone).CombinedOutput(); err != nil {
				t.Fatalf("cp: %v\n%s", err, out)
			}
			// The killed fetch's leftover.
			if err := os.WriteFile(filepath.Join(clone, ".git", "objects", "pack", fetched), whole[:cut], 0o444); err != nil {
				t.Fatal(err)
			}
			s, err := Open(clone)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Fetch(ctx, "origin", spec); err != nil {
				t.Fatalf("fetch after the kill: %v", err)
			}
			if ok, err := s.IsAncestor(c1, c2); !ok || err != nil {
				t.Fatalf("IsAncestor(c1, c2) after the fetch = %v, %v", ok, err)
			}
			again, err := Open(clone)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := again.Commit(c2); err != nil {
				t.Fatalf("the next process reads the fetched commit: %v", err)
			}
			if err := again.Fetch(ctx, "origin", spec); err != nil {
				t.Fatalf("the next process fetches: %v", err)
			}
			if left, _ := filepath.Glob(filepath.Join(clone, ".git", "objects", incomingPrefix+"*")); len(left) > 0 {
				t.Errorf("fetches left their incoming directories: %v", left)
			}
			if out, errOut, err := g.Exec(clone, "git", "fsck", "--strict", "--no-dangling"); err != nil {
				t.Fatalf("git fsck: %v\n%s%s", err, out, errOut)
			}
		})
	}
}
