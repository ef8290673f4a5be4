package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestApproveWithGitsign: bob's only signer is a keyless identity (his
// email at an OIDC issuer, verified against the control repo's
// trusted_root.json). His git is set up for gitsign as gitsign's
// documentation says (gpg.format=x509, gpg.x509.program=gitsign, no
// user.signingkey: git then passes the committer's identity as the key,
// which gitsign ignores). The program is a gitsign-like signer built from
// the same kind of local test CA the keyless tests use (gitsign_fake_test.go:
// no network here for sigstore's Fulcio). `writ approve --as bob` signs
// through it; the gate counts bob's keyless approval with alice's, reconcile
// applies, and a clone replays the entry.
func TestApproveWithGitsign(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	fulcio := newFakeFulcio(t)
	const issuer = "https://accounts.example.com"
	tmpl := filepath.Join(t.TempDir(), "rules")
	writWant(t, ExitOK, "template", "-q", tmpl)
	aliceKey, alicePub := sshKeyPair(t, "alice@laptop")
	agentKey, agentPub := sshKeyPair(t, "deploy-agent@ci")
	editWritYAML(t, filepath.Join(tmpl, "writ.yaml"), func(doc map[string]any) {
		doc["trust"] = map[string]any{"trusted_root": "trust/trusted_root.json", "accept_committer_time": true}
		for _, id := range doc["identities"].([]any) {
			m := id.(map[string]any)
			switch m["name"] {
			case "alice":
				m["signers"] = []any{map[string]any{"name": "laptop", "ssh": alicePub}}
			case "deploy-agent":
				m["signers"] = []any{map[string]any{"name": "ci", "ssh": agentPub}}
			case "bob":
				m["signers"] = []any{map[string]any{"name": "gitsign", "keyless": map[string]any{"identity": "bob@writ.example", "issuer": issuer}}}
			}
		}
	})
	if err := os.MkdirAll(filepath.Join(tmpl, "trust"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmpl, "trust", "trusted_root.json"), fulcio.trustedRoot, 0o644); err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(t.TempDir(), "control")
	writWant(t, ExitOK, "init", "-q", repo, "--template", tmpl)

	g.run(repo, "config", "gpg.format", "ssh")
	g.run(repo, "config", "user.signingkey", agentKey)
	walkToApproved(t, repo, "web-1")
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1",
		"--transition", "ship", "--name", "ship", "--input", "change_ticket=CHG-1")
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "web-1/ship", "--as", "alice", "--key", aliceKey)

	// bob's git, set up for gitsign.
	g.run(repo, "config", "--unset", "user.signingkey")
	g.run(repo, "config", "gpg.format", "x509")
	g.run(repo, "config", "gpg.x509.program", fulcio.gitsign(t, "bob@writ.example", issuer))
	g.run(repo, "config", "user.name", "Bob")
	g.run(repo, "config", "user.email", "bob@writ.example")
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "web-1/ship", "--as", "bob")
	if c := g.run(repo, "cat-file", "commit", "proposals/web-1/ship"); !strings.Contains(c, "-----BEGIN SIGNED MESSAGE-----") {
		t.Fatalf("bob's decision is not signed by the gitsign program:\n%s", c)
	}

	code, out := gateVerdict(t, repo, "web-1/ship")
	if code != ExitOK {
		t.Fatalf("gate after alice and bob (gitsign) approved: exit %d, want ready\n%+v", code, out)
	}
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if got := instanceState(t, repo, "web-1"); got != "released" {
		t.Fatalf("web-1 is %q after alice (ssh) and bob (gitsign) approved, want released", got)
	}
	clone := replayClone(t, g, repo)
	var entries []struct {
		Decisions []struct {
			Identity string `json:"identity"`
		} `json:"decisions"`
	}
	r := writWant(t, ExitOK, "--repo", clone, "log", "--json")
	if err := json.Unmarshal([]byte(r.out), &entries); err != nil {
		t.Fatalf("log --json: %v", err)
	}
	var bobCounted bool
	for _, e := range entries {
		for _, d := range e.Decisions {
			bobCounted = bobCounted || d.Identity == "bob"
		}
	}
	if !bobCounted {
		t.Fatal("the clone's log records no decision by bob")
	}
}

// editWritYAML rewrites a writ.yaml through edit.
func editWritYAML(t *testing.T, path string, edit func(map[string]any)) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}
