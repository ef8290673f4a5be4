package signing

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/gitstore/internal/gittest"
	"github.com/writ-dev/writ/schemas"
)

// TestProgramSignerX509: ProgramSigner signs as git configured for gpgsm
// (gpg.format=x509, gpg.x509.program, user.signingkey) signs, read from
// the real git's configuration, and writ verifies the commit against the
// identity's x509 signer.
func TestProgramSignerX509(t *testing.T) {
	for _, bin := range []string{"gpgsm", "gpgconf", "openssl", "git"} {
		gittest.Require(t, bin)
	}
	g := gittest.New(t)
	ca := newRoot(t, "Writ Test CA")
	key := rsaKey(t) // gpgsm 2.2 cannot import EC keys from PKCS#12
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	leaf := ca.x509Leaf(t, "Carol", "carol@example.com", key, time.Now().Add(-time.Hour), time.Now().Add(30*24*time.Hour))
	program := gpgsmHome(t, g, ca, leaf, keyDER)
	fp := sha1.Sum(leaf.Raw)

	repo := t.TempDir()
	g.Run(repo, "init", "-q")
	g.Run(repo, "config", "gpg.format", "x509")
	g.Run(repo, "config", "gpg.x509.program", program)
	g.Run(repo, "config", "user.signingkey", hex.EncodeToString(fp[:]))
	p, err := ProgramSignerFromGit(repo, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Format != FormatX509 || p.Program != program {
		t.Fatalf("ProgramSignerFromGit = %+v", p)
	}
	c := commitWith(t, p, time.Now())
	if !strings.HasPrefix(c.PGPSignature, cmsBegin) {
		t.Fatalf("gpgsm signature armour: %.40q", c.PGPSignature)
	}
	files := trustFiles{}.add("trust/ca.pem", certPEM(ca.cert))
	ring := newTrustRing(t, []schemas.Identity{x509ID("carol", "carol@example.com", "", "trust/ca.pem")}, nil, files)
	if v, err := VerifyCommit(c, ring); err != nil || v.Identity != "carol" || v.Format != FormatX509 {
		t.Fatalf("VerifyCommit(gpgsm via ProgramSigner) = %+v, %v", v, err)
	}
}

// TestProgramSignerFromGit: what git's configuration says, and what --key
// replaces: an SSH key file signs as gpg.format=ssh whatever git says; no
// signing key is an error naming user.signingkey; an unknown gpg.format is
// an error; ssh-keygen's signature verifies.
func TestProgramSignerFromGit(t *testing.T) {
	gittest.Require(t, "git")
	gittest.Require(t, "ssh-keygen")
	g := gittest.New(t)
	repo := t.TempDir()
	g.Run(repo, "init", "-q")
	keyFile := filepath.Join(t.TempDir(), "id")
	pub, err := GenerateSSHKey(keyFile, "dave")
	if err != nil {
		t.Fatal(err)
	}

	if _, err := ProgramSignerFromGit(repo, ""); !errors.Is(err, ErrProgramSign) || !strings.Contains(err.Error(), "user.signingkey") {
		t.Errorf("no signing configured: %v", err)
	}
	g.Run(repo, "config", "gpg.format", "ssh")
	if _, err := ProgramSignerFromGit(repo, ""); !errors.Is(err, ErrProgramSign) || !strings.Contains(err.Error(), "user.signingkey") {
		t.Errorf("no signing key configured for ssh: %v", err)
	}
	// x509 without a signing key (gitsign's setup): the committer's
	// identity, as git passes it.
	g.Run(repo, "config", "gpg.format", "x509")
	g.Run(repo, "config", "user.name", "Dave Example")
	g.Run(repo, "config", "user.email", "dave@example.com")
	if p, err := ProgramSignerFromGit(repo, ""); err != nil || p.Key != "Dave Example <dave@example.com>" {
		t.Errorf("x509 without user.signingkey: %+v, %v; want the committer's identity as the key", p, err)
	}
	g.Run(repo, "config", "gpg.format", "smime")
	if _, err := ProgramSignerFromGit(repo, "ABC"); !errors.Is(err, ErrProgramSign) || !strings.Contains(err.Error(), `"smime"`) {
		t.Errorf("unknown gpg.format: %v", err)
	}
	g.Run(repo, "config", "gpg.format", "openpgp")
	p, err := ProgramSignerFromGit(repo, keyFile)
	if err != nil || p.Format != FormatSSH || p.Key != keyFile {
		t.Fatalf("--key with an SSH key file under gpg.format=openpgp: %+v, %v", p, err)
	}
	c := commitWith(t, p, time.Now())
	ring := mustRing(t, schemas.Identity{Name: "dave", Signers: []schemas.Signer{{Name: "laptop", SSH: pub}}})
	if v, err := VerifyCommit(c, ring); err != nil || v.Identity != "dave" || v.Format != FormatSSH {
		t.Errorf("VerifyCommit(ssh-keygen via ProgramSigner) = %+v, %v", v, err)
	}
	if _, err := (ProgramSigner{Format: FormatSSH, Key: filepath.Join(t.TempDir(), "nope")}).Sign(strings.NewReader("x")); !errors.Is(err, ErrProgramSign) {
		t.Errorf("missing key file: %v", err)
	}
}
