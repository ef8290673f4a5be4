package signing

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// verifyCMS checks a CMS signature (gitsign or gpgsm) over payload: the
// signature itself, then, when the certificate carries a Fulcio OIDC
// issuer, the keyless rules, and the x509 rules otherwise.
func (r *KeyRing) verifyCMS(payload []byte, armored string, at time.Time) (Verified, error) {
	s, err := parseCMS(armored)
	if err != nil {
		return Verified{}, err
	}
	if err := s.verifyOver(payload); err != nil {
		return Verified{}, err
	}
	if r == nil {
		return Verified{}, fmt.Errorf("%w: certificate %s: the key ring is empty", ErrUnknownSigner, describeCert(s.leaf))
	}
	issuer, isFulcio, err := fulcioIssuer(s.leaf)
	if err != nil {
		return Verified{}, err
	}
	if isFulcio {
		return r.verifyKeyless(s, issuer, at)
	}
	return r.verifyX509(s, at)
}

// fulcioIssuer returns the OIDC issuer a Fulcio certificate records, from
// extension 1.3.6.1.4.1.57264.1.8 (DER UTF8String) or the older .1.1 (raw
// bytes). isFulcio is false when neither is present. Both present with
// different values is refused.
func fulcioIssuer(c *x509.Certificate) (issuer string, isFulcio bool, err error) {
	var v1, v2 *string
	for _, e := range c.Extensions {
		switch {
		case e.Id.Equal(certificate.OIDIssuer):
			s := string(e.Value)
			v1 = &s
		case e.Id.Equal(certificate.OIDIssuerV2):
			var s string
			if err := certificate.ParseDERString(e.Value, &s); err != nil {
				return "", true, fmt.Errorf("%w: certificate %s: OIDC issuer extension: %v", ErrUntrustedCertificate, describeCert(c), err)
			}
			v2 = &s
		}
	}
	switch {
	case v1 == nil && v2 == nil:
		return "", false, nil
	case v1 != nil && v2 != nil && *v1 != *v2:
		return "", true, fmt.Errorf("%w: certificate %s: issuer extensions disagree (%q, %q)", ErrUntrustedCertificate, describeCert(c), *v1, *v2)
	case v2 != nil:
		issuer = *v2
	default:
		issuer = *v1
	}
	if issuer == "" {
		return "", true, fmt.Errorf("%w: certificate %s: empty OIDC issuer", ErrUntrustedCertificate, describeCert(c))
	}
	return issuer, true, nil
}

// signingTime picks the time an x509 signature is judged at: a verified
// RFC 3161 timestamp, else (when the policy accepts claimed times) the
// claimed time at, or the signature's signing-time attribute when at is
// zero. Keyless signatures take theirs from sigstore-go (verifyKeyless).
func (r *KeyRing) signingTime(s *cmsSignature, at time.Time, acceptClaimed bool) (time.Time, TimeSource, error) {
	ts, ok, err := r.checkTimestamp(s)
	if err != nil {
		return time.Time{}, TimeUnknown, err
	}
	switch {
	case ok:
		return ts, TimeTimestamp, nil
	case !acceptClaimed:
		return time.Time{}, TimeUnknown, fmt.Errorf("%w: the signature carries no verified timestamp, and claimed times are not accepted", ErrNoTrustedTime)
	case !at.IsZero():
		return at.UTC(), TimeClaimed, nil
	case !s.signingTime.IsZero():
		return s.signingTime.UTC(), TimeClaimed, nil
	default:
		return time.Time{}, TimeUnknown, fmt.Errorf("%w: no timestamp or claimed signing time", ErrNoTrustedTime)
	}
}

// certIdentity is the one identity a Fulcio certificate is issued to: its
// email, URI or other-name SAN.
func certIdentity(c *x509.Certificate) (string, error) {
	sans := cryptoutils.GetSubjectAlternateNames(c)
	if len(sans) != 1 {
		return "", fmt.Errorf("%w: certificate %s names %d identities in its subject alternative names, want exactly one", ErrUntrustedCertificate, describeCert(c), len(sans))
	}
	return sans[0], nil
}

// verifyX509 applies the x509 rules (gpgsm) to a verified CMS signature:
// the certificate chains to the CA of a signer whose email and subject it
// carries, at the claimed signing time (at, or the signing-time attribute
// when at is zero), or at a verified timestamp when there is one.
func (r *KeyRing) verifyX509(s *cmsSignature, at time.Time) (Verified, error) {
	signedAt, source, err := r.signingTime(s, at, true)
	if err != nil {
		return Verified{}, err
	}
	emails := certEmails(s.leaf)
	subject := s.leaf.Subject.String()
	var matches []x509Entry
	var firstErr error
	for _, e := range r.x509 {
		if e.email != "" && !emails[strings.ToLower(e.email)] || e.subject != "" && e.subject != subject {
			continue
		}
		if _, err := verifyChain(s.leaf, s.certs, e.ca, signedAt, x509.ExtKeyUsageCodeSigning, x509.ExtKeyUsageEmailProtection); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		matches = append(matches, e)
	}
	if len(matches) == 0 {
		if firstErr != nil {
			return Verified{}, firstErr
		}
		return Verified{}, fmt.Errorf("%w: no x509 signer for certificate %s (emails %s)", ErrUnknownSigner, describeCert(s.leaf), strings.Join(sortedKeys(emails), ", "))
	}
	if err := unambiguous(matches, func(e x509Entry) string { return e.identity }); err != nil {
		return Verified{}, fmt.Errorf("%w: certificate %s: %v", ErrUnknownSigner, describeCert(s.leaf), err)
	}
	e := matches[0]
	v := Verified{Identity: e.identity, Signer: e.signer, Fingerprint: certFingerprint(s.leaf), Format: FormatX509,
		Subject: subject, SignedAt: signedAt, TimeSource: source}
	if e.email != "" {
		v.Subject = strings.ToLower(e.email)
	}
	return done(v, checkRevoked(e.owner, signedAt, s.signingTime))
}

// unambiguous refuses matches that belong to more than one identity.
func unambiguous[T any](matches []T, identity func(T) string) error {
	seen := map[string]bool{}
	for _, m := range matches {
		seen[identity(m)] = true
	}
	if len(seen) > 1 {
		return fmt.Errorf("ambiguous: identities %s all match", strings.Join(sortedKeys(seen), ", "))
	}
	return nil
}

// certEmails lists a certificate's email addresses, lower-cased: email
// SANs and the subject's emailAddress attributes.
func certEmails(c *x509.Certificate) map[string]bool {
	out := map[string]bool{}
	for _, e := range c.EmailAddresses {
		out[strings.ToLower(e)] = true
	}
	oidEmail := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	for _, n := range c.Subject.Names {
		if s, ok := n.Value.(string); ok && n.Type.Equal(oidEmail) {
			out[strings.ToLower(s)] = true
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// certFingerprint names a certificate: "sha256:" and the hex SHA-256 of its
// DER.
func certFingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}
