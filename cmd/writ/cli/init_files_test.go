package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// init --template reads only regular files inside the template: a symlink
// there (here to a valid workflow outside it) is refused by path and never
// copied into the genesis entry.
func TestInitTemplateRefusesSymlinks(t *testing.T) {
	t.Parallel()
	tmpl := copyRepo(t, filepath.Join("..", "..", "..", "fixtures", "controlrepos", "release"))
	outside := filepath.Join(t.TempDir(), "outside.yaml")
	raw, err := os.ReadFile(filepath.Join(tmpl, "workflows", "release.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(outside, []byte(strings.Replace(string(raw), "name: release", "name: outside", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	symlink(t, outside, filepath.Join(tmpl, "workflows", "outside.yaml"))
	dir := filepath.Join(t.TempDir(), "control")
	r := writWant(t, ExitFailure, "init", "-q", "--template", tmpl, dir)
	if !strings.Contains(r.err, "workflows/outside.yaml: (file): a symlink") {
		t.Fatalf("want the symlink named, got %s", r)
	}
}
