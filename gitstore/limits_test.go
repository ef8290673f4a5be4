package gitstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/klauspost/compress/zlib"

	"github.com/writ-dev/writ/gitstore/internal/gittest"
)

// Files over MaxFileSize are refused from their header with the path, the
// size and the limit; checkpoint files and main's files in the working
// tree are not bounded.
func TestReadFileLimit(t *testing.T) {
	s := newStore(t)
	atLimit := strings.Repeat("a", MaxFileSize)
	over := strings.Repeat("b", MaxFileSize+1)
	c := mustCommit(t, s, 1, nil, map[string]string{
		"proposals/web-1/ok.yaml":   atLimit,
		"proposals/web-1/ship.yaml": over,
		CheckpointHead:              over,
	})
	if b, err := s.ReadFile(c, "proposals/web-1/ok.yaml"); err != nil || len(b) != MaxFileSize {
		t.Fatalf("a file at the limit: %d bytes, %v", len(b), err)
	}
	_, err := s.ReadFile(c, "proposals/web-1/ship.yaml")
	var tl *TooLargeError
	want := "proposals/web-1/ship.yaml: 1048577 bytes, over the 1 MiB limit for a file; shrink it or split it"
	if !errors.Is(err, ErrTooLarge) || !errors.As(err, &tl) || err.Error() != want {
		t.Fatalf("a file over the limit: %v, want %q", err, want)
	}
	// The same file packed (and stored as a delta of its neighbour) is
	// refused the same way.
	gittest.New(t).Run(s.GitDir(), "repack", "-adq")
	s2, err := Open(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.ReadFile(c, "proposals/web-1/ship.yaml"); err == nil || err.Error() != want {
		t.Fatalf("packed: %v, want %q", err, want)
	}
	if b, err := s2.ReadCheckpointFile(Checkpoint{Commit: c}, CheckpointHead); err != nil || len(b) != MaxFileSize+1 {
		t.Fatalf("a checkpoint file is not bounded: %d bytes, %v", len(b), err)
	}
}

// A commit over MaxCommitSize is refused from its header, through the
// Store's reads and walks; WriteCommit never writes one.
func TestCommitLimit(t *testing.T) {
	s := newStore(t)
	g := gittest.New(t)
	msg := filepath.Join(t.TempDir(), "msg")
	if err := os.WriteFile(msg, []byte(strings.Repeat("x", MaxCommitSize)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := mustCommit(t, s, 1, nil, map[string]string{"a": "a"})
	huge := plumbing.NewHash(strings.TrimSpace(g.Run(s.GitDir(), "commit-tree", "-p", base.String(), "-F", msg, "4b825dc642cb6eb9a060e54bf8d69288fbee4904")))
	_, err := s.Commit(huge)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Kind != "commit" || tl.Limit != MaxCommitSize || tl.Size <= MaxCommitSize {
		t.Fatalf("Commit of a huge commit: %v", err)
	}
	if !strings.Contains(err.Error(), "over the 4 MiB limit for a commit") || !strings.Contains(err.Error(), huge.String()[:12]) {
		t.Fatalf("the refusal names neither the commit nor the limit: %v", err)
	}
	if _, err := s.BranchCommits(huge, base); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("walk from a huge commit: %v", err)
	}
	_, err = s.WriteCommit(CommitRequest{Parents: []plumbing.Hash{base}, Message: strings.Repeat("y", MaxCommitSize),
		Files: map[string][]byte{"b": []byte("b")}, Author: sigAt(2), Committer: sigAt(2)})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("WriteCommit of a huge message: %v", err)
	}
}

// writeLooseZeros writes a loose object of type t whose content is size
// zero bytes, streaming (the test never holds it), and returns its name.
func writeLooseZeros(t *testing.T, gitDir string, typ plumbing.ObjectType, size int64) plumbing.Hash {
	t.Helper()
	tmp, err := os.CreateTemp(filepath.Join(gitDir, "objects"), "tmp_obj_")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(tmp.Name())
	hasher := plumbing.NewHasher(typ, size)
	zw := zlib.NewWriter(tmp)
	header := fmt.Sprintf("%s %d\x00", typ, size)
	if _, err := zw.Write([]byte(header)); err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for left := size; left > 0; left -= int64(len(chunk)) {
		n := min(left, int64(len(chunk)))
		hasher.Write(chunk[:n])
		if _, err := zw.Write(chunk[:n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	tmp.Close()
	h := hasher.Sum()
	dir := filepath.Join(gitDir, "objects", h.String()[:2])
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, h.String()[2:])); err != nil {
		t.Fatal(err)
	}
	return h
}

// A tree over MaxTreeSize (a proposal branch may carry any tree) is
// refused from its header when a diff reaches it.
func TestTreeLimit(t *testing.T) {
	s := newStore(t)
	g := gittest.New(t)
	base := mustCommit(t, s, 1, nil, map[string]string{"a": "a"})
	tree := writeLooseZeros(t, s.GitDir(), plumbing.TreeObject, MaxTreeSize+1)
	c := plumbing.NewHash(strings.TrimSpace(g.Run(s.GitDir(), "commit-tree", "-p", base.String(), "-m", "huge tree", tree.String())))
	_, err := s.ChangedFiles(base, c)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Kind != "tree" || tl.Size != MaxTreeSize+1 || !strings.Contains(err.Error(), tree.String()[:12]) {
		t.Fatalf("diff against a huge tree: %v", err)
	}
}
