package signing

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"
)

// verifyX509 applies the x509 rules (gpgsm) to a verified CMS signature:
// the certificate chains to the CA of a signer whose email and subject it
// carries, valid at the time x509Time picks. A signer's revoked_at refuses
// it at that time and at every time the signature claims.
func (r *KeyRing) verifyX509(s *cmsSignature, t Times) (Verified, error) {
	signedAt, source, err := r.x509Time(s, t)
	if err != nil {
		return Verified{}, err
	}
	emails := certEmails(s.leaf)
	subject := s.leaf.Subject.String()
	var matches []x509Entry
	var chain []*x509.Certificate
	var firstErr error
	for _, e := range r.x509 {
		if e.email != "" && !emails[strings.ToLower(e.email)] || e.subject != "" && !e.subjectMatches(s.leaf) {
			continue
		}
		c, err := verifyChain(s.leaf, s.certs, e.ca, signedAt, x509.ExtKeyUsageCodeSigning, x509.ExtKeyUsageEmailProtection)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if matches = append(matches, e); len(matches) == 1 {
			chain = c
		}
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
	if source == TimeSeen {
		v.NotBefore, v.NotAfter = chainValidity(chain)
	}
	return done(v, checkRevoked(e.owner, signedAt, s.signingTime, t.Claimed))
}

// x509Time picks the time an x509 certificate is judged at: a verified
// RFC 3161 timestamp, else the seen time (which the signer cannot choose),
// else the claimed time, else the signature's signing-time attribute. The
// last two are the signer's word; callers that can attest a time pass it
// as t.Seen.
func (r *KeyRing) x509Time(s *cmsSignature, t Times) (time.Time, TimeSource, error) {
	ts, ok, err := r.checkTimestamp(s)
	switch {
	case err != nil:
		return time.Time{}, TimeUnknown, err
	case ok:
		return ts, TimeTimestamp, nil
	case !t.Seen.IsZero():
		return t.Seen.UTC(), TimeSeen, nil
	case !t.Claimed.IsZero():
		return t.Claimed.UTC(), TimeClaimed, nil
	case !s.signingTime.IsZero():
		return s.signingTime.UTC(), TimeClaimed, nil
	default:
		return time.Time{}, TimeUnknown, fmt.Errorf("%w: no timestamp, seen or claimed signing time", ErrNoTrustedTime)
	}
}

// chainValidity is the span in which every certificate of chain is valid:
// the latest NotBefore and the earliest NotAfter.
func chainValidity(chain []*x509.Certificate) (notBefore, notAfter time.Time) {
	for i, c := range chain {
		if i == 0 || c.NotBefore.After(notBefore) {
			notBefore = c.NotBefore
		}
		if i == 0 || c.NotAfter.Before(notAfter) {
			notAfter = c.NotAfter
		}
	}
	return notBefore.UTC(), notAfter.UTC()
}

// subjectMatches reports whether the certificate's subject is the one the
// signer declares: the same RFC 4514 name (see parseDN), or exactly Go's
// rendering of it (pkix.Name.String), which writ.yaml files written before
// RFC 4514 names were accepted may hold.
func (e x509Entry) subjectMatches(c *x509.Certificate) bool {
	return e.dn.matches(c) || e.subject == c.Subject.String()
}
