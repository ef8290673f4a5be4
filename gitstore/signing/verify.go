package signing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

// TimeSource says where Verified.SignedAt came from.
type TimeSource string

// Sources of a signing time, from least to most trusted.
const (
	// TimeUnknown: no signing time was known.
	TimeUnknown TimeSource = ""
	// TimeClaimed: the time the caller passed in (for a commit, its
	// committer time), or the signature's own signing-time claim. The
	// signer chooses it.
	TimeClaimed TimeSource = "claimed"
	// TimeSeen: a time the caller attests and the signer cannot choose:
	// when the caller saw the signature (the reconciler's clock when it
	// judges a commit, or the clock of the WAL entry that recorded it).
	// An x509 certificate without a trusted timestamp is judged at it.
	TimeSeen TimeSource = "seen"
	// TimeRekor: the integrated time of a Rekor entry whose signed entry
	// timestamp verified against a Rekor log of trust.trusted_root.
	TimeRekor TimeSource = "rekor"
	// TimeTimestamp: the time of an RFC 3161 timestamp from a timestamp
	// authority of trust.trusted_root (keyless) or trust.tsa_roots (x509).
	TimeTimestamp TimeSource = "timestamp"
)

// Verified names who signed, and how writ knows.
//
// Identity and Signer are the identity in writ.yaml and its signer (by name,
// or index when unnamed); one person counts once by Identity however many
// signers they have. Fingerprint names the key: "SHA256:<base64>" for SSH,
// the upper-case hex primary fingerprint for OpenPGP, "sha256:<hex>" of the
// certificate DER for x509 and keyless, "sha256:<hex>" of the PKIX DER for
// public keys. Subject is the certificate's identity (keyless: its email
// or URI SAN; x509: its email, else its subject) and Issuer the keyless
// certificate's OIDC issuer. SignedAt is the signing time the checks used
// (certificate validity, revocation), and TimeSource where it came from.
//
// NotBefore and NotAfter bound, both inclusive, the times at which the
// certificate chain that verified is valid, when it was judged at a seen
// time (TimeSeen), and NotAfter is an OpenPGP key's expiry when the caller
// gave a seen time; they are zero otherwise (no certificate, or one judged
// at a trusted timestamp, after which time no longer matters). RevokedAt
// is the signer's revoked_at in writ.yaml, zero when it has none. HoldsAt
// checks a later time against them.
type Verified struct {
	Identity    string
	Signer      string
	Fingerprint string
	Format      Format
	Subject     string
	Issuer      string
	SignedAt    time.Time
	TimeSource  TimeSource
	NotBefore   time.Time
	NotAfter    time.Time
	RevokedAt   time.Time
}

// Times are the two times a signature can be judged at.
type Times struct {
	// Claimed is the time the signer states: a commit's committer time.
	// The signer chooses it, so it proves nothing about when the
	// signature was made. Zero: none.
	Claimed time.Time
	// Seen is a time the caller attests and the signer cannot choose:
	// when the caller saw the signature. A reconciler passes its own
	// clock when it first judges a commit, and replay the clock of the
	// WAL entry that recorded it, so both judge the same time. Zero:
	// none.
	Seen time.Time
}

// VerifyCommit checks the signature in c's gpgsig header against ring, in
// any format git writes: SSH, OpenPGP, x509 (gpgsm) or keyless (gitsign).
// The signed payload is the commit object without its signature headers,
// taken from the raw stored bytes when c was decoded from a repository (so
// it matches exactly what the signer signed). The signing time it claims is
// c's committer time, which the signer chose; see VerifyCommitSeen to
// judge it at a time you vouch for.
// Errors wrap one of the sentinels in errors.go and name the commit. It is
// pure with respect to its inputs and safe for concurrent use.
func VerifyCommit(c *object.Commit, ring *KeyRing) (Verified, error) {
	if c == nil {
		return Verified{}, errors.New("verify commit: nil commit")
	}
	return VerifyCommitAt(c, ring, c.Committer.When)
}

// VerifyCommitSeen is VerifyCommit judged also at seen, a time the caller
// attests (see Times.Seen): an x509 certificate with no trusted RFC 3161
// timestamp must be valid at seen (the committer time does not count), and
// a signer whose revoked_at is at or before seen is refused, in every
// format. Keyless certificates keep their own signing time (a timestamp,
// a Rekor entry, or the committer time under accept_committer_time). A
// zero seen is VerifyCommit.
func VerifyCommitSeen(c *object.Commit, ring *KeyRing, seen time.Time) (Verified, error) {
	if c == nil {
		return Verified{}, errors.New("verify commit: nil commit")
	}
	return verifyCommitTimes(c, ring, Times{Claimed: c.Committer.When, Seen: seen})
}

// VerifyCommitAt is VerifyCommit with the signing time given by the caller
// instead of c's committer time: at is the time the signature is claimed
// (or known) to have been made, for example the time of the WAL entry that
// recorded the commit. It decides revocation (a signer with revoked_at at
// or before at is refused), certificate validity for x509 signers, and for
// keyless ones when they have no trusted timestamp and the trust policy
// accepts committer time. A zero at means unknown.
func VerifyCommitAt(c *object.Commit, ring *KeyRing, at time.Time) (Verified, error) {
	if c == nil {
		return Verified{}, errors.New("verify commit: nil commit")
	}
	return verifyCommitTimes(c, ring, Times{Claimed: at})
}

