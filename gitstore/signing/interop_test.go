package signing

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/writ-dev/writ/gitstore/internal/gittest"
	"github.com/writ-dev/writ/schemas"
)

func writeAllowedSigners(t *testing.T, ids ...schemas.Identity) string {
	t.Helper()
	s, err := AllowedSigners(ids)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "allowed_signers")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWritSignedCommitPassesGit: a commit signed by SSHSigner through
// go-git's CommitOptions.Signer passes `git verify-commit`.
func TestWritSignedCommitPassesGit(t *testing.T) {
	gittest.Require(t, "ssh-keygen")
	g := gittest.New(t)
	k := newKey(t, "reconciler")
	allowed := writeAllowedSigners(t, identity("reconciler", "writ@example.com", k))

	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wt, _ := repo.Worktree()
	if _, err := wt.Add("a.txt"); err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "writ", Email: "writ@example.com", When: time.Unix(1767225600, 0).UTC()}
	h, err := wt.Commit("entry 1\n\nWrit-Instance: i-1\n", &git.CommitOptions{Author: sig, Committer: sig, Signer: k.signer})
	if err != nil {
		t.Fatal(err)
	}
	cfg := []string{"-c", "gpg.ssh.allowedSignersFile=" + allowed}
	g.Run(dir, append(cfg, "verify-commit", h.String())...)
	if got := g.Run(dir, append(cfg, "log", "-1", "--format=%G?", h.String())...); got != "G\n" {
		t.Errorf("git log %%G? = %q, want G", got)
	}
	// writ agrees with itself on the decoded commit.
	c, err := repo.CommitObject(h)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := VerifyCommit(c, mustRing(t, identity("reconciler", "", k))); err != nil || v.Identity != "reconciler" {
		t.Fatalf("VerifyCommit = %+v, %v", v, err)
	}
	// A key git does not trust shows as not good.
	other := writeAllowedSigners(t, identity("x", "", newKey(t, "x")))
	if got := g.Run(dir, "-c", "gpg.ssh.allowedSignersFile="+other, "log", "-1", "--format=%G?", h.String()); got == "G\n" {
		t.Errorf("git trusted a key absent from its allowed signers")
	}
}

