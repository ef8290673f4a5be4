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
	"time"

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

// TestOpenRebuildsADamagedPackIndex: a clone in which an earlier writ's
// fetch left a whole pack beside an index cut short (its fetch was killed
// while writing the index, and the next fetch kept that index) opens with
// the index made again from the pack; a pack that is not whole is refused
// with the file named and what to do.
func TestOpenRebuildsADamagedPackIndex(t *testing.T) {
	g := gittest.New(t)
	src := t.TempDir()
	g.Run(src, "init", "-q")
	for i := range 3 {
		if err := os.WriteFile(filepath.Join(src, "f"), []byte(strings.Repeat(fmt.Sprint(i), 3000)), 0o644); err != nil {
			t.Fatal(err)
		}
		g.Run(src, "add", "f")
		g.Run(src, "commit", "-q", "-m", fmt.Sprint(i))
	}
	g.Run(src, "repack", "-adq")
	head := plumbing.NewHash(strings.TrimSpace(g.Run(src, "rev-parse", "HEAD")))
	idxs := packIndexes(t, filepath.Join(src, ".git"))
	if len(idxs) != 1 {
		t.Fatalf("packs: %v", idxs)
	}
	whole, err := os.ReadFile(idxs[0])
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(src, idxs[0])
	for _, tt := range []struct {
		name     string
		damage   func(idx, pack string) error
		wantOpen string // "" opens and reads head
	}{
		{"index cut to 100 bytes", func(idx, _ string) error { return os.WriteFile(idx, whole[:100], 0o444) }, ""},
		{"index cut to 1100 bytes", func(idx, _ string) error { return os.WriteFile(idx, whole[:1100], 0o444) }, ""},
		{"index missing its last byte", func(idx, _ string) error { return os.WriteFile(idx, whole[:len(whole)-1], 0o444) }, ""},
		{"index cut short and the pack too", func(idx, pack string) error {
			if err := os.WriteFile(idx, whole[:100], 0o444); err != nil {
				return err
			}
			b, err := os.ReadFile(pack)
			if err != nil {
				return err
			}
			return os.WriteFile(pack, b[:len(b)/2], 0o444)
		}, "git index-pack"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "clone")
			if out, err := exec.Command("cp", "-a", src, dir).CombinedOutput(); err != nil {
				t.Fatalf("cp: %v\n%s", err, out)
			}
			idx := filepath.Join(dir, rel)
			pack := strings.TrimSuffix(idx, ".idx") + ".pack"
			os.Chmod(idx, 0o644)
			os.Chmod(pack, 0o644)
			if err := tt.damage(idx, pack); err != nil {
				t.Fatal(err)
			}
			s, err := Open(dir)
			if tt.wantOpen != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantOpen) || !strings.Contains(err.Error(), filepath.Base(pack)) {
					t.Fatalf("Open = %v, want an error naming %s and saying %q", err, filepath.Base(pack), tt.wantOpen)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if _, err := s.Commit(head); err != nil {
				t.Fatalf("Commit(head): %v", err)
			}
			if ok, err := s.IsAncestor(head, head); !ok || err != nil {
				t.Fatalf("IsAncestor = %v %v", ok, err)
			}
			if out, errOut, err := g.Exec(dir, "git", "fsck", "--strict", "--no-dangling"); err != nil {
				t.Fatalf("git fsck after the repair: %v\n%s%s", err, out, errOut)
			}
		})
	}
}

// TestStaleIncomingIsRemovedLiveIsKept: a fetch removes the incoming
// directories of fetches killed over an hour ago, judged by the newest
// file in them, and keeps one whose pack is still being written although
// the directory itself is old.
func TestStaleIncomingIsRemovedLiveIsKept(t *testing.T) {
	objects := t.TempDir()
	old := time.Now().Add(-2 * staleIncomingAge)
	mk := func(name string, packAt time.Time) string {
		dir := filepath.Join(objects, incomingPrefix+name)
		pack := filepath.Join(dir, "objects", "pack")
		if err := os.MkdirAll(pack, 0o755); err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(pack, "tmp_pack_1")
		if err := os.WriteFile(tmp, []byte("PACK"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{pack, filepath.Join(dir, "objects"), dir} {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(tmp, packAt, packAt); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	dead, live := mk("dead", old), mk("live", time.Now())
	removeStaleIncoming(objects)
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("a killed fetch's incoming directory is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(live, "objects", "pack", "tmp_pack_1")); err != nil {
		t.Errorf("a live fetch's pack was removed: %v", err)
	}
}
