package signing

import (
	"bytes"
	"crypto"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	pgparmor "github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/writ-dev/writ/gitstore/internal/gittest"
	"github.com/writ-dev/writ/schemas"
)

// pgpEntity makes an Ed25519 OpenPGP key created at created, expiring
// after lifetime (0: never).
func pgpEntity(t *testing.T, name string, created time.Time, lifetime time.Duration) *openpgp.Entity {
	t.Helper()
	cfg := &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA, Time: func() time.Time { return created }, KeyLifetimeSecs: uint32(lifetime / time.Second)}
	e, err := openpgp.NewEntity(name, "", name+"@example.com", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func armoredPub(t *testing.T, e *openpgp.Entity) string {
	t.Helper()
	var b bytes.Buffer
	w, err := pgparmor.Encode(&b, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Serialize(w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return b.String()
}

// pgpSign makes a detached signature at time at with the given hash and
// mode, at the packet level so expired keys can still sign.
func pgpSign(t *testing.T, e *openpgp.Entity, msg []byte, at time.Time, h crypto.Hash, sigType packet.SignatureType) string {
	t.Helper()
	cfg := &packet.Config{DefaultHash: h, Time: func() time.Time { return at }}
	sig := &packet.Signature{Version: 4, SigType: sigType, PubKeyAlgo: e.PrimaryKey.PubKeyAlgo, Hash: h,
		CreationTime: at, IssuerKeyId: &e.PrimaryKey.KeyId, IssuerFingerprint: e.PrimaryKey.Fingerprint}
	hh, err := sig.PrepareSign(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hh.Write(msg)
	if err := sig.Sign(hh, e.PrivateKey, cfg); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w, _ := pgparmor.Encode(&b, openpgp.SignatureType, nil)
	if err := sig.Serialize(w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return b.String()
}

// pgpSignText makes a text-mode signature with go-crypto's own signer.
func pgpSignText(t *testing.T, e *openpgp.Entity, msg []byte) string {
	t.Helper()
	var b bytes.Buffer
	cfg := &packet.Config{DefaultHash: crypto.SHA512, Time: func() time.Time { return tSign }}
	if err := openpgp.ArmoredDetachSignText(&b, e, bytes.NewReader(msg), cfg); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// patchPGP sets one byte of the signature packet's body (after the
// new-format packet header): 1 is the signature type, 3 the hash algorithm.
func patchPGP(t *testing.T, armored string, at int, v byte) string {
	t.Helper()
	blk, err := pgparmor.Decode(strings.NewReader(armored))
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	_, _ = raw.ReadFrom(blk.Body)
	b := raw.Bytes()
	hdr := 2
	switch {
	case b[1] >= 192 && b[1] < 224:
		hdr = 3
	case b[1] == 255:
		hdr = 6
	}
	b[hdr+at] = v
	var out bytes.Buffer
	w, _ := pgparmor.Encode(&out, openpgp.SignatureType, nil)
	w.Write(b)
	w.Close()
	return out.String()
}

func pgpID(name, key, revoked string) schemas.Identity {
	return signerID(name, schemas.Signer{Name: "gpg", PGP: key, RevokedAt: revoked})
}

func TestOpenPGP(t *testing.T) {
	created := tSign.Add(-24 * time.Hour)
	dave, eve := pgpEntity(t, "dave", created, 0), pgpEntity(t, "eve", created, 0)
	short := pgpEntity(t, "short", created, time.Hour)
	ring := mustRing(t, pgpID("dave", armoredPub(t, dave), ""), pgpID("short", armoredPub(t, short), ""))
	good := pgpSign(t, dave, payload, tSign, crypto.SHA256, packet.SigTypeBinary)
	sigBytes := func(s string) string { // a second signature packet appended
		blk, _ := pgparmor.Decode(strings.NewReader(s))
		var raw bytes.Buffer
		_, _ = raw.ReadFrom(blk.Body)
		var b bytes.Buffer
		w, _ := pgparmor.Encode(&b, openpgp.SignatureType, nil)
		w.Write(raw.Bytes())
		w.Write(raw.Bytes())
		w.Close()
		return b.String()
	}
	tests := []struct {
		name    string
		sig     string
		payload []byte
		ring    *KeyRing
		at      time.Time
		want    error
	}{
		{"binary", good, payload, ring, tSign, nil},
		{"text mode", pgpSignText(t, dave, payload), payload, ring, tSign, nil},
		{"no time given", good, payload, ring, time.Time{}, nil},
		{"unknown key", pgpSign(t, eve, payload, tSign, crypto.SHA256, packet.SigTypeBinary), payload, ring, tSign, ErrUnknownSigner},
		{"tampered", good, append([]byte("x"), payload...), ring, tSign, ErrBadSignature},
		{"sha1", patchPGP(t, good, 3, 2), payload, ring, tSign, ErrUnsupportedSignature},
		{"not a document signature", patchPGP(t, good, 1, byte(packet.SigTypeGenericCert)), payload, ring, tSign, ErrMalformedSignature},
		{"key expired when signing", pgpSign(t, short, payload, created.Add(2*time.Hour), crypto.SHA256, packet.SigTypeBinary), payload, ring, tSign, ErrExpired},
		{"key valid when signing", pgpSign(t, short, payload, created.Add(30*time.Minute), crypto.SHA256, packet.SigTypeBinary), payload, ring, tSign, nil},
		{"revoked_at before", good, payload, mustRing(t, pgpID("dave", armoredPub(t, dave), "2026-02-01T00:00:00Z")), tSign, ErrRevoked},
		{"revoked_at after", good, payload, mustRing(t, pgpID("dave", armoredPub(t, dave), "2026-04-01T00:00:00Z")), tSign, nil},
		{"signature claims a time after revocation", pgpSign(t, dave, payload, tSign.Add(48*time.Hour), crypto.SHA256, packet.SigTypeBinary), payload,
			mustRing(t, pgpID("dave", armoredPub(t, dave), "2026-03-02T00:00:00Z")), tSign, ErrRevoked},
		{"two packets", sigBytes(good), payload, ring, tSign, ErrMalformedSignature},
		{"truncated", good[:len(good)/2] + "\n" + pgpEnd + "\n", payload, ring, tSign, ErrMalformedSignature},
		{"public key instead of signature", strings.ReplaceAll(armoredPub(t, dave), "PUBLIC KEY BLOCK", "SIGNATURE"), payload, ring, tSign, ErrMalformedSignature},
		{"pgp message armour", "-----BEGIN PGP MESSAGE-----\n\nwx4=\n-----END PGP MESSAGE-----\n", payload, ring, tSign, ErrUnsupportedSignature},
		{"empty ring", good, payload, nil, tSign, ErrUnknownSigner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := VerifyPayloadAt(tt.payload, tt.sig, tt.ring, tt.at)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err == nil && (v.Format != FormatOpenPGP || v.Identity == "" || len(v.Fingerprint) != 40 || v.SignedAt.IsZero()) {
				t.Errorf("Verified = %+v", v)
			}
		})
	}
}

// TestGPGInterop: a commit made by `git commit -S` with gpg
// (gpg.format=openpgp) verifies in writ, and is refused for the wrong key,
// a changed commit or a revoked signer.
func TestGPGInterop(t *testing.T) {
	gittest.Require(t, "gpg")
	gittest.Require(t, "gpgconf")
	g := gittest.New(t)
	dir := t.TempDir()
	home := filepath.Join(dir, "h")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _, _ = g.Exec(dir, "gpgconf", "--homedir", home, "--kill", "gpg-agent") })
	gpg := func(args ...string) string {
		t.Helper()
		out, errOut, err := g.Exec(dir, "gpg", append([]string{"--homedir", home, "--batch"}, args...)...)
		if err != nil {
			t.Fatalf("gpg %s: %v\n%s", strings.Join(args, " "), err, errOut)
		}
		return out
	}
	gpg("--passphrase", "", "--quick-gen-key", "Dave <dave@example.com>", "ed25519", "sign", "never")
	var fpr string
	for _, l := range strings.Split(gpg("--with-colons", "--list-secret-keys"), "\n") {
		if f := strings.Split(l, ":"); f[0] == "fpr" && fpr == "" {
			fpr = f[9]
		}
	}
	pub := gpg("--armor", "--export", fpr)
	program := filepath.Join(dir, "gpg.sh")
	if err := os.WriteFile(program, []byte("#!/bin/sh\nexec gpg --homedir '"+home+"' \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := []string{"-c", "gpg.format=openpgp", "-c", "gpg.program=" + program, "-c", "user.signingkey=" + fpr}
	repoDir := filepath.Join(dir, "repo")
	g.Run("", "init", "-q", "-b", "main", repoDir)
	if err := os.WriteFile(filepath.Join(repoDir, "f"), []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g.Run(repoDir, "add", "f")
	g.Run(repoDir, append(cfg, "commit", "-q", "-S", "-m", "signed by gpg")...)
	g.Run(repoDir, append(cfg, "verify-commit", "HEAD")...)

	repo, err := git.PlainOpen(repoDir)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := repo.Head()
	c, _ := repo.CommitObject(head.Hash())
	ring := mustRing(t, pgpID("dave", pub, ""))
	v, err := VerifyCommit(c, ring)
	if err != nil {
		t.Fatalf("VerifyCommit(gpg commit): %v", err)
	}
	if v.Identity != "dave" || v.Signer != "gpg" || v.Fingerprint != strings.ToUpper(fpr) || v.Format != FormatOpenPGP {
		t.Errorf("Verified = %+v", v)
	}
	committed := c.Committer.When
	for _, tt := range []struct {
		name   string
		commit *object.Commit
		ring   *KeyRing
		want   error
	}{
		{"other key", c, mustRing(t, pgpID("eve", armoredPub(t, pgpEntity(t, "eve", tSign, 0)), "")), ErrUnknownSigner},
		{"tampered", rewrite(t, repo, c, func(c *object.Commit) { c.ParentHashes = []plumbing.Hash{c.TreeHash} }), ring, ErrBadSignature},
		{"revoked before commit", c, mustRing(t, pgpID("dave", pub, committed.Add(-time.Hour).Format(time.RFC3339))), ErrRevoked},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := VerifyCommit(tt.commit, tt.ring); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
