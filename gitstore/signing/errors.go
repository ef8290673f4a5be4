package signing

import "errors"

// Sentinel errors returned (wrapped with context) by VerifyCommit and
// VerifyPayload. Test for them with errors.Is. Each one is a refusal: the
// commit must not be trusted. None of them is worth retrying.
var (
	// ErrUnsigned means the commit carries no signature at all.
	ErrUnsigned = errors.New("unsigned")

	// ErrMalformedSignature means the signature could not be parsed: bad
	// armour, bad base64, a truncated or corrupt SSHSIG blob, or several
	// signature blocks where one is expected.
	ErrMalformedSignature = errors.New("malformed signature")

	// ErrUnknownSigner means the signature is well formed but its key is not
	// in the key ring (no identity owns it).
	ErrUnknownSigner = errors.New("unknown signer")

	// ErrBadSignature means the key is known but the signature does not
	// verify: the signed bytes were changed, or the signature was made for
	// another namespace than "git".
	ErrBadSignature = errors.New("bad signature")

	// ErrUnsupportedSignature means a signature format writ recognises but
	// does not verify yet (OpenPGP, x509/CMS as written by gitsign or gpgsm),
	// or an SSH signature with an unsupported version or hash algorithm.
	ErrUnsupportedSignature = errors.New("unsupported signature")
)
