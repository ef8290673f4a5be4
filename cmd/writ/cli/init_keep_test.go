package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// editIdentities rewrites the identities of the writ.yaml at path: set
// maps an identity to the signers list it gets (nil: no signers key).
func editIdentities(t *testing.T, path string, set map[string][]map[string]string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, id := range doc["identities"].([]any) {
		m := id.(map[string]any)
		signers, ok := set[m["name"].(string)]
		if !ok {
			continue
		}
		if signers == nil {
			delete(m, "signers")
		} else {
			m["signers"] = signers
		}
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestInitKeepSigners: a team's template declares the keys its people
// already have; init --keep-signers keeps them in genesis (no private key of
// theirs is made), gives identities without a signer a fresh key, adds one
// for the reconciler, and a kept key approves from its own directory.
func TestInitKeepSigners(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	tmpl := filepath.Join(t.TempDir(), "rules")
	writWant(t, ExitOK, "template", "-q", tmpl)

	own := t.TempDir() // alice's own key, outside any control repo
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice@laptop", "-f", filepath.Join(own, "alice")).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(filepath.Join(own, "alice.pub"))
	if err != nil {
		t.Fatal(err)
	}
	alicePub := strings.TrimSpace(string(pub))
	editIdentities(t, filepath.Join(tmpl, "writ.yaml"), map[string][]map[string]string{
		"alice":        {{"name": "laptop", "ssh": alicePub}},
		"bob":          nil,
		"carol":        nil,
		"deploy-agent": nil,
	})

	// With --demo-keys alice's key is replaced, as for the demo.
	demo := filepath.Join(t.TempDir(), "demo")
	writWant(t, ExitOK, "init", "-q", demo, "--template", tmpl, "--demo-keys")
	if cfg := g.run(demo, "show", "main:writ.yaml"); strings.Contains(cfg, alicePub) {
		t.Fatal("init --demo-keys kept alice's declared key")
	}

	repo := filepath.Join(t.TempDir(), "control")
	writWant(t, ExitOK, "init", "-q", repo, "--template", tmpl, "--keep-signers")
	cfg := g.run(repo, "show", "main:writ.yaml")
	if !strings.Contains(cfg, alicePub) {
		t.Fatalf("genesis writ.yaml lost alice's own key:\n%s", cfg)
	}
	if _, err := os.Stat(keyPath(repo, "alice")); err == nil {
		t.Error("init made a private key for alice, who declared her own")
	}
	for _, id := range []string{"bob", "carol", "deploy-agent", "writ-bot"} {
		if _, err := os.Stat(keyPath(repo, id)); err != nil {
			t.Errorf("no fresh key for %s: %v", id, err)
		}
	}
	if !strings.Contains(cfg, "writ-bot@writ.example") {
		t.Errorf("the reconciler's declared signer was dropped:\n%s", cfg)
	}

	walkToApproved(t, repo, "web-1")
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1",
		"--transition", "ship", "--name", "ship", "--input", "change_ticket=CHG-1")
	if r := runWrit("--repo", repo, "approve", "-q", "web-1/ship", "--as", "alice"); r.code == ExitOK {
		t.Fatalf("alice approved with a key init never made: %s", r)
	}
	writWant(t, ExitOK, "--repo", repo, "--keys", own, "approve", "-q", "web-1/ship", "--as", "alice")
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "web-1/ship", "--as", "bob")
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if got := instanceState(t, repo, "web-1"); got != "released" {
		t.Fatalf("web-1 is %q after alice (own key) and bob approved, want released", got)
	}
	writWant(t, ExitOK, "--repo", repo, "replay", "-q")
}