func verifyCommitTimes(c *object.Commit, ring *KeyRing, t Times) (Verified, error) {
	short := shortHash(c.Hash)
	if c.PGPSignature == "" {
		return Verified{}, fmt.Errorf("commit %s: %w", short, ErrUnsigned)
	}
	payload, err := commitPayload(c)
	if err != nil {
		return Verified{}, fmt.Errorf("commit %s: signed payload: %w", short, err)
	}
	v, err := VerifyPayloadTimes(payload, c.PGPSignature, ring, t)
	if err != nil {
		return Verified{}, fmt.Errorf("commit %s: %w", short, err)
	}
	return v, nil
}

// VerifyPayload checks an armoured signature over payload (for a commit,
// the object without its gpgsig header) against ring, with no signing time
// known: signers with revoked_at are refused, and keyless signatures need a
// trusted timestamp or Rekor entry (or the policy's committer-time
// fallback, which then uses the signature's own signing-time claim). See
// VerifyPayloadAt. Errors wrap the sentinels of this package.
func VerifyPayload(payload []byte, armoredSig string, ring *KeyRing) (Verified, error) {
	return VerifyPayloadAt(payload, armoredSig, ring, time.Time{})
}

// VerifyPayloadAt checks an armoured signature over payload against ring,
// at the signing time at (zero: unknown). The format follows from the
// armour: "SSH SIGNATURE" (an SSHSIG in namespace "git" with a sha512 or
// sha256 hash, by a key in ring), "PGP SIGNATURE" (one OpenPGP signature
// packet by a key in ring), or "SIGNED MESSAGE" (detached CMS, one signer:
// keyless when the certificate carries a Fulcio OIDC issuer, x509
// otherwise). It is pure and safe for concurrent use.
func VerifyPayloadAt(payload []byte, armoredSig string, ring *KeyRing, at time.Time) (Verified, error) {
	return VerifyPayloadTimes(payload, armoredSig, ring, Times{Claimed: at})
}

// VerifyPayloadTimes is VerifyPayloadAt with both times a signature can be
// judged at: t.Claimed is VerifyPayloadAt's at, and a non-zero t.Seen
// judges x509 validity and revocation as VerifyCommitSeen says. It is pure
// and safe for concurrent use.
func VerifyPayloadTimes(payload []byte, armoredSig string, ring *KeyRing, t Times) (Verified, error) {
	v, err := verifyPayload(payload, armoredSig, ring, t)
	if err != nil {
		return Verified{}, err
	}
	v.RevokedAt = ring.revokedAt(v.Identity, v.Signer)
	if !t.Seen.IsZero() {
		if err := v.HoldsAt(t.Seen); err != nil {
			return Verified{}, err
		}
	}
	return v, nil
}

// verifyPayload dispatches on the signature's format.
func verifyPayload(payload []byte, armoredSig string, ring *KeyRing, t Times) (Verified, error) {
	if armoredSig == "" {
		return Verified{}, ErrUnsigned
	}
	format, err := detectFormat(armoredSig)
	if err != nil {
		return Verified{}, err
	}
	switch format {
	case FormatSSH:
		return ring.verifySSH(payload, armoredSig, t.Claimed)
	case FormatOpenPGP:
		return ring.verifyPGP(payload, armoredSig, t)
	default:
		return ring.verifyCMS(payload, armoredSig, t)
	}
}

func (r *KeyRing) verifySSH(payload []byte, armoredSig string, at time.Time) (Verified, error) {
	sig, err := parseSignature(armoredSig)
	if err != nil {
		return Verified{}, err
	}
	fp := ssh.FingerprintSHA256(sig.PublicKey)
	e, ok := r.entry(fp)
	if !ok {
		return Verified{}, fmt.Errorf("%w: key %s (%s) is not in the key ring", ErrUnknownSigner, fp, sig.PublicKey.Type())
	}
	if sig.Namespace != Namespace {
		return Verified{}, fmt.Errorf("%w: namespace %q, want %q (key %s of %s)", ErrBadSignature, sig.Namespace, Namespace, fp, e.identity)
	}
	if err := verifySSHSig(payload, sig, e.key); err != nil {
		return Verified{}, fmt.Errorf("%w: key %s of %s: %v", ErrBadSignature, fp, e.identity, err)
	}
	v := Verified{Identity: e.identity, Signer: e.signer, Fingerprint: fp, Format: FormatSSH}
	v.SignedAt, v.TimeSource = claimed(at)
	return done(v, checkRevoked(e.owner, v.SignedAt))
}

// done returns v, or nothing but err when there is one.
func done(v Verified, err error) (Verified, error) {
	if err != nil {
		return Verified{}, err
	}
	return v, nil
}

// claimed returns at as a claimed signing time, or unknown when zero.
func claimed(at time.Time) (time.Time, TimeSource) {
	if at.IsZero() {
		return time.Time{}, TimeUnknown
	}
	return at.UTC(), TimeClaimed
}

// checkRevoked refuses a signature by a revoked signer made at or after its
// revocation time, or at an unknown time; also when any further claim (a
// time the signature states about itself) is at or after it.
func checkRevoked(o owner, signedAt time.Time, claims ...time.Time) error {
	if o.revokedAt.IsZero() {
		return nil
	}
	when := o.revokedAt.UTC().Format(time.RFC3339)
	if signedAt.IsZero() {
		return fmt.Errorf("%w: identity %q signer %q was revoked at %s and the signing time is unknown", ErrRevoked, o.identity, o.signer, when)
	}
	for _, t := range append([]time.Time{signedAt}, claims...) {
		if !t.IsZero() && !t.Before(o.revokedAt) {
			return fmt.Errorf("%w: identity %q signer %q was revoked at %s; signed at %s", ErrRevoked, o.identity, o.signer, when, t.UTC().Format(time.RFC3339))
		}
	}
	return nil
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
