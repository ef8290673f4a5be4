package signing

import (
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
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

func x509ID(name, email, subject, ca string) schemas.Identity {
	return signerID(name, schemas.Signer{Name: "smime", X509: &schemas.X509Signer{Email: email, Subject: subject, CA: ca}})
}

func TestX509(t *testing.T) {
	ca, other := newRoot(t, "Writ Test CA"), newRoot(t, "Other CA")
	files := trustFiles{}.add("trust/ca.pem", certPEM(ca.cert)).add("trust/other.pem", certPEM(other.cert))
	key := ecKey(t)
	carol := ca.x509Leaf(t, "Carol", "carol@example.com", key, tLong, tLongTo)
	plain := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Dave", Organization: []string{"Example"}},
		NotBefore: tLong, NotAfter: tLongTo, KeyUsage: x509.KeyUsageDigitalSignature}, key.Public(), ca)
	noSign := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Erin"}, EmailAddresses: []string{"erin@example.com"},
		NotBefore: tLong, NotAfter: tLongTo, KeyUsage: x509.KeyUsageKeyEncipherment}, key.Public(), ca)
	short := ca.x509Leaf(t, "Carol", "carol@example.com", key, tSign.Add(-time.Hour), tSign.Add(time.Hour))

	tests := []struct {
		name   string
		cert   *x509.Certificate
		ids    []schemas.Identity
		at     time.Time
		want   error
		wantID string
	}{
		{"email (case-insensitive)", carol, []schemas.Identity{x509ID("carol", "Carol@Example.com", "", "trust/ca.pem")}, tSign, nil, "carol"},
		{"subject", plain, []schemas.Identity{x509ID("dave", "", "CN=Dave,O=Example", "trust/ca.pem")}, tSign, nil, "dave"},
		{"signing-time attribute when no time given", carol, []schemas.Identity{x509ID("carol", "carol@example.com", "", "trust/ca.pem")}, time.Time{}, nil, "carol"},
		{"wrong email", carol, []schemas.Identity{x509ID("dave", "dave@example.com", "", "trust/ca.pem")}, tSign, ErrUnknownSigner, ""},
		{"email and subject must both match", carol, []schemas.Identity{x509ID("carol", "carol@example.com", "CN=Carol", "trust/ca.pem")}, tSign, ErrUnknownSigner, ""},
		{"wrong ca", carol, []schemas.Identity{x509ID("carol", "carol@example.com", "", "trust/other.pem")}, tSign, ErrUntrustedCertificate, ""},
		{"expired", short, []schemas.Identity{x509ID("carol", "carol@example.com", "", "trust/ca.pem")}, tSign.Add(2 * time.Hour), ErrExpired, ""},
		{"not yet valid", short, []schemas.Identity{x509ID("carol", "carol@example.com", "", "trust/ca.pem")}, tSign.Add(-2 * time.Hour), ErrExpired, ""},
		{"key usage without digital signature", noSign, []schemas.Identity{x509ID("erin", "erin@example.com", "", "trust/ca.pem")}, tSign, ErrUntrustedCertificate, ""},
		{"ambiguous", carol, []schemas.Identity{x509ID("carol", "carol@example.com", "", "trust/ca.pem"), x509ID("carol2", "", carol.Subject.String(), "trust/ca.pem")}, tSign, ErrUnknownSigner, ""},
		{"revoked", carol, []schemas.Identity{signerID("carol", schemas.Signer{X509: &schemas.X509Signer{Email: "carol@example.com", CA: "trust/ca.pem"}, RevokedAt: "2026-02-01T00:00:00Z"})}, tSign, ErrRevoked, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig := signCMS(t, payload, key, []*x509.Certificate{tt.cert}, cmsOpts{})
			v, err := VerifyPayloadAt(payload, sig, newTrustRing(t, tt.ids, nil, files), tt.at)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil || v.Identity != tt.wantID || v.Format != FormatX509 || v.TimeSource != TimeClaimed {
				t.Fatalf("Verified = %+v, %v; want %s", v, err, tt.wantID)
			}
		})
	}
	// Built without trust files, the ring refuses certificate signers.
	ring, err := NewKeyRing([]schemas.Identity{x509ID("carol", "carol@example.com", "", "trust/ca.pem")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyPayloadAt(payload, signCMS(t, payload, key, []*x509.Certificate{carol}, cmsOpts{}), ring, tSign); !errors.Is(err, ErrUntrustedCertificate) {
		t.Errorf("NewKeyRing: err = %v, want ErrUntrustedCertificate", err)
	}
}

// gpgsmHome sets up a gpgsm home as §12 of DESIGN.md says: the test CA
// trusted through trustlist.txt, CRL checks off, a pinentry that answers
// the PKCS#12 passphrase, and the signer's key and certificate imported
// from a PKCS#12 file made by OpenSSL 3 with legacy algorithms. It returns
// a script to use as gpg.x509.program.
func gpgsmHome(t *testing.T, g *gittest.Git, ca *testCA, leaf *x509.Certificate, keyDER []byte) string {
	t.Helper()
	dir := t.TempDir()
	home := filepath.Join(dir, "h")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, data string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pinentry := write("pinentry", "#!/bin/sh\necho OK ready\nwhile read cmd rest; do\n  case \"$cmd\" in\n"+
		"    GETPIN) echo 'D writ-test'; echo OK;;\n    BYE) echo OK; exit 0;;\n    *) echo OK;;\n  esac\ndone\n", 0o755)
	write("h/gpg-agent.conf", "pinentry-program "+pinentry+"\n", 0o600)
	write("h/gpgsm.conf", "disable-crl-checks\n", 0o600)
	fp := sha1.Sum(ca.cert.Raw)
	write("h/trustlist.txt", strings.ToUpper(hex.EncodeToString(fp[:]))+" S relax\n", 0o600)
	caFile := write("ca.pem", string(certPEM(ca.cert)), 0o644)
	keyFile := write("key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})), 0o600)
	leafFile := write("leaf.pem", string(certPEM(leaf)), 0o644)
	p12 := filepath.Join(dir, "leaf.p12")
	run := func(name string, args ...string) {
		t.Helper()
		if out, errOut, err := g.Exec(dir, name, args...); err != nil {
			t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, errOut)
		}
	}
	t.Cleanup(func() { _, _, _ = g.Exec(dir, "gpgconf", "--homedir", home, "--kill", "gpg-agent") })
	run("gpgsm", "--homedir", home, "--batch", "--import", caFile)
	// gpgsm 2.2.40 fails to decrypt about 3 in 100 of the PKCS#12 files
	// OpenSSL writes ("decryption failed; trying charset ...", then "error
	// parsing or decrypting the PKCS#12 file"), and it fails every time on
	// such a file: it depends on the file's random salt, not on the agent.
	// So each attempt exports a new file (new salt) and starts a fresh
	// agent; the import is idempotent.
	for attempt := 1; ; attempt++ {
		run("openssl", "pkcs12", "-export", "-inkey", keyFile, "-in", leafFile, "-out", p12, "-passout", "pass:writ-test",
			"-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1")
		out, errOut, err := g.Exec(dir, "gpgsm", "--homedir", home, "--batch", "--import", p12)
		keys, _, _ := g.Exec(dir, "gpgsm", "--homedir", home, "--batch", "--list-secret-keys")
		if err == nil && strings.TrimSpace(keys) != "" {
			break
		}
		_, _, _ = g.Exec(dir, "gpgconf", "--homedir", home, "--kill", "gpg-agent")
		if attempt == 6 {
			t.Fatalf("gpgsm --import %s: %v\n%s%s", p12, err, out, errOut)
		}
	}
	return write("gpgsm.sh", "#!/bin/sh\nexec gpgsm --homedir '"+home+"' \"$@\"\n", 0o755)
}

// TestGpgsmInterop: git commits signed by gpgsm (gpg.format=x509) with a
// certificate from a test CA verify in writ; and the gitsign-format
// signer's CMS passes gpgsm, so both sides speak the same CMS.
func TestGpgsmInterop(t *testing.T) {
	for _, bin := range []string{"gpgsm", "gpgconf", "openssl"} {
		gittest.Require(t, bin)
	}
	g := gittest.New(t)
	ca := newRoot(t, "Writ Test CA")
	key := rsaKey(t) // gpgsm 2.2 cannot import EC keys from PKCS#12 (it crashes)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	leaf := ca.x509Leaf(t, "Carol", "carol@example.com", key, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), time.Now().Add(30*24*time.Hour))
	program := gpgsmHome(t, g, ca, leaf, keyDER)
	leafFP := sha1.Sum(leaf.Raw)
	cfg := []string{"-c", "gpg.format=x509", "-c", "gpg.x509.program=" + program}

	dir := t.TempDir()
	g.Run(dir, "init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g.Run(dir, "add", "f")
	g.Run(dir, append(cfg, "-c", "user.signingkey="+hex.EncodeToString(leafFP[:]), "commit", "-q", "-S", "-m", "signed by gpgsm")...)
	g.Run(dir, append(cfg, "verify-commit", "HEAD")...)
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := repo.Head()
	c, err := repo.CommitObject(head.Hash())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.PGPSignature, cmsBegin+"\n") {
		t.Fatalf("gpgsm signature armour: %.40q", c.PGPSignature)
	}

	files := trustFiles{}.add("trust/ca.pem", certPEM(ca.cert)).add("trust/other.pem", certPEM(newRoot(t, "Other").cert))
	ring := newTrustRing(t, []schemas.Identity{x509ID("carol", "carol@example.com", "", "trust/ca.pem")}, nil, files)
	v, err := VerifyCommit(c, ring)
	if err != nil {
		t.Fatalf("VerifyCommit(gpgsm commit): %v", err)
	}
	if v.Identity != "carol" || v.Format != FormatX509 || v.Subject != "carol@example.com" {
		t.Errorf("Verified = %+v", v)
	}
	refusals := []struct {
		name string
		err  func() error
		want error
	}{
		{"wrong email", func() error {
			_, err := VerifyCommit(c, newTrustRing(t, []schemas.Identity{x509ID("dave", "dave@example.com", "", "trust/ca.pem")}, nil, files))
			return err
		}, ErrUnknownSigner},
		{"wrong ca", func() error {
			_, err := VerifyCommit(c, newTrustRing(t, []schemas.Identity{x509ID("carol", "carol@example.com", "", "trust/other.pem")}, nil, files))
			return err
		}, ErrUntrustedCertificate},
		{"after expiry", func() error { _, err := VerifyCommitAt(c, ring, leaf.NotAfter.Add(time.Hour)); return err }, ErrExpired},
		{"before validity", func() error { _, err := VerifyCommitAt(c, ring, leaf.NotBefore.Add(-time.Hour)); return err }, ErrExpired},
		{"tampered", func() error {
			_, err := VerifyCommit(rewrite(t, repo, c, func(c *object.Commit) { c.Message = "edited\n" }), ring)
			return err
		}, ErrBadSignature},
		{"revoked", func() error {
			id := signerID("carol", schemas.Signer{X509: &schemas.X509Signer{Email: "carol@example.com", CA: "trust/ca.pem"}, RevokedAt: "2025-12-01T00:00:00Z"})
			_, err := VerifyCommit(c, newTrustRing(t, []schemas.Identity{id}, nil, files))
			return err
		}, ErrRevoked},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.err(); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}

	// gpgsm accepts a commit signed by writ's gitsign-format CMS signer.
	signer := cmsGitSigner{t: t, key: key, chain: []*x509.Certificate{leaf}, opts: cmsOpts{signingTime: time.Now()}}
	ours := commitInto(t, repo, head.Hash(), signer)
	g.Run(dir, append(cfg, "verify-commit", ours.String())...)
}

// commitInto writes a signed empty commit on parent into repo.
func commitInto(t *testing.T, repo *git.Repository, parent plumbing.Hash, signer git.Signer) plumbing.Hash {
	t.Helper()
	p, err := repo.CommitObject(parent)
	if err != nil {
		t.Fatal(err)
	}
	sig := object.Signature{Name: "Carol", Email: "carol@example.com", When: time.Now().UTC().Truncate(time.Second)}
	c := &object.Commit{Author: sig, Committer: sig, Message: "signed by writ's CMS signer\n", TreeHash: p.TreeHash, ParentHashes: []plumbing.Hash{parent}}
	enc := &plumbing.MemoryObject{}
	if err := c.EncodeWithoutSignature(enc); err != nil {
		t.Fatal(err)
	}
	r, _ := enc.Reader()
	s, err := signer.Sign(r)
	if err != nil {
		t.Fatal(err)
	}
	c.PGPSignature = string(s)
	o := repo.Storer.NewEncodedObject()
	if err := c.Encode(o); err != nil {
		t.Fatal(err)
	}
	h, err := repo.Storer.SetEncodedObject(o)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
