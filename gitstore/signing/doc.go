// Package signing verifies commit signatures in every format git writes, and
// keyed blob signatures, against the identities of writ.yaml.
//
// Formats (the armour in the commit's gpgsig header picks one):
//
//   - SSH (gpg.format=ssh): an OpenSSH SSHSIG blob (PROTOCOL.sshsig) in
//     namespace "git" with a SHA-512 (or SHA-256) hash, armoured as
//     "-----BEGIN SSH SIGNATURE-----". SSHSigner writes exactly what
//     ssh-keygen writes, so it doubles as go-git's CommitOptions.Signer.
//   - OpenPGP (gpg.format=openpgp): one detached signature packet,
//     "-----BEGIN PGP SIGNATURE-----", by a key given in armour in writ.yaml.
//   - x509 (gpg.format=x509, as gpgsm writes): detached CMS SignedData,
//     "-----BEGIN SIGNED MESSAGE-----", whose certificate chains to the CA
//     file an x509 signer names and carries its email and/or subject (an
//     RFC 4514 name, compared attribute by attribute).
//   - keyless (sigstore's gitsign): the same CMS armour, with a short-lived
//     Fulcio certificate carrying the OIDC identity (email or URI SAN) and
//     issuer (extension 1.3.6.1.4.1.57264.1.8, or the older .1.1). It is
//     verified by sigstore-go's verifier (pkg/verify), as gitsign and
//     cosign verify it, against the sigstore trusted root of
//     trust.trusted_root: the certificate must chain to a Fulcio CA of it
//     at a trusted time, carry an embedded SCT from one of its CT logs, and
//     match a keyless signer's identity and issuer, exactly or by anchored
//     pattern. writ's own code only reads git's format: the CMS signature,
//     whose signed attributes bind the commit (message digest) and are the
//     artifact sigstore-go checks, and the Rekor entry and timestamp it
//     carries (sigstore_entity.go).
//   - keyed blobs (VerifyBlob, SignBlob): cosign's sign-blob format, a
//     base64 signature over the SHA-256 of the bytes, checked against the
//     `key:` signers; used for proposals submitted over HTTP.
//
// Signing time. Every check that depends on time (certificate validity,
// OpenPGP key expiry, revoked_at) uses one time. Keyless signatures take it
// from what sigstore-go verifies: an RFC 3161 timestamp by a timestamp
// authority of the trusted root, else the integrated time of a Rekor entry
// whose signed entry timestamp verifies against one of its Rekor logs;
// every timestamp and Rekor entry a signature carries must verify. Without
// either, and only when trust.accept_committer_time is set, the claimed
// time: the commit's committer time (VerifyCommit), or the time the caller
// passes (VerifyCommitAt, VerifyPayloadAt). The claimed time is the
// signer's word. x509 signatures take it from an RFC 3161 timestamp under
// trust.tsa_roots, else from the seen time when the caller gives one
// (VerifyCommitSeen, VerifyPayloadTimes): a time the caller attests, when
// it saw the signature, which the signer cannot choose; a certificate that
// expired, or is not yet valid, is then refused however the commit is dated
// (ErrExpired, ErrNotYetValid). Only without a seen time do they fall back
// to the claimed time. A seen time also refuses a signer revoked at it, in
// every format. Verified.HoldsAt judges a verified signature again at a
// later seen time (the reconciler does, at the clock of the entry it
// writes, which replay judges at). The verifier never reads a clock: the
// same inputs give the same answer.
//
// Rekor. gitsign stores the TransparencyLogEntry in the signature (unsigned
// attribute 1.3.6.1.4.1.57264.3.1) without its body; writ rebuilds the
// hashedrekord body from the signature as gitsign does, and sigstore-go
// checks the entry: its log in the trusted root, the signed entry
// timestamp, any inclusion proof with its signed checkpoint (key hint and
// signature), and that it is this signature's. A keyless signer with
// rekor: true needs such an entry.
//
// Revocation. A signer's revoked_at refuses its signatures made at or after
// that time (or at an unknown time) with ErrRevoked; earlier ones still
// verify, so history replays the same after a key is rotated out.
//
// Trust is explicit and offline. NewKeyRing takes the identities alone;
// NewTrust also reads the trust files writ.yaml names (through a function,
// so they can come from a git tree). A signature verifies only if one
// identity owns it; "one person counts once" is by Verified.Identity.
// AllowedSigners renders the SSH keys as a git allowed-signers file so the
// stock git client agrees with writ.
//
// Every refusal wraps one of the sentinel errors in errors.go with the
// reason; malformed input never panics (FuzzParseSignature covers every
// parser).
package signing
