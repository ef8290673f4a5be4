package signing

import (
	"crypto"
	"crypto/ed25519"
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
	"time"

	"github.com/writ-dev/writ/gitstore/internal/gittest"
	"github.com/writ-dev/writ/schemas"
)

func keyID(t testing.TB, name string, pub crypto.PublicKey, revoked string) schemas.Identity {
	return signerID(name, schemas.Signer{Name: "http", Key: pubPEM(t, pub), RevokedAt: revoked})
}

func TestBlobSignatures(t *testing.T) {
	ec := ecKey(t)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rs := rsaKey(t)
	stranger := ecKey(t)
	ring := mustRing(t, keyID(t, "ecdsa", ec.Public(), ""), keyID(t, "ed", ed.Public(), ""), keyID(t, "rsa", rs.Public(), ""))
	blob := []byte(`{"instance":"web-1","transition":"ship"}`)
	for _, k := range []struct {
		name string
		key  crypto.Signer
	}{{"ecdsa", ec}, {"ed", ed}, {"rsa", rs}} {
		sig, err := SignBlob(k.key, blob)
		if err != nil {
			t.Fatalf("SignBlob(%s): %v", k.name, err)
		}
		v, err := VerifyBlob(blob, sig+"\n", ring, tSign)
		if err != nil || v.Identity != k.name || v.Signer != "http" || v.Format != FormatKey || !strings.HasPrefix(v.Fingerprint, "sha256:") {
			t.Errorf("VerifyBlob(%s) = %+v, %v", k.name, v, err)
		}
	}
	good, _ := SignBlob(ec, blob)
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	if _, err := SignBlob(weak, blob); err == nil {
		t.Error("SignBlob accepted a 1024-bit RSA key")
	}
	other, _ := SignBlob(stranger, blob)
	tests := []struct {
		name string
		blob []byte
		sig  string
		ring *KeyRing
		at   time.Time
		want error
	}{
		{"changed blob", append(blob, ' '), good, ring, tSign, ErrBadSignature},
		{"unknown key", blob, other, ring, tSign, ErrBadSignature},
		{"no key signers", blob, good, mustRing(t), tSign, ErrUnknownSigner},
		{"nil ring", blob, good, nil, tSign, ErrUnknownSigner},
		{"empty", blob, " \n", ring, tSign, ErrUnsigned},
		{"not base64", blob, "%%%", ring, tSign, ErrMalformedSignature},
		{"truncated", blob, good[:len(good)/2], ring, tSign, ErrBadSignature},
		{"too long", blob, strings.Repeat("A", maxBlobSig+4), ring, tSign, ErrMalformedSignature},
		{"revoked", blob, good, mustRing(t, keyID(t, "ecdsa", ec.Public(), "2026-01-01T00:00:00Z")), tSign, ErrRevoked},
		{"revoked, time unknown", blob, good, mustRing(t, keyID(t, "ecdsa", ec.Public(), "2026-01-01T00:00:00Z")), time.Time{}, ErrRevoked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := VerifyBlob(tt.blob, tt.sig, tt.ring, tt.at); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := VerifyBlob(blob, good, mustRing(t, keyID(t, "ecdsa", ec.Public(), "2026-06-01T00:00:00Z")), tSign); err != nil {
		t.Errorf("signed before revocation: %v", err)
	}
}

// TestBlobOpenSSLInterop: `openssl dgst -sha256 -sign` makes the same
// signature cosign sign-blob does for an ECDSA key (ASN.1 DER over the
// SHA-256 digest); VerifyBlob accepts it, and openssl accepts SignBlob's.
func TestBlobOpenSSLInterop(t *testing.T) {
	gittest.Require(t, "openssl")
	g := gittest.New(t)
	dir := t.TempDir()
	k := ecKey(t)
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keyFile := write("key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	pubFile := write("key.pub", []byte(pubPEM(t, k.Public())))
	blob := []byte("proposal bytes\n")
	blobFile := write("blob", blob)
	sigFile := filepath.Join(dir, "blob.sig")
	if _, e, err := g.Exec(dir, "openssl", "dgst", "-sha256", "-sign", keyFile, "-out", sigFile, blobFile); err != nil {
		t.Fatalf("openssl dgst -sign: %v: %s", err, e)
	}
	raw, _ := os.ReadFile(sigFile)
	ring := mustRing(t, keyID(t, "agent", k.Public(), ""))
	if v, err := VerifyBlob(blob, base64.StdEncoding.EncodeToString(raw), ring, tSign); err != nil || v.Identity != "agent" {
		t.Fatalf("VerifyBlob(openssl signature) = %+v, %v", v, err)
	}
	ours, err := SignBlob(k, blob)
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := base64.StdEncoding.DecodeString(ours)
	write("ours.sig", dec)
	if out, e, err := g.Exec(dir, "openssl", "dgst", "-sha256", "-verify", pubFile, "-signature", filepath.Join(dir, "ours.sig"), blobFile); err != nil {
		t.Fatalf("openssl dgst -verify: %v: %s%s", err, out, e)
	}
}
