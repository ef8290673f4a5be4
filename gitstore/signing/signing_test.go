package signing

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/writ-dev/writ/gitstore/internal/gittest"
	"github.com/writ-dev/writ/schemas"
	"golang.org/x/crypto/ssh"
)

type testKey struct {
	path   string
	line   string
	signer *SSHSigner
}

func newKey(t *testing.T, name string) testKey {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	line, err := GenerateSSHKey(path, name+"@writ")
	if err != nil {
		t.Fatalf("GenerateSSHKey: %v", err)
	}
	s, err := LoadSSHSigner(path)
	if err != nil {
		t.Fatalf("LoadSSHSigner: %v", err)
	}
	return testKey{path: path, line: line, signer: s}
}

func identity(name, email string, keys ...testKey) schemas.Identity {
	id := schemas.Identity{Name: name, Kind: schemas.IdentityHuman, Email: email}
	for i, k := range keys {
		s := schemas.Signer{SSH: k.line}
		if i == 0 {
			s.Name = "laptop"
		}
		id.Signers = append(id.Signers, s)
	}
	return id
}

func mustRing(t *testing.T, ids ...schemas.Identity) *KeyRing {
	t.Helper()
	r, err := NewKeyRing(ids)
	if err != nil {
		t.Fatalf("NewKeyRing: %v", err)
	}
	return r
}

