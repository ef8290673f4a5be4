package signing

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// keylessTrust is what keyless signatures are verified against: the
// sigstore trusted root of trust.trusted_root, and the file it came from.
type keylessTrust struct {
	root *root.TrustedRoot
	path string
}

// verifyKeyless applies the keyless rules to a CMS signature whose
// signature over the commit verified (cmsSignature.verifyOver): sigstore-go
// verifies it as gitsign does, against the trusted root, then writ picks
// the one keyless signer of writ.yaml it belongs to.
//
// With an RFC 3161 timestamp or a Rekor entry with a signed entry
// timestamp, sigstore-go's verifier does everything: every timestamp and
// Rekor entry must verify (fail closed), the certificate must chain to a
// Fulcio CA of the trusted root at each verified time, carry an SCT from
// one of its CT logs, and match a keyless signer's identity and issuer.
// Without one, and only when trust.accept_committer_time is set, the same
// sigstore-go checks run at the claimed time (at, else the signing-time
// attribute): any Rekor entry (inclusion proof) must verify, the chain at
// that time, the SCT. Errors wrap ErrNoTrustedTime, ErrTransparencyLog,
// ErrUntrustedCertificate, ErrExpired, ErrUnknownSigner, ErrRevoked or
// ErrBadSignature.
func (r *KeyRing) verifyKeyless(s *cmsSignature, issuer string, at time.Time) (Verified, error) {
	san, err := certIdentity(s.leaf)
	if err != nil {
		return Verified{}, err
	}
	if s.leaf.KeyUsage != 0 && s.leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return Verified{}, fmt.Errorf("%w: certificate %s: key usage does not allow digital signatures", ErrUntrustedCertificate, describeCert(s.leaf))
	}
	if len(r.keyless) == 0 {
		return Verified{}, fmt.Errorf("%w: no keyless signer for identity %q with issuer %q", ErrUnknownSigner, san, issuer)
	}
	if r.sigstore == nil {
		return Verified{}, fmt.Errorf("%w: keyless certificate for %q: no trusted root is loaded (declare trust.trusted_root in writ.yaml; build the ring with NewTrust)", ErrUntrustedCertificate, san)
	}
	summary, err := certificate.SummarizeCertificate(s.leaf)
	if err != nil {
		return Verified{}, fmt.Errorf("%w: certificate %s: %v", ErrUntrustedCertificate, describeCert(s.leaf), err)
	}
	e, err := newCMSEntity(s)
	if err != nil {
		return Verified{}, err
	}
	// Fulcio may mark an other-name SAN critical; sigstore-go handles it
	// (SummarizeCertificate read it) and so drops it before chain checks.
	s.leaf.UnhandledCriticalExtensions = dropOID(s.leaf.UnhandledCriticalExtensions, cryptoutils.SANOID)

	var signedAt time.Time
	var source TimeSource
	if e.hasObserverTime() {
		signedAt, source, err = r.verifySigstore(e, s)
	} else {
		signedAt, source, err = r.verifyAtClaimedTime(e, s, at)
	}
	if err != nil {
		return Verified{}, fmt.Errorf("keyless certificate for %q from %q: %w", san, issuer, err)
	}
	matches, err := r.keylessMatches(summary)
	if err != nil {
		return Verified{}, err
	}
	v := Verified{Fingerprint: certFingerprint(s.leaf), Format: FormatKeyless, Subject: san, Issuer: issuer, SignedAt: signedAt, TimeSource: source}
	var firstErr error
	for _, m := range matches {
		err := checkRevoked(m.owner, signedAt)
		if err == nil && m.rekor && len(e.entries) == 0 {
			err = fmt.Errorf("%w: identity %q signer %q requires a Rekor entry; the signature carries none", ErrTransparencyLog, m.identity, m.signer)
		}
		if err == nil {
			v.Identity, v.Signer = m.identity, m.signer
			return v, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return Verified{}, firstErr
}

// verifySigstore runs sigstore-go's verifier on a signature that carries
// observer timestamps, and returns the time it is judged at: the RFC 3161
// timestamp's, else the Rekor entry's integrated time.
func (r *KeyRing) verifySigstore(e *cmsEntity, s *cmsSignature) (time.Time, TimeSource, error) {
	opts := []verify.VerifierOption{verify.WithObserverTimestamps(1), verify.WithSignedCertificateTimestamps(1)}
	if len(e.timestamps) > 0 {
		opts = append(opts, verify.WithSignedTimestamps(1))
	}
	if len(e.entries) > 0 {
		opts = append(opts, verify.WithTransparencyLog(1))
	}
	v, err := verify.NewVerifier(r.sigstore.root, opts...)
	if err != nil {
		return time.Time{}, TimeUnknown, fmt.Errorf("%w: sigstore verifier: %v", ErrUntrustedCertificate, err)
	}
	policy := []verify.PolicyOption{}
	for _, k := range r.keyless {
		policy = append(policy, verify.WithCertificateIdentity(k.certID))
	}
	res, err := v.Verify(e, verify.NewPolicy(verify.WithArtifact(bytes.NewReader(e.artifact)), policy...))
	if err != nil {
		return time.Time{}, TimeUnknown, r.explainSigstore(e, s, err)
	}
	var when time.Time
	source := TimeUnknown
	for _, ts := range res.VerifiedTimestamps {
		switch {
		case ts.Type == "TimestampAuthority" && source != TimeTimestamp:
			when, source = ts.Timestamp, TimeTimestamp
		case ts.Type == "Tlog" && source == TimeUnknown:
			when, source = ts.Timestamp, TimeRekor
		}
	}
	if source == TimeUnknown {
		return time.Time{}, TimeUnknown, fmt.Errorf("%w: sigstore verified no timestamp", ErrNoTrustedTime)
	}
	return when.UTC(), source, nil
}

// verifyAtClaimedTime checks a signature without observer timestamps at
// the claimed time, with sigstore-go's checks: any Rekor entry, the chain
// to a Fulcio CA, the SCT. It needs trust.accept_committer_time.
func (r *KeyRing) verifyAtClaimedTime(e *cmsEntity, s *cmsSignature, at time.Time) (time.Time, TimeSource, error) {
	if !r.acceptCommitterTime {
		return time.Time{}, TimeUnknown, fmt.Errorf("%w: the signature carries no RFC 3161 timestamp or Rekor signed entry timestamp, and trust.accept_committer_time is false", ErrNoTrustedTime)
	}
	switch {
	case !at.IsZero():
		at = at.UTC()
	case !s.signingTime.IsZero():
		at = s.signingTime.UTC()
	default:
		return time.Time{}, TimeUnknown, fmt.Errorf("%w: no timestamp, Rekor entry or claimed signing time", ErrNoTrustedTime)
	}
	tm := r.sigstore.root
	if len(e.entries) > 0 {
		if _, err := verify.VerifyTlogEntry(e, tm, 1, false); err != nil {
			return time.Time{}, TimeUnknown, r.tlogError(e, err)
		}
	}
	chains, err := verify.VerifyLeafCertificate(at, s.leaf, tm)
	if err != nil {
		return time.Time{}, TimeUnknown, r.leafError(s.leaf, at, "claimed signing time")
	}
	if err := verify.VerifySignedCertificateTimestamp(chains, 1, tm); err != nil {
		return time.Time{}, TimeUnknown, r.sctError(s.leaf, err)
	}
	return at, TimeClaimed, nil
}

// keylessMatches returns the keyless signers whose identity and issuer
// match the certificate, all of one identity. Errors wrap ErrUnknownSigner.
func (r *KeyRing) keylessMatches(c certificate.Summary) ([]keylessEntry, error) {
	var matches []keylessEntry
	var issuerMiss []string
	for _, e := range r.keyless {
		if e.certID.SubjectAlternativeName.Verify(c) != nil {
			continue
		}
		if e.certID.Issuer.Verify(c) != nil {
			issuerMiss = append(issuerMiss, fmt.Sprintf("%s/%s", e.identity, e.signer))
			continue
		}
		matches = append(matches, e)
	}
	if len(matches) == 0 {
		if len(issuerMiss) > 0 {
			return nil, fmt.Errorf("%w: issuer %q is not the one signer %s accepts for %q", ErrUnknownSigner, c.Issuer, strings.Join(issuerMiss, ", "), c.SubjectAlternativeName)
		}
		return nil, fmt.Errorf("%w: no keyless signer for identity %q with issuer %q", ErrUnknownSigner, c.SubjectAlternativeName, c.Issuer)
	}
	if err := unambiguous(matches, func(e keylessEntry) string { return e.identity }); err != nil {
		return nil, fmt.Errorf("%w: keyless identity %q from %q: %v", ErrUnknownSigner, c.SubjectAlternativeName, c.Issuer, err)
	}
	return matches, nil
}

// newCertID is a keyless signer's identity as sigstore-go matches it:
// exact values, or patterns anchored at both ends.
func newCertID(e keylessEntry) (verify.CertificateIdentity, error) {
	var sanRE, issRE string
	if e.sanRE != nil {
		sanRE = e.sanRE.String()
	}
	if e.issuerRE != nil {
		issRE = e.issuerRE.String()
	}
	return verify.NewShortCertificateIdentity(e.issuer, issRE, e.san, sanRE)
}

func dropOID[T interface{ Equal(T) bool }](list []T, id T) []T {
	var out []T
	for _, o := range list {
		if !o.Equal(id) {
			out = append(out, o)
		}
	}
	return out
}
