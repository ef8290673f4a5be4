package signing

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/writ-dev/writ/schemas"
)

// maxBlobSig caps the length of a base64 blob signature.
const maxBlobSig = 4096

// SignBlob signs blob the way `cosign sign-blob --key` does: a SHA-256
// digest signed with the key (ECDSA as ASN.1 DER, RSA PKCS #1 v1.5,
// Ed25519 over the message itself), returned as standard base64. It is
// the client side of VerifyBlob, for proposals submitted over HTTP.
func SignBlob(key crypto.Signer, blob []byte) (string, error) {
	if key == nil {
		return "", fmt.Errorf("sign blob: nil key")
	}
	if err := schemas.CheckPublicKeyType(key.Public()); err != nil {
		return "", fmt.Errorf("sign blob: %w", err)
	}
	s, err := signature.LoadSigner(key, crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("sign blob: %w", err)
	}
	sig, err := s.SignMessage(bytes.NewReader(blob))
	if err != nil {
		return "", fmt.Errorf("sign blob: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// VerifyBlob checks a cosign-style keyed blob signature (base64, as
// `cosign sign-blob --key` writes; surrounding whitespace is ignored) over
// blob against the ring's public-key signers (`key:` in writ.yaml), at the
// signing time at (zero: unknown) for revocation. The signature names no
// key, so each key is tried: with no key signers the error wraps
// ErrUnknownSigner, when none verifies it wraps ErrBadSignature (a wrong
// key or a changed blob). It is pure and safe for concurrent use.
func VerifyBlob(blob []byte, sigB64 string, ring *KeyRing, at time.Time) (Verified, error) {
	s := strings.TrimSpace(sigB64)
	if s == "" {
		return Verified{}, ErrUnsigned
	}
	if len(s) > maxBlobSig {
		return Verified{}, fmt.Errorf("%w: %d bytes exceeds limit of %d", ErrMalformedSignature, len(s), maxBlobSig)
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return Verified{}, fmt.Errorf("%w: base64: %v", ErrMalformedSignature, err)
	}
	if ring == nil || len(ring.keys) == 0 {
		return Verified{}, fmt.Errorf("%w: the key ring has no public-key signers", ErrUnknownSigner)
	}
	for _, e := range ring.keys {
		if verifyBlobWith(e, blob, sig) {
			v := Verified{Identity: e.identity, Signer: e.signer, Fingerprint: e.fingerprint, Format: FormatKey}
			v.SignedAt, v.TimeSource = claimed(at)
			return done(v, checkRevoked(e.owner, v.SignedAt))
		}
	}
	return Verified{}, fmt.Errorf("%w: no public key in the ring verifies the signature over these bytes (%d keys tried)", ErrBadSignature, len(ring.keys))
}

// verifyBlobWith reports whether e's key verifies sig over blob; a panic
// in a key implementation counts as a failure.
func verifyBlobWith(e keyEntry, blob, sig []byte) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	v, err := signature.LoadVerifier(e.pub, crypto.SHA256)
	if err != nil {
		return false
	}
	return v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(blob)) == nil
}
