package schemas

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestIsGovernedPath(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"writ.yaml", true},
		{"policies/governance.yaml", true},
		{"README.md", true},
		{"CODEOWNERS", true},
		{".github/workflows/writ.yml", true},
		{"docs/x.md", true},
		{"proposals/web-1/ship.yaml", false},
		{"proposals/rules/relax.yaml", false},
		{"proposals", false},
		{".git/config", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := IsGovernedPath(tt.path); got != tt.want {
				t.Fatalf("IsGovernedPath(%q) = %v, want %v", tt.path, got, tt.want)
			}
			if IsRulesPath(tt.path) && !IsGovernedPath(tt.path) {
				t.Fatalf("rules path %q is not governed", tt.path)
			}
		})
	}
}

// ReadGoverned reads every regular file but proposals/ and .git, and
// refuses a symlink anywhere (here a top-level directory link) by path.
func TestReadGoverned(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("writ.yaml", "w", 0o644)
	write("README.md", "r", 0o644)
	write(".github/workflows/writ.yml", "g", 0o644)
	write("proposals/web-1/x.yaml", "p", 0o644)
	write(".git/config", "c", 0o644)
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	got, err := ReadGoverned(root.FS())
	if err != nil {
		t.Fatal(err)
	}
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, []string{".github/workflows/writ.yml", "README.md", "writ.yaml"}) {
		t.Fatalf("read %v", keys)
	}

	if err := os.Symlink(t.TempDir(), filepath.Join(dir, "docs")); err != nil {
		t.Fatal(err)
	}
	write("scripts/run.sh", "#!/bin/sh\n", 0o755)
	_, err = ReadGoverned(root.FS())
	for _, want := range []string{"docs", "symlink", "scripts/run.sh", "executable"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("want an error naming %q, got %v", want, err)
		}
	}
}
