package signing

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

// Verified names who signed: the identity and signer from the KeyRing, and
// the key's SHA-256 fingerprint ("SHA256:...").
type Verified struct {
	Identity    string
	Signer      string
	Fingerprint string
}

// VerifyCommit checks the SSH signature in c's gpgsig header against ring.
// The signed payload is the commit object without its signature headers,
// taken from the raw stored bytes when c was decoded from a repository (so
// it matches exactly what the signer signed). Errors wrap one of the
// sentinels (ErrUnsigned, ErrMalformedSignature, ErrUnknownSigner,
// ErrBadSignature, ErrUnsupportedSignature) and name the commit. It is pure
// with respect to its inputs and safe for concurrent use.
func VerifyCommit(c *object.Commit, ring *KeyRing) (Verified, error) {
	if c == nil {
		return Verified{}, errors.New("verify commit: nil commit")
	}
	short := shortHash(c.Hash)
	if c.PGPSignature == "" {
		return Verified{}, fmt.Errorf("commit %s: %w", short, ErrUnsigned)
	}
	payload, err := commitPayload(c)
	if err != nil {
		return Verified{}, fmt.Errorf("commit %s: signed payload: %w", short, err)
	}
	v, err := VerifyPayload(payload, c.PGPSignature, ring)
	if err != nil {
		return Verified{}, fmt.Errorf("commit %s: %w", short, err)
	}
	return v, nil
}

// VerifyPayload checks an armoured SSH signature over payload (for a commit,
// the object without its gpgsig header) against ring. The signature must be
// a single SSHSIG block in namespace "git" with a sha512 or sha256 message
// hash, made by a key in ring. Errors wrap the sentinels of this package.
func VerifyPayload(payload []byte, armoredSig string, ring *KeyRing) (Verified, error) {
	if armoredSig == "" {
		return Verified{}, ErrUnsigned
	}
	sig, err := parseSignature(armoredSig)
	if err != nil {
		return Verified{}, err
	}
	fp := ssh.FingerprintSHA256(sig.PublicKey)
	e, ok := ring.entry(fp)
	if !ok {
		return Verified{}, fmt.Errorf("%w: key %s (%s) is not in the key ring", ErrUnknownSigner, fp, sig.PublicKey.Type())
	}
	if sig.Namespace != Namespace {
		return Verified{}, fmt.Errorf("%w: namespace %q, want %q (key %s of %s)", ErrBadSignature, sig.Namespace, Namespace, fp, e.identity)
	}
	if err := verifySSHSig(payload, sig, e.key); err != nil {
		return Verified{}, fmt.Errorf("%w: key %s of %s: %v", ErrBadSignature, fp, e.identity, err)
	}
	return Verified{Identity: e.identity, Signer: e.signer, Fingerprint: fp}, nil
}

// verifySSHSig runs the cryptographic check, turning a panic in a key
// implementation into an error.
func verifySSHSig(payload []byte, sig *sshsig.Signature, key ssh.PublicKey) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("verify: %v", r)
		}
	}()
	return sshsig.Verify(bytes.NewReader(payload), sig, key, sig.HashAlgorithm, Namespace)
}

// commitPayload returns the bytes a commit signature covers.
func commitPayload(c *object.Commit) ([]byte, error) {
	o := &plumbing.MemoryObject{}
	if err := c.EncodeWithoutSignature(o); err != nil {
		return nil, err
	}
	r, err := o.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func shortHash(h plumbing.Hash) string { return h.String()[:12] }
