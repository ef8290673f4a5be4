package signing

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors of keyless signing (KeylessSigner, FulcioClient, TokenSource,
// Timestamper). Test for them with errors.Is. Unlike the verification
// sentinels in errors.go, these are failures to sign: nothing was signed.
var (
	// ErrNoToken means no usable OIDC identity token: the token source
	// failed (for example, not running in GitHub Actions, or the job lacks
	// the id-token: write permission), or the token is malformed or
	// expired.
	ErrNoToken = errors.New("no OIDC identity token")

	// ErrFulcio means the certificate authority did not issue a usable
	// certificate: it was unreachable, refused the request (see
	// FulcioError), or answered with a chain that is malformed or not for
	// the key that asked.
	ErrFulcio = errors.New("fulcio")

	// ErrCertificateWindow means the signing certificate is not valid at
	// the time the commit claims, so a verifier that judges it at the
	// committer time would refuse it. Stamp commits after Prepare returns,
	// or configure a Timestamper.
	ErrCertificateWindow = errors.New("certificate not valid at the commit's time")

	// ErrTimestamp means the RFC 3161 timestamp authority did not return a
	// usable token for the signature.
	ErrTimestamp = errors.New("timestamp authority")
)

// FulcioClient asks a Fulcio certificate authority for a short-lived
// code-signing certificate binding a public key to the OIDC identity of a
// token. SigningCert returns the PEM certificate chain, leaf first, then any
// intermediates and the root, as Fulcio sends it; it does not verify the
// chain (the caller checks the leaf's key, and verifiers check the chain
// against writ.yaml's trust roots). It must be safe for concurrent use.
type FulcioClient interface {
	SigningCert(ctx context.Context, req CertRequest) (certChainPEM []byte, err error)
}

// CertRequest is one certificate request: the token that proves the
// identity, the public key to certify, and the proof that the requester
// holds the private key (see ProofOfPossession).
type CertRequest struct {
	// IDToken is the raw OIDC identity token (a JWT) with audience
	// "sigstore".
	IDToken string
	// PublicKey is the key to certify: *ecdsa.PublicKey, *rsa.PublicKey
	// or ed25519.PublicKey.
	PublicKey crypto.PublicKey
	// ProofOfPossession is the key's signature over the token's subject,
	// as ProofOfPossession makes it.
	ProofOfPossession []byte
}

// TokenSource provides OIDC identity tokens for Fulcio, with audience
// "sigstore". Token returns a fresh raw JWT each call; errors wrap the
// reason (implementations should wrap ErrNoToken when there is no token to
// be had, as opposed to a transient failure). It must be safe for
// concurrent use.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// TokenClaims are the claims of an identity token that a signer needs. They
// are read without verifying the token: Fulcio verifies it.
type TokenClaims struct {
	Issuer        string    // iss
	Subject       string    // sub
	Email         string    // email
	EmailVerified bool      // email_verified
	Expiry        time.Time // exp; zero when absent
}

// Challenge is what the proof of possession signs: the email when the
// token carries one, else the subject, as Fulcio expects.
func (c TokenClaims) Challenge() string {
	if c.Email != "" {
		return c.Email
	}
	return c.Subject
}

// maxTokenLen caps the size of an identity token.
const maxTokenLen = 64 << 10

// ParseTokenClaims decodes the payload of a JWT without verifying its
// signature. It fails, wrapping ErrNoToken, when the token is not three
// base64url parts with a JSON payload naming an issuer and a subject.
func ParseTokenClaims(token string) (TokenClaims, error) {
	if len(token) > maxTokenLen {
		return TokenClaims{}, fmt.Errorf("%w: token of %d bytes exceeds the limit of %d", ErrNoToken, len(token), maxTokenLen)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return TokenClaims{}, fmt.Errorf("%w: not a JWT (want three dot-separated parts, got %d)", ErrNoToken, len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return TokenClaims{}, fmt.Errorf("%w: JWT payload: %v", ErrNoToken, err)
	}
	var c struct {
		Iss      string          `json:"iss"`
		Sub      string          `json:"sub"`
		Email    string          `json:"email"`
		Verified json.RawMessage `json:"email_verified"`
		Exp      *json.Number    `json:"exp"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return TokenClaims{}, fmt.Errorf("%w: JWT payload: %v", ErrNoToken, err)
	}
	if c.Iss == "" || c.Sub == "" {
		return TokenClaims{}, fmt.Errorf("%w: JWT lacks an iss or sub claim", ErrNoToken)
	}
	out := TokenClaims{Issuer: c.Iss, Subject: c.Sub, Email: c.Email}
	// Some issuers send email_verified as a string.
	out.EmailVerified = strings.Trim(string(c.Verified), `"`) == "true"
	if c.Exp != nil {
		sec, err := c.Exp.Float64()
		if err != nil {
			return TokenClaims{}, fmt.Errorf("%w: JWT exp claim %q: %v", ErrNoToken, c.Exp.String(), err)
		}
		out.Expiry = time.Unix(int64(sec), 0).UTC()
	}
	return out, nil
}

// ProofOfPossession signs the token's challenge (TokenClaims.Challenge)
// with key, as a Fulcio certificate request needs: SHA-256 and the key's
// usual encoding (ASN.1 for ECDSA). Ed25519 keys sign the challenge
// itself.
func ProofOfPossession(key crypto.Signer, idToken string) ([]byte, error) {
	claims, err := ParseTokenClaims(idToken)
	if err != nil {
		return nil, err
	}
	msg := []byte(claims.Challenge())
	var sig []byte
	if _, ok := key.Public().(ed25519.PublicKey); ok {
		sig, err = key.Sign(rand.Reader, msg, crypto.Hash(0))
	} else {
		d := sha256.Sum256(msg)
		sig, err = key.Sign(rand.Reader, d[:], crypto.SHA256)
	}
	if err != nil {
		return nil, fmt.Errorf("proof of possession: %w", err)
	}
	return sig, nil
}
