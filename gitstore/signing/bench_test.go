package signing_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/schemas"
)

// BenchmarkVerifyPayload verifies one SSH (ed25519) signature over a
// 2 KB payload, the size of a WAL entry commit: replay pays this for the
// entry, its proposal commit and each decision.
func BenchmarkVerifyPayload(b *testing.B) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	sshSigner, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		b.Fatal(err)
	}
	s := signing.NewSSHSigner(sshSigner)
	payload := bytes.Repeat([]byte("Writ-Approval: alice verdict=approve role=sre\n"), 45)
	sig, err := s.Sign(bytes.NewReader(payload))
	if err != nil {
		b.Fatal(err)
	}
	ring, err := signing.NewKeyRing([]schemas.Identity{{Name: "writ-bot", Kind: schemas.IdentityAgent,
		Signers: []schemas.Signer{{Name: "bot", SSH: strings.TrimSpace(s.AuthorizedKey())}}}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := signing.VerifyPayload(payload, string(sig), ring); err != nil {
			b.Fatal(err)
		}
	}
}
