package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sshKeyPair makes an ed25519 key pair in a directory of its own (a
// person's laptop) and returns the private key's path and the public key.
func sshKeyPair(t *testing.T, comment string) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return path, strings.TrimSpace(string(pub))
}

// TestInitRealUseMakesOnlyTheReconcilersKey: init --template is real use.
// Every declared signer is kept, the only private key made is the
// reconciler's, and init says so; an identity without a signer is an
// error naming it. Without --template init makes convenience keys for
// everyone and says what that means.
func TestInitRealUseMakesOnlyTheReconcilersKey(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	tmpl := filepath.Join(t.TempDir(), "rules")
	writWant(t, ExitOK, "template", "-q", tmpl)
	_, alicePub := sshKeyPair(t, "alice@laptop")
	editIdentities(t, filepath.Join(tmpl, "writ.yaml"), map[string][]map[string]string{
		"alice": {{"name": "laptop", "ssh": alicePub}},
	})

	repo := filepath.Join(t.TempDir(), "control")
	r := writWant(t, ExitOK, "init", repo, "--template", tmpl)
	if !strings.Contains(r.out, "the reconciler's private key") || strings.Contains(r.out, "convenience") {
		t.Errorf("init --template output does not say only the reconciler's key was made:\n%s", r.out)
	}
	entries, err := os.ReadDir(filepath.Join(repo, ".git", "writ", "keys"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "writ-bot writ-bot.pub" {
		t.Errorf("init --template made keys %v, want the reconciler's only", names)
	}
	if cfg := g.run(repo, "show", "main:writ.yaml"); !strings.Contains(cfg, alicePub) {
		t.Errorf("genesis lost alice's own key:\n%s", cfg)
	}
	writWant(t, ExitOK, "--repo", repo, "replay", "-q")

	// An identity with no signer cannot be given one silently.
	editIdentities(t, filepath.Join(tmpl, "writ.yaml"), map[string][]map[string]string{"carol": nil})
	r = runWrit("init", "-q", filepath.Join(t.TempDir(), "c2"), "--template", tmpl)
	if r.code != ExitFailure || !strings.Contains(r.err, "carol declares no signer") || !strings.Contains(r.err, "writ identity add") {
		t.Errorf("init --template with carol unsigned: %s", r)
	}

	demo := filepath.Join(t.TempDir(), "demo")
	r = writWant(t, ExitOK, "init", demo)
	if !strings.Contains(r.out, "convenience keys for") || !strings.Contains(r.out, "alice") ||
		!strings.Contains(r.out, "anyone who can read that directory can sign as these identities") {
		t.Errorf("init without --template does not say it made convenience keys:\n%s", r.out)
	}
	if _, err := os.Stat(keyPath(demo, "alice")); err != nil {
		t.Errorf("the demo lost its convenience key for alice: %v", err)
	}
}
