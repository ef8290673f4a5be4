package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTemplateWritesTheBuiltInRules: writ template writes the rules writ
// init would use into a new directory, which validate accepts and init
// takes as its template; a directory that holds anything is refused.
func TestTemplateWritesTheBuiltInRules(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rules")
	writWant(t, ExitOK, "template", "-q", dir)
	for _, f := range []string{"writ.yaml", "workflows/release.yaml", "policies/governance.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("template did not write %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "proposals")); err == nil {
		t.Error("template wrote proposals/: a template holds rules only")
	}
	control := filepath.Join(t.TempDir(), "control")
	writWant(t, ExitOK, "init", "-q", control, "--template", dir)
	writWant(t, ExitOK, "--repo", control, "replay", "-q")

	if r := runWrit("template", dir); r.code == ExitOK || !strings.Contains(r.err, "not empty") {
		t.Fatalf("template into a non-empty directory: %s", r)
	}
}
