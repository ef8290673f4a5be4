// Package signing creates and verifies SSH commit signatures exactly as git
// writes them with gpg.format=ssh.
//
// A git SSH signature is an OpenSSH "SSHSIG" blob (PROTOCOL.sshsig) over the
// commit object without its gpgsig header, made in the namespace "git" with
// a SHA-512 message hash, armoured as
//
//	-----BEGIN SSH SIGNATURE-----
//	<base64, wrapped at 70 columns>
//	-----END SSH SIGNATURE-----
//
// and stored in the commit's gpgsig header (each armour line continued with
// a leading space). SSHSigner produces exactly that armour, so go-git's
// CommitOptions.Signer (or gitstore.CommitRequest.Signer) writes commits that
// `git verify-commit` accepts, and VerifyCommit accepts commits made by
// `git commit -S` with gpg.format=ssh.
//
// Trust is explicit: a KeyRing built from the identities in writ.yaml maps
// each SSH key fingerprint to an identity and one of its signers. A
// signature verifies only if its key is in the ring, its namespace is "git",
// its hash is sha512 or sha256, and the signature checks out over the exact
// signed bytes. AllowedSigners renders the same ring as a git
// allowed-signers file so the stock git client agrees with writ.
//
// Every failure is one of the sentinel errors in errors.go, wrapped with
// context; malformed input never panics. PGP and x509 (gitsign/gpgsm)
// signatures are recognised and refused with ErrUnsupportedSignature.
package signing
