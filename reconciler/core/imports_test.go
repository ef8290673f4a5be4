package core

import (
	"os/exec"
	"strings"
	"testing"
)

// goListDeps returns the packages pkg depends on, itself included.
func goListDeps(t *testing.T, pkg string) map[string]bool {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	deps := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		deps[p] = true
	}
	return deps
}

// TestCoreDoesNoIO holds the core to "pure by construction": nothing of
// writ but schemas and policies, no git (gitstore, go-git), no go-memdb,
// and nothing that does I/O (os, os/exec, net, syscall, io/fs) beyond
// what schemas and policies already bring (schemas parses trusted roots
// with sigstore-go, which links net and os).
func TestCoreDoesNoIO(t *testing.T) {
	const self = "github.com/writ-dev/writ/reconciler/core"
	deps := goListDeps(t, self)
	below := goListDeps(t, "github.com/writ-dev/writ/schemas")
	for p := range goListDeps(t, "github.com/writ-dev/writ/policies") {
		below[p] = true
	}
	for p := range deps {
		switch {
		case p == self:
		case strings.HasPrefix(p, "github.com/writ-dev/writ/") &&
			p != "github.com/writ-dev/writ/schemas" && p != "github.com/writ-dev/writ/policies":
			t.Errorf("core imports %s; it may import only schemas and policies of writ", p)
		case strings.Contains(p, "go-git") || strings.Contains(p, "go-memdb"):
			t.Errorf("core imports %s", p)
		}
	}
	for _, io := range []string{"os", "os/exec", "net", "net/http", "syscall", "io/fs", "io/ioutil"} {
		if deps[io] && !below[io] {
			t.Errorf("core brings in %s, which schemas and policies do not", io)
		}
	}
	// What the core itself imports.
	out, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, self).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Fields(string(out)) {
		if !strings.Contains(p, ".") || p == "github.com/writ-dev/writ/schemas" || p == "github.com/writ-dev/writ/policies" {
			if p == "os" || p == "os/exec" || p == "net" || p == "syscall" || p == "io/fs" || strings.HasPrefix(p, "net/") {
				t.Errorf("core imports %s", p)
			}
			continue
		}
		t.Errorf("core imports %s; it may import only the standard library, schemas and policies", p)
	}
}