// gitSignedRepo makes a repository with git itself: an unsigned root commit
// and a commit signed with key by `git commit -S` (gpg.format=ssh).
func gitSignedRepo(t *testing.T, g *gittest.Git, key testKey) (dir string, unsigned, signed plumbing.Hash) {
	t.Helper()
	dir = t.TempDir()
	g.Run(dir, "init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g.Run(dir, "add", "f")
	g.Run(dir, "commit", "-q", "-m", "unsigned")
	unsigned = plumbing.NewHash(strings.TrimSpace(g.Run(dir, "rev-parse", "HEAD")))
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g.Run(dir, "-c", "gpg.format=ssh", "-c", "user.signingkey="+key.path, "commit", "-q", "-a", "-S",
		"-m", "signed by git", "-m", "Writ-Proposal: p-1")
	signed = plumbing.NewHash(strings.TrimSpace(g.Run(dir, "rev-parse", "HEAD")))
	return dir, unsigned, signed
}

// TestGitSignedCommitVerifies: a commit made by `git commit -S` with a key
// from GenerateSSHKey verifies and maps to the right identity.
func TestGitSignedCommitVerifies(t *testing.T) {
	gittest.Require(t, "ssh-keygen")
	g := gittest.New(t)
	alice, bob := newKey(t, "alice"), newKey(t, "bob")
	dir, _, signed := gitSignedRepo(t, g, bob)
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.CommitObject(signed)
	if err != nil {
		t.Fatal(err)
	}
	ring := mustRing(t, identity("alice", "alice@example.com", alice), identity("bob", "bob@example.com", newKey(t, "bob-old"), bob))
	v, err := VerifyCommit(c, ring)
	if err != nil {
		t.Fatalf("VerifyCommit: %v", err)
	}
	if v.Identity != "bob" || v.Signer != "1" || v.Fingerprint == "" {
		t.Errorf("Verified = %+v, want bob / signer 1", v)
	}
	// And git agrees, with the allowed-signers file writ exports.
	allowed := writeAllowedSigners(t, identity("bob", "bob@example.com", bob))
	g.Run(dir, "-c", "gpg.ssh.allowedSignersFile="+allowed, "verify-commit", signed.String())
}

// rewrite re-encodes a (mutated) copy of c as a new object in repo and reads
// it back, as an attacker rewriting history would.
func rewrite(t *testing.T, repo *git.Repository, c *object.Commit, mutate func(*object.Commit)) *object.Commit {
	t.Helper()
	n := &object.Commit{
		Author: c.Author, Committer: c.Committer, PGPSignature: c.PGPSignature,
		Message: c.Message, TreeHash: c.TreeHash, ParentHashes: c.ParentHashes,
	}
	mutate(n)
	o := repo.Storer.NewEncodedObject()
	if err := n.Encode(o); err != nil {
		t.Fatal(err)
	}
	h, err := repo.Storer.SetEncodedObject(o)
	if err != nil {
		t.Fatal(err)
	}
	out, err := repo.CommitObject(h)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestVerifyCommitRefusals(t *testing.T) {
	gittest.Require(t, "ssh-keygen")
	g := gittest.New(t)
	alice, mallory := newKey(t, "alice"), newKey(t, "mallory")
	dir, unsignedH, signedH := gitSignedRepo(t, g, alice)
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	ring := mustRing(t, identity("alice", "alice@example.com", alice))
	unsigned, _ := repo.CommitObject(unsignedH)
	signed, _ := repo.CommitObject(signedH)

	// A signature made in the "file" namespace over the exact payload.
	payload, err := commitPayload(signed)
	if err != nil {
		t.Fatal(err)
	}
	pf := filepath.Join(t.TempDir(), "payload")
	if err := os.WriteFile(pf, payload, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, e, err := g.Exec("", "ssh-keygen", "-Y", "sign", "-n", "file", "-f", alice.path, pf); err != nil {
		t.Fatalf("ssh-keygen -Y sign -n file: %v: %s", err, e)
	}
	fileNS, _ := os.ReadFile(pf + ".sig")
	sigLines := strings.Split(signed.PGPSignature, "\n")

	tests := []struct {
		name   string
		commit *object.Commit
		ring   *KeyRing
		want   error
	}{
		{"unsigned", unsigned, ring, ErrUnsigned},
		{"unknown signer", signed, mustRing(t, identity("mallory", "", mallory)), ErrUnknownSigner},
		{"empty ring", signed, nil, ErrUnknownSigner},
		{"tampered message", rewrite(t, repo, signed, func(c *object.Commit) { c.Message = "signed by git\n\nWrit-Proposal: p-2\n" }), ring, ErrBadSignature},
		{"tampered parent", rewrite(t, repo, signed, func(c *object.Commit) { c.ParentHashes = nil }), ring, ErrBadSignature},
		{"tampered author", rewrite(t, repo, signed, func(c *object.Commit) { c.Author.Name = "Mallory" }), ring, ErrBadSignature},
		{"garbage", rewrite(t, repo, signed, func(c *object.Commit) { c.PGPSignature = "garbage\n" }), ring, ErrMalformedSignature},
		{"garbage base64", rewrite(t, repo, signed, func(c *object.Commit) {
			c.PGPSignature = sshBegin + "\nAAAAAAAA\n" + sshEnd + "\n"
		}), ring, ErrMalformedSignature},
		{"truncated", rewrite(t, repo, signed, func(c *object.Commit) {
			c.PGPSignature = strings.Join(sigLines[:2], "\n") + "\n" + sshEnd + "\n"
		}), ring, ErrMalformedSignature},
		{"wrong namespace", rewrite(t, repo, signed, func(c *object.Commit) { c.PGPSignature = string(fileNS) }), ring, ErrBadSignature},
		{"truncated pgp", rewrite(t, repo, signed, func(c *object.Commit) {
			c.PGPSignature = "-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n-----END PGP SIGNATURE-----\n"
		}), ring, ErrMalformedSignature},
		{"truncated x509", rewrite(t, repo, signed, func(c *object.Commit) {
			c.PGPSignature = "-----BEGIN SIGNED MESSAGE-----\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\n-----END SIGNED MESSAGE-----\n"
		}), ring, ErrMalformedSignature},
		{"pgp message", rewrite(t, repo, signed, func(c *object.Commit) {
			c.PGPSignature = "-----BEGIN PGP MESSAGE-----\n\niQEzBAABCAAdFiEE\n-----END PGP MESSAGE-----\n"
		}), ring, ErrUnsupportedSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyCommit(tt.commit, tt.ring)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if prefix := "commit " + tt.commit.Hash.String()[:12] + ": "; !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("err %q does not start with %q", err, prefix)
			}
		})
	}
	// The untouched commit still verifies (the rewrites made new objects).
	if _, err := VerifyCommit(signed, ring); err != nil {
		t.Fatalf("VerifyCommit(original): %v", err)
	}
	// git refuses the wrong-namespace rewrite too.
	bad := rewrite(t, repo, signed, func(c *object.Commit) { c.PGPSignature = string(fileNS) })
	allowed := writeAllowedSigners(t, identity("alice", "alice@example.com", alice))
	if _, _, err := g.Exec(dir, "git", "-c", "gpg.ssh.allowedSignersFile="+allowed, "verify-commit", bad.Hash.String()); err == nil {
		t.Errorf("git verify-commit accepted a signature from the file namespace")
	}
}

// commitWith writes a commit with go-git, signed by signer, authored and
// committed at when, into a fresh repository (checked by git fsck when git
// is installed), and returns it as decoded from the repository.
func commitWith(t *testing.T, signer git.Signer, when time.Time) *object.Commit {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wt, _ := repo.Worktree()
	if _, err := wt.Add("f"); err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "Alice", Email: "alice@example.com", When: when}
	h, err := wt.Commit("signed\n", &git.CommitOptions{Author: sig, Committer: sig, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("git"); err == nil {
		gittest.New(t).Fsck(dir)
	}
	c, err := repo.CommitObject(h)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
