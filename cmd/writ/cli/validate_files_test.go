package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validate never reads outside the repository, never follows a symlink
// and never echoes the bytes of a file it refused: every symlink (to a
// file or a directory, inside or outside the repository) and every
// executable rules or proposal file is reported with its path and kind.
func TestValidateRefusesNonRegularFiles(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	const secret = "AKIA-SECRET-TOKEN-4711"
	// YAML-shaped, so that reading it would produce problems quoting it.
	if err := os.WriteFile(filepath.Join(outside, "secret.yaml"), []byte(secret+": {"+secret+": x}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(outside, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "dir", "p.yaml"), []byte("instance: "+secret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join("..", "..", "..", "fixtures", "controlrepos", "release")
	tests := []struct {
		name string
		make func(t *testing.T, repo string)
		want string
	}{
		{"workflow symlink to a file outside", func(t *testing.T, repo string) {
			symlink(t, filepath.Join(outside, "secret.yaml"), filepath.Join(repo, "workflows", "leak.yaml"))
		}, "workflows/leak.yaml: (file): a symlink"},
		{"proposal symlink to a file outside", func(t *testing.T, repo string) {
			symlink(t, filepath.Join(outside, "secret.yaml"), filepath.Join(repo, "proposals", "web-2026.11.0", "leak.yaml"))
		}, "proposals/web-2026.11.0/leak.yaml: (file): a symlink"},
		{"proposal directory symlinked outside", func(t *testing.T, repo string) {
			symlink(t, filepath.Join(outside, "dir"), filepath.Join(repo, "proposals", "web-9"))
		}, "proposals/web-9: (file): a symlink"},
		{"policies directory symlinked outside", func(t *testing.T, repo string) {
			if err := os.Rename(filepath.Join(repo, "policies"), filepath.Join(repo, "old-policies")); err != nil {
				t.Fatal(err)
			}
			symlink(t, outside, filepath.Join(repo, "policies"))
		}, "policies: (file): a symlink"},
		{"writ.yaml symlink inside the repository", func(t *testing.T, repo string) {
			if err := os.Rename(filepath.Join(repo, "writ.yaml"), filepath.Join(repo, "real.yaml")); err != nil {
				t.Fatal(err)
			}
			symlink(t, "real.yaml", filepath.Join(repo, "writ.yaml"))
		}, "writ.yaml: (file): a symlink"},
		{"executable policy", func(t *testing.T, repo string) {
			if err := os.Chmod(filepath.Join(repo, "policies", "governance.yaml"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, "policies/governance.yaml: (file): an executable file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo := copyRepo(t, src)
			tt.make(t, repo)
			r := runWrit("--repo", repo, "validate")
			if r.code != ExitFailure {
				t.Fatalf("want exit 1, got %s", r)
			}
			if strings.Contains(r.out+r.err, secret) {
				t.Fatalf("validate echoed bytes from outside the repository:\n%s", r)
			}
			if !strings.Contains(r.out, tt.want) {
				t.Fatalf("want a problem %q, got %s", tt.want, r)
			}
		})
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}
