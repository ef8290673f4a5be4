package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gpgIdentity makes an OpenPGP key in a keyring of its own and a gpg
// program (a wrapper naming that keyring, as a user's gpg.program may) and
// returns the program, the key's fingerprint and its armoured public key.
func gpgIdentity(t *testing.T, uid string) (program, fpr, pub string) {
	t.Helper()
	for _, bin := range []string{"gpg", "gpgconf"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed: %v", bin, err)
		}
	}
	// gpg-agent's socket path must stay short: not below t.TempDir().
	home, err := os.MkdirTemp("", "wg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command("gpgconf", "--homedir", home, "--kill", "gpg-agent").Run()
		_ = os.RemoveAll(home)
	})
	gpg := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("gpg", append([]string{"--homedir", home, "--batch"}, args...)...).Output()
		if err != nil {
			t.Fatalf("gpg %s: %v", strings.Join(args, " "), err)
		}
		return string(out)
	}
	gpg("--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", "never")
	for _, l := range strings.Split(gpg("--with-colons", "--list-secret-keys"), "\n") {
		if f := strings.Split(l, ":"); f[0] == "fpr" && fpr == "" {
			fpr = f[9]
		}
	}
	pub = gpg("--armor", "--export", fpr)
	program = filepath.Join(home, "gpg.sh")
	if err := os.WriteFile(program, []byte("#!/bin/sh\nexec gpg --homedir '"+home+"' \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return program, fpr, pub
}

// TestApproveAndProposeSignThroughGit: with people's own keys (none in the
// key directory) the agent proposes with what the repository's git is
// configured to sign with (gpg.format=ssh, user.signingkey), alice
// approves with --key and her own SSH key file, and bob approves through
// git configured for OpenPGP (gpg.program, user.signingkey). reconcile
// applies the release on those decisions and a clone replays it.
func TestApproveAndProposeSignThroughGit(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	tmpl := filepath.Join(t.TempDir(), "rules")
	writWant(t, ExitOK, "template", "-q", tmpl)
	aliceKey, alicePub := sshKeyPair(t, "alice@laptop")
	agentKey, agentPub := sshKeyPair(t, "deploy-agent@ci")
	bobGPG, bobFpr, bobPub := gpgIdentity(t, "Bob <bob@writ.example>")
	editIdentities(t, filepath.Join(tmpl, "writ.yaml"), map[string][]map[string]string{
		"alice":        {{"name": "laptop", "ssh": alicePub}},
		"bob":          {{"name": "gpg", "pgp": bobPub}},
		"deploy-agent": {{"name": "ci", "ssh": agentPub}},
	})
	repo := filepath.Join(t.TempDir(), "control")
	writWant(t, ExitOK, "init", "-q", repo, "--template", tmpl)

	// No key for the agent in the key directory, and git not yet told how
	// to sign: a clear error, nothing written.
	r := runWrit("--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "create", "--owner", "web-team")
	if r.code == ExitOK || !strings.Contains(r.err, "user.signingkey") {
		t.Fatalf("propose with no key and no git signing configured: %s", r)
	}

	g.run(repo, "config", "gpg.format", "ssh")
	g.run(repo, "config", "user.signingkey", agentKey)
	walkToApproved(t, repo, "web-1")
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1",
		"--transition", "ship", "--name", "ship", "--input", "change_ticket=CHG-1")

	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "web-1/ship", "--as", "alice", "--key", aliceKey)
	g.run(repo, "config", "gpg.format", "openpgp")
	g.run(repo, "config", "gpg.program", bobGPG)
	g.run(repo, "config", "user.signingkey", bobFpr)
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "web-1/ship", "--as", "bob")
	if sig := g.run(repo, "cat-file", "commit", "proposals/web-1/ship"); !strings.Contains(sig, "-----BEGIN PGP SIGNATURE-----") {
		t.Fatalf("bob's decision is not signed by gpg:\n%s", sig)
	}

	// git signs with bob's key: carol cannot approve with it.
	head := g.run(repo, "rev-parse", "proposals/web-1/ship")
	if r := runWrit("--repo", repo, "approve", "-q", "web-1/ship", "--as", "carol"); r.code != ExitRefused || !strings.Contains(r.err, "not a signer of carol") {
		t.Errorf("carol approving with bob's gpg key: %s", r)
	}
	if now := g.run(repo, "rev-parse", "proposals/web-1/ship"); now != head {
		t.Error("a decision carol's signers cannot verify was written")
	}

	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if got := instanceState(t, repo, "web-1"); got != "released" {
		t.Fatalf("web-1 is %q after alice (--key) and bob (gpg) approved, want released", got)
	}
	replayClone(t, g, repo)
}
