package cli

import (
	"os"
	"strings"
	"testing"
)

// TestIdentityAddIsAGovernedRuleChange: writ identity add proposes
// writ.yaml with the new identity and only its public key as a rule
// change; it applies once the governance policy is satisfied, and the
// new person then approves with the key only they hold. A name writ.yaml
// holds, a private key, and a keyless signer without a trusted root are
// refused and nothing is written.
func TestIdentityAddIsAGovernedRuleChange(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	daveKey, davePub := sshKeyPair(t, "dave@laptop")

	refusals := []struct {
		name, want string
		args       []string
	}{
		{"duplicate name", `identity "bob" already exists (writ.yaml:`, []string{"bob", "--ssh-key", daveKey + ".pub"}},
		{"private key", "is a private key", []string{"dave", "--ssh-key", daveKey}},
		{"two signers", "exactly one of", []string{"dave", "--ssh-key", daveKey + ".pub", "--pgp-key", daveKey + ".pub"}},
		{"keyless without a trusted root", "trust", []string{"dave", "--keyless", "dave@example.com", "https://accounts.example.com"}},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			r := runWrit(append([]string{"--repo", repo, "identity", "add", "-q", "--as", "alice"}, tt.args...)...)
			if r.code == ExitOK || !strings.Contains(r.err, tt.want) {
				t.Errorf("identity add %s: want an error with %q, got %s", strings.Join(tt.args, " "), tt.want, r)
			}
		})
	}
	if branches := g.run(repo, "branch", "--list", "proposals/rules/*"); branches != "" {
		t.Fatalf("refused identity adds left branches:\n%s", branches)
	}

	r := writWant(t, ExitOK, "--repo", repo, "identity", "add", "dave", "--ssh-key", daveKey+".pub",
		"--role", "sre", "--capability", "approve", "--as", "alice", "--justification", "dave joins the SRE rota")
	if !strings.Contains(r.out, "proposals/rules/identity-dave") {
		t.Fatalf("identity add output:\n%s", r)
	}
	diff := g.run(repo, "diff", "main", "proposals/rules/identity-dave", "--", "writ.yaml")
	if !strings.Contains(diff, "+") || !strings.Contains(diff, davePub) || !strings.Contains(diff, "name: dave") {
		t.Errorf("the proposal does not add dave's public key:\n%s", diff)
	}
	for _, l := range strings.Split(diff, "\n") {
		if strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---") {
			t.Errorf("adding an identity removed a line of writ.yaml: %q", l)
		}
	}
	// The governance policy judges it: two of sre/security.
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "rules/identity-dave", "--as", "bob")
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "rules/identity-dave", "--as", "carol")
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if cfg := g.run(repo, "show", "main:writ.yaml"); !strings.Contains(cfg, davePub) {
		t.Fatalf("dave is not in writ.yaml on main after the change applied:\n%s", cfg)
	}
	if _, err := os.Stat(keyPath(repo, "dave")); err == nil {
		t.Error("a private key for dave was made in the key directory")
	}

	// dave approves a release with his own key.
	walkToApproved(t, repo, "web-1")
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1",
		"--transition", "ship", "--name", "ship", "--input", "change_ticket=CHG-1")
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "web-1/ship", "--as", "dave", "--key", daveKey)
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "web-1/ship", "--as", "bob")
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if got := instanceState(t, repo, "web-1"); got != "released" {
		t.Fatalf("web-1 is %q after dave and bob approved, want released", got)
	}
	replayClone(t, g, repo)
}