func TestGenerateSSHKey(t *testing.T) {
	k := newKey(t, "alice")
	st, err := os.Stat(k.path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("private key mode = %v, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(k.path)
	if blk, _ := pem.Decode(b); blk == nil || blk.Type != "OPENSSH PRIVATE KEY" {
		t.Errorf("private key is not an OPENSSH PRIVATE KEY PEM block")
	}
	pub, _ := os.ReadFile(k.path + ".pub")
	if got := strings.TrimSpace(string(pub)); got != k.line {
		t.Errorf(".pub = %q, want %q", got, k.line)
	}
	if !strings.HasPrefix(k.line, "ssh-ed25519 ") || !strings.HasSuffix(k.line, " alice@writ") {
		t.Errorf("authorized key line = %q", k.line)
	}
	if !strings.HasPrefix(k.line, k.signer.AuthorizedKey()+" ") {
		t.Errorf("AuthorizedKey %q is not the prefix of %q", k.signer.AuthorizedKey(), k.line)
	}
	if _, err := GenerateSSHKey(k.path, "again"); err == nil {
		t.Errorf("GenerateSSHKey overwrote an existing key")
	}

	// ssh-keygen reads the private key and derives the same public key.
	gittest.Require(t, "ssh-keygen")
	g := gittest.New(t)
	out, errOut, err := g.Exec("", "ssh-keygen", "-y", "-f", k.path)
	if err != nil {
		t.Fatalf("ssh-keygen -y: %v: %s", err, errOut)
	}
	if !strings.HasPrefix(k.line, strings.TrimSpace(out)) {
		t.Errorf("ssh-keygen -y = %q, want prefix of %q", out, k.line)
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	alice, bob := newKey(t, "alice"), newKey(t, "bob")
	alice2 := newKey(t, "alice2")
	ring := mustRing(t, identity("alice", "alice@example.com", alice, alice2), identity("bob", "", bob))
	if ring.Len() != 3 {
		t.Fatalf("ring.Len = %d, want 3", ring.Len())
	}
	payload := []byte("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nhello\n")
	for _, tt := range []struct {
		key              testKey
		identity, signer string
	}{
		{alice, "alice", "laptop"},
		{alice2, "alice", "1"},
		{bob, "bob", "laptop"},
	} {
		sig, err := tt.key.signer.Sign(bytes.NewReader(payload))
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		v, err := VerifyPayload(payload, string(sig), ring)
		if err != nil {
			t.Fatalf("VerifyPayload: %v", err)
		}
		want := Verified{Identity: tt.identity, Signer: tt.signer, Fingerprint: ssh.FingerprintSHA256(tt.key.signer.PublicKey()), Format: FormatSSH}
		if v != want {
			t.Errorf("Verified = %+v, want %+v", v, want)
		}
		if _, err := VerifyPayload(append(payload, 'x'), string(sig), ring); !errors.Is(err, ErrBadSignature) {
			t.Errorf("changed payload: err = %v, want ErrBadSignature", err)
		}
	}
}

// TestArmorMatchesSSHKeygen checks the armour layout against ssh-keygen's:
// BEGIN line, base64 wrapped at 70 columns, END line, trailing newline.
func TestArmorMatchesSSHKeygen(t *testing.T) {
	gittest.Require(t, "ssh-keygen")
	k := newKey(t, "carol")
	dir := t.TempDir()
	msg := filepath.Join(dir, "msg")
	if err := os.WriteFile(msg, []byte("payload\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g := gittest.New(t)
	if _, errOut, err := g.Exec(dir, "ssh-keygen", "-Y", "sign", "-n", "git", "-f", k.path, msg); err != nil {
		t.Fatalf("ssh-keygen -Y sign: %v: %s", err, errOut)
	}
	theirs, _ := os.ReadFile(msg + ".sig")
	ours, err := k.signer.Sign(strings.NewReader("payload\n"))
	if err != nil {
		t.Fatal(err)
	}
	layout := func(b []byte) []int {
		var ls []int
		for _, l := range strings.SplitAfter(string(b), "\n") {
			ls = append(ls, len(l))
		}
		return ls
	}
	if got, want := layout(ours), layout(theirs); !equalInts(got, want) {
		t.Errorf("armour line lengths = %v, ssh-keygen's = %v", got, want)
	}
	// ed25519 signatures are deterministic: the bytes must be identical.
	if !bytes.Equal(ours, theirs) {
		t.Errorf("signature bytes differ from ssh-keygen's\nours:\n%s\ntheirs:\n%s", ours, theirs)
	}
	ring := mustRing(t, identity("carol", "", k))
	if _, err := VerifyPayload([]byte("payload\n"), string(theirs), ring); err != nil {
		t.Errorf("VerifyPayload(ssh-keygen signature): %v", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestNewKeyRingErrors(t *testing.T) {
	a := newKey(t, "a")
	tests := []struct {
		name string
		ids  []schemas.Identity
		want string
	}{
		{"bad key", []schemas.Identity{{Name: "x", Signers: []schemas.Signer{{SSH: "ssh-ed25519 notbase64"}}}}, `identity "x" signer "0"`},
		{"options", []schemas.Identity{{Name: "x", Signers: []schemas.Signer{{SSH: `command="sh" ` + a.line}}}}, "options"},
		{"dup across identities", []schemas.Identity{identity("x", "", a), identity("y", "", a)}, `already belongs to identity "x"`},
		{"dup within identity", []schemas.Identity{{Name: "x", Signers: []schemas.Signer{{SSH: a.line}, {SSH: a.line}}}}, "already belongs"},
		{"short rsa key", []schemas.Identity{{Name: "x", Signers: []schemas.Signer{{SSH: weakSSHKey(t)}}}}, "RSA key of 1024 bits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewKeyRing(tt.ids)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want containing %q", err, tt.want)
			}
		})
	}
	// Signers without an SSH key are other kinds and are skipped.
	r := mustRing(t, schemas.Identity{Name: "k", Signers: []schemas.Signer{{Name: "keyless"}}})
	if r.Len() != 0 {
		t.Errorf("Len = %d, want 0", r.Len())
	}
	var nilRing *KeyRing
	if _, _, ok := nilRing.Lookup(a.signer.PublicKey()); ok || nilRing.Len() != 0 {
		t.Errorf("nil ring is not empty")
	}
}

func weakSSHKey(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

func TestAllowedSigners(t *testing.T) {
	a, b, c := newKey(t, "a"), newKey(t, "b"), newKey(t, "c")
	ids := []schemas.Identity{identity("zed", "zed@example.com", a, b), identity("amy", "", c)}
	got, err := AllowedSigners(ids)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := AllowedSigners([]schemas.Identity{ids[1], ids[0]})
	if got != again {
		t.Errorf("AllowedSigners depends on input order:\n%s\n%s", got, again)
	}
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], `amy namespaces="git" ssh-ed25519 `) {
		t.Fatalf("AllowedSigners =\n%s", got)
	}
	for _, l := range lines {
		if strings.HasSuffix(l, "@writ") {
			t.Errorf("key comment leaked into allowed signers line %q", l)
		}
	}
	if _, err := AllowedSigners([]schemas.Identity{identity("has space", "", a)}); err == nil {
		t.Errorf("principal with a space accepted")
	}
}

func TestParseSignatureRefusals(t *testing.T) {
	k := newKey(t, "a")
	good, err := k.signer.Sign(strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(good), "\n")
	tests := []struct {
		name string
		sig  string
		want error
	}{
		{"empty", "", ErrMalformedSignature},
		{"garbage", "hello world", ErrMalformedSignature},
		{"pgp", "-----BEGIN PGP SIGNATURE-----\n\niQ==\n-----END PGP SIGNATURE-----\n", ErrMalformedSignature},
		{"x509", "-----BEGIN SIGNED MESSAGE-----\nMIA=\n-----END SIGNED MESSAGE-----\n", ErrMalformedSignature},
		{"pgp message", "-----BEGIN PGP MESSAGE-----\n\niQ==\n-----END PGP MESSAGE-----\n", ErrUnsupportedSignature},
		{"no end", strings.Join(lines[:len(lines)-2], "\n"), ErrMalformedSignature},
		{"truncated base64", lines[0] + "\n" + lines[1][:33] + "\n" + lines[len(lines)-2] + "\n", ErrMalformedSignature},
		{"truncated blob", lines[0] + "\n" + lines[1] + "\n" + lines[len(lines)-2] + "\n", ErrMalformedSignature},
		{"two blocks", string(good) + string(good), ErrMalformedSignature},
		{"header junk", "Version: 1\n" + string(good), ErrMalformedSignature},
		{"bad char", strings.Replace(string(good), "\n", "\n*", 1), ErrMalformedSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseSignature(tt.sig)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := parseSignature(string(good)); err != nil {
		t.Fatalf("parse good signature: %v", err)
	}
}

// FuzzParseSignature feeds arbitrary text to every signature parser (SSH,
// OpenPGP, CMS, cosign blob) both raw and inside each armour, and through
// VerifyPayloadAt and VerifyBlob against a ring holding every signer kind
// and trust root: none may panic, accept, or fail without a sentinel.
func FuzzParseSignature(f *testing.F) {
	path := filepath.Join(f.TempDir(), "k")
	if _, err := GenerateSSHKey(path, ""); err != nil {
		f.Fatal(err)
	}
	s, err := LoadSSHSigner(path)
	if err != nil {
		f.Fatal(err)
	}
	sig, err := s.Sign(strings.NewReader("x"))
	if err != nil {
		f.Fatal(err)
	}
	kf := keylessFixture(f)
	ring := kf.ring(f, schemas.Trust{AcceptCommitterTime: true},
		signerID("ssh", schemas.Signer{SSH: s.AuthorizedKey()}), keyID(f, "key", ecKey(f).Public(), ""))
	leaf, key := kf.inter.fulcioLeaf(f, ci)
	cms := kf.sign(f, alice, cmsOpts{unsigned: kf.tsa.token(f, tSign, false)})
	rekorCMS := signCMS(f, payload, key, []*x509.Certificate{leaf, kf.inter.cert}, cmsOpts{unsigned: kf.rekor.entry(f, rekorOpts{proof: true})})
	f.Add(string(sig))
	f.Add("")
	f.Add(sshBegin + "\n" + sshEnd + "\n")
	f.Add(sshBegin + "\nU1NIU0lHAAAAAQ==\n" + sshEnd + "\n")
	f.Add("-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----")
	f.Add(cms)
	f.Add(rekorCMS)
	f.Add("MEUCIQD4")
	for _, armoured := range []string{string(sig), cms, rekorCMS} {
		if blob, err := dearmorBlock(armoured, cmsBegin, cmsEnd); err == nil {
			f.Add(string(blob)) // raw DER: reaches the CMS decoder
			f.Add(string(blob[:len(blob)/2]))
		}
		if blob, err := dearmor(armoured); err == nil {
			f.Add(string(blob)) // raw SSHSIG blob: reaches the wire parser
			f.Add(string(blob[:len(blob)/2]))
		}
	}
	sentinels := []error{ErrUnsigned, ErrMalformedSignature, ErrUnknownSigner, ErrBadSignature, ErrUnsupportedSignature,
		ErrUntrustedCertificate, ErrExpired, ErrNoTrustedTime, ErrRevoked, ErrTransparencyLog}
	wraps := func(err error) bool {
		for _, s := range sentinels {
			if errors.Is(err, s) {
				return true
			}
		}
		return false
	}
	f.Fuzz(func(t *testing.T, s string) {
		pgp := pgpBegin + "\n\n" + base64.StdEncoding.EncodeToString([]byte(s)) + "\n" + pgpEnd + "\n"
		cmsArm := string(pem.EncodeToMemory(&pem.Block{Type: "SIGNED MESSAGE", Bytes: []byte(s)}))
		for _, in := range []string{s, string(armor([]byte(s))), pgp, cmsArm} {
			if sig, err := parseSignature(in); err == nil && sig == nil || err != nil && !wraps(err) {
				t.Fatalf("parseSignature: %v", err)
			}
			if sig, err := parsePGPSignature(in); err == nil && sig == nil || err != nil && !wraps(err) {
				t.Fatalf("parsePGPSignature: %v", err)
			}
			if sig, err := parseCMS(in); err == nil && sig == nil || err != nil && !wraps(err) {
				t.Fatalf("parseCMS: %v", err)
			}
			for _, r := range []*KeyRing{nil, ring} {
				if _, err := VerifyPayloadAt([]byte("fuzz"), in, r, tSign); err == nil || !wraps(err) {
					t.Fatalf("VerifyPayloadAt accepted or gave %v", err)
				}
			}
		}
		if _, err := VerifyBlob([]byte("fuzz"), s, ring, tSign); err == nil || !wraps(err) {
			t.Fatalf("VerifyBlob accepted or gave %v", err)
		}
	})
}
