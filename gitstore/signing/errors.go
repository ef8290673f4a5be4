package signing

import "errors"

// Sentinel errors returned (wrapped with the reason) by VerifyCommit,
// VerifyCommitAt, VerifyPayload, VerifyPayloadAt and VerifyBlob. Test for
// them with errors.Is. Each one is a refusal: the signature must not be
// trusted. None of them is worth retrying with the same inputs.
var (
	// ErrUnsigned means the commit (or payload) carries no signature.
	ErrUnsigned = errors.New("unsigned")

	// ErrMalformedSignature means the signature could not be parsed: bad
	// armour, bad base64, a truncated or corrupt SSHSIG blob, OpenPGP packet
	// or CMS structure, missing certificates, or several signature blocks
	// or signers where one is expected.
	ErrMalformedSignature = errors.New("malformed signature")

	// ErrUnknownSigner means the signature is well formed but no signer in
	// the key ring owns it: an unknown key, or a certificate whose identity,
	// issuer, email or subject no signer declares, or that several
	// identities' patterns claim at once.
	ErrUnknownSigner = errors.New("unknown signer")

	// ErrBadSignature means the signature does not verify: the signed bytes
	// were changed, or the signature was made for another namespace than
	// "git".
	ErrBadSignature = errors.New("bad signature")

	// ErrUnsupportedSignature means a format or algorithm writ does not
	// verify: an armour other than SSH, PGP SIGNATURE or SIGNED MESSAGE, a
	// weak or unknown hash, or a key type writ does not accept (see
	// schemas.CheckPublicKeyType).
	ErrUnsupportedSignature = errors.New("unsupported signature")

	// ErrUntrustedCertificate means a certificate does not chain to a trust
	// root in the control repo, or its chain is unacceptable: a loop, more
	// than maxChainLen certificates, an unknown critical extension, a key
	// usage that does not allow signing, or no trust roots configured; for
	// keyless, also a certificate without a signed certificate timestamp
	// that verifies against a CT log of the trusted root.
	ErrUntrustedCertificate = errors.New("untrusted certificate")

	// ErrExpired means the certificate or OpenPGP key was not valid at the
	// time it was judged at: expired, or (ErrNotYetValid, which matches
	// ErrExpired too) not yet valid.
	ErrExpired = errors.New("expired")

	// ErrNotYetValid means a certificate was judged at a time before its
	// notBefore. errors.Is(err, ErrExpired) holds for it as well, so
	// callers that only ask "was it valid?" need not know the difference;
	// its message says "not yet valid", never "expired".
	ErrNotYetValid error = notYetValid{}

	// ErrNoTrustedTime means a keyless signature has no trusted signing
	// time: no timestamp or Rekor entry that verifies, and either the trust
	// policy does not accept committer time or no time was given; or it
	// carries an RFC 3161 timestamp that does not verify.
	ErrNoTrustedTime = errors.New("no trusted signing time")

	// ErrRevoked means the signer was revoked (revoked_at in writ.yaml, or
	// an OpenPGP revocation) at or before the signing time, or the signing
	// time is unknown and the signer has a revocation time.
	ErrRevoked = errors.New("revoked")

	// ErrTransparencyLog means a Rekor entry is required but missing, or a
	// Rekor entry is present and does not verify against a Rekor log of the
	// trusted root (unknown log, signed entry timestamp, inclusion proof or
	// checkpoint, or an entry for another signature).
	ErrTransparencyLog = errors.New("transparency log")
)

// notYetValid is ErrNotYetValid: its own sentinel that also matches
// ErrExpired.
type notYetValid struct{}

func (notYetValid) Error() string        { return "not yet valid" }
func (notYetValid) Is(target error) bool { return target == ErrExpired }
