package reconciler_test

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/writ-dev/writ"

// listedPackage is what the graph test reads of `go list -json`.
type listedPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
	Deps       []string
}

// listPackages runs `go list -deps=false -json ./...` at the module root.
func listPackages(t *testing.T) map[string]listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]listedPackage{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs[p.ImportPath] = p
	}
	if len(pkgs) == 0 {
		t.Fatal("go list listed no packages")
	}
	return pkgs
}

// writ returns the module-relative name of a writ package ("" for others).
func writ(importPath string) (string, bool) {
	if importPath == module {
		return ".", true
	}
	rel, ok := strings.CutPrefix(importPath, module+"/")
	return rel, ok
}

// under reports whether rel is pkg or a package below it.
func under(rel, pkg string) bool { return rel == pkg || strings.HasPrefix(rel, pkg+"/") }

// TestPackageGraph holds the layout the README draws: cmd → reconciler →
// {intake, replay} → core → policies → schemas, with adapters below the
// loop. Each rule names a set of packages and what none of them may depend
// on, directly or through any other package.
func TestPackageGraph(t *testing.T) {
	pkgs := listPackages(t)
	// gitOrIO: writ's packages that do I/O (git, outside systems, the
	// command) and go-git. The pure core and the commit-message codec
	// depend on none of them; the standard library's I/O packages are
	// checked on the core's own imports (they arrive transitively through
	// every YAML, JSON Schema or crypto library).
	gitOrIO := func(dep string) bool {
		rel, ok := writ(dep)
		switch {
		case ok:
			return under(rel, "gitstore") || under(rel, "adapters") || under(rel, "cmd")
		case strings.HasPrefix(dep, "github.com/go-git/"):
			return true
		}
		return false
	}
	rules := []struct {
		name   string
		scope  func(rel string) bool
		forbid func(dep string) bool
		direct bool // only direct imports (std packages like os arrive through every YAML or JSON library)
	}{
		{"adapters sit below the loop", func(rel string) bool { return under(rel, "adapters") },
			func(dep string) bool { rel, ok := writ(dep); return ok && (rel == "reconciler" || under(rel, "cmd")) }, false},
		{"the core does no I/O", func(rel string) bool { return under(rel, "reconciler/core") },
			func(dep string) bool {
				rel, ok := writ(dep)
				if ok && (rel == "reconciler" || under(rel, "reconciler/intake") || under(rel, "reconciler/replay") || under(rel, "reconciler/wal")) {
					return true
				}
				return gitOrIO(dep) || strings.HasPrefix(dep, "github.com/hashicorp/go-memdb")
			}, false},
		{"the core imports no file, clock or process API", func(rel string) bool { return under(rel, "reconciler/core") },
			func(dep string) bool {
				return slices.Contains([]string{"os", "os/exec", "io/fs", "net", "net/http", "syscall", "time", "math/rand", "math/rand/v2"}, dep)
			}, true},
		{"wal does not import gitstore", func(rel string) bool { return under(rel, "reconciler/wal") }, gitOrIO, false},
		{"intake and replay sit below the loop", func(rel string) bool {
			return under(rel, "reconciler/intake") || under(rel, "reconciler/replay")
		}, func(dep string) bool { rel, ok := writ(dep); return ok && (rel == "reconciler" || under(rel, "cmd")) }, false},
		{"intake does not use replay", func(rel string) bool { return under(rel, "reconciler/intake") },
			func(dep string) bool { rel, ok := writ(dep); return ok && under(rel, "reconciler/replay") }, false},
		{"policies imports nothing of writ but schemas", func(rel string) bool { return under(rel, "policies") },
			func(dep string) bool {
				rel, ok := writ(dep)
				return ok && !under(rel, "schemas") && !under(rel, "policies")
			}, false},
		{"schemas imports nothing of writ", func(rel string) bool { return under(rel, "schemas") },
			func(dep string) bool { rel, ok := writ(dep); return ok && !under(rel, "schemas") }, false},
		{"nothing but cmd imports cmd", func(rel string) bool { return !under(rel, "cmd") },
			func(dep string) bool { rel, ok := writ(dep); return ok && under(rel, "cmd") }, false},
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			matched := 0
			for _, p := range sortedPackages(pkgs) {
				rel, _ := writ(p.ImportPath)
				if !r.scope(rel) {
					continue
				}
				matched++
				deps := p.Deps
				if r.direct {
					deps = p.Imports
				}
				var bad []string
				for _, d := range deps {
					if r.forbid(d) {
						bad = append(bad, d)
					}
				}
				if len(bad) > 0 {
					t.Errorf("%s depends on %s", rel, strings.Join(bad, ", "))
				}
			}
			if matched == 0 {
				t.Errorf("no package is in this rule's scope: the layout moved, update the rule")
			}
		})
	}
	for _, want := range []string{"reconciler", "reconciler/core", "reconciler/intake", "reconciler/replay", "reconciler/wal"} {
		if _, ok := pkgs[module+"/"+want]; !ok {
			t.Errorf("package %s is missing", want)
		}
	}
}

// mainWriters are the gitstore methods that move main or write the
// commits it points to; only the loop calls them.
var mainWriters = []string{"PushCAS", "CompareAndSwap", "WriteCommit", "WriteCheckpoint", "PushCheckpoint"}

// TestAdaptersNeverWriteMain: no package under adapters/ calls a method
// that writes main, pushes it or writes the commits on it (test files
// aside: fakes may set up repositories).
func TestAdaptersNeverWriteMain(t *testing.T) {
	pkgs := listPackages(t)
	checked := 0
	for _, p := range sortedPackages(pkgs) {
		rel, _ := writ(p.ImportPath)
		if !under(rel, "adapters") {
			continue
		}
		for _, f := range p.GoFiles {
			path := filepath.Join(p.Dir, f)
			file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			ast.Inspect(file, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok && slices.Contains(mainWriters, sel.Sel.Name) {
					t.Errorf("%s/%s uses %s: only the loop (package reconciler) writes main", rel, f, sel.Sel.Name)
				}
				return true
			})
		}
	}
	if checked == 0 {
		t.Fatal("no adapter source files found")
	}
}

func sortedPackages(pkgs map[string]listedPackage) []listedPackage {
	out := make([]listedPackage, 0, len(pkgs))
	for _, p := range pkgs {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b listedPackage) int { return strings.Compare(a.ImportPath, b.ImportPath) })
	return out
}
