// Package sigstoretest makes, at test time, the sigstore material a keyless
// signature is verified against: a certificate-transparency log whose
// signed certificate timestamps (SCTs) are embedded in the certificates it
// is asked to issue, and a trusted_root.json (the sigstore trusted root
// format) naming Fulcio CAs, CT logs, Rekor logs and timestamp authorities
// with their validity periods.
//
// It is for tests only: nothing in it verifies anything, and its keys live
// in memory.
package sigstoretest
