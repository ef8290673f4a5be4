package gitstore

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gittest"
)

// TestReadFileOnlyRegular builds, with the git client, a tree holding a
// regular file, a symlink whose target text is YAML, an executable file and
// a submodule (gitlink), and checks that ReadFile returns only the regular
// file's bytes and refuses the others with their path and kind.
func TestReadFileOnlyRegular(t *testing.T) {
	g := gittest.New(t)
	dir := t.TempDir()
	g.Run(dir, "init", "-q", "-b", "main")
	yaml := "instance: web-1\nworkflow: release\n"
	if err := os.WriteFile(filepath.Join(dir, "plain.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run.yaml"), []byte(yaml), 0o755); err != nil {
		t.Fatal(err)
	}
	// A symlink whose target text is the YAML itself.
	if err := os.Symlink(yaml, filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	g.Run(dir, "add", "plain.yaml", "run.yaml", "link.yaml")
	g.Run(dir, "commit", "-q", "-m", "files")
	first := strings.TrimSpace(g.Run(dir, "rev-parse", "HEAD"))
	g.Run(dir, "update-index", "--add", "--cacheinfo", "160000,"+first+",sub/mod.yaml")
	g.Run(dir, "commit", "-q", "-m", "gitlink")
	head := plumbing.NewHash(strings.TrimSpace(g.Run(dir, "rev-parse", "HEAD")))

	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := s.ReadFile(head, "plain.yaml"); err != nil || string(b) != yaml {
		t.Fatalf("ReadFile(plain.yaml) = %q, %v", b, err)
	}
	tests := []struct{ path, kind string }{
		{"link.yaml", "a symlink (mode 120000)"},
		{"run.yaml", "an executable file (mode 100755)"},
		{"sub/mod.yaml", "a submodule (gitlink, mode 160000)"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			b, err := s.ReadFile(head, tt.path)
			if !errors.Is(err, ErrNotRegular) {
				t.Fatalf("ReadFile(%s) = %q, %v; want ErrNotRegular", tt.path, b, err)
			}
			if !strings.Contains(err.Error(), tt.path+" is "+tt.kind) {
				t.Fatalf("error %q does not say %q", err, tt.path+" is "+tt.kind)
			}
			mode, err := s.FileMode(head, tt.path)
			if err != nil || RegularFile(tt.path, mode) == nil {
				t.Fatalf("FileMode(%s) = %s, %v; want a non-regular mode", tt.path, mode, err)
			}
		})
	}
	if _, err := s.FileMode(head, "nope.yaml"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("FileMode of a missing path: %v, want ErrNotFound", err)
	}
}
