package wal

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/writ-dev/writ"

// TestNoGitstoreImport: wal and everything of writ it imports (outside
// tests) import neither gitstore nor go-git, so a commit message can be
// read without a repository.
func TestNoGitstoreImport(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var visit func(pkg string, via []string)
	visit = func(pkg string, via []string) {
		if seen[pkg] {
			return
		}
		seen[pkg] = true
		via = append(via, pkg)
		for _, imp := range packageImports(t, filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(pkg, module)))) {
			switch {
			case imp == module+"/gitstore" || strings.HasPrefix(imp, module+"/gitstore/") || strings.HasPrefix(imp, "github.com/go-git/"):
				t.Errorf("%s imports %s", strings.Join(via, " -> "), imp)
			case strings.HasPrefix(imp, module+"/"):
				visit(imp, via)
			}
		}
	}
	visit(module+"/reconciler/wal", nil)
	if !seen[module+"/schemas"] {
		t.Fatalf("walked %v: the walk did not reach schemas", seen)
	}
}

// packageImports returns the imports of the non-test Go files in dir.
func packageImports(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, e.Name()), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			out = append(out, strings.Trim(imp.Path.Value, `"`))
		}
	}
	return out
}
