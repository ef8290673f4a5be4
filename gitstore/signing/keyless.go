package signing

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// verifyCMS checks a CMS signature (gitsign or gpgsm) over payload: the
// signature itself, then, when the certificate carries a Fulcio OIDC
// issuer, the keyless rules, and the x509 rules otherwise.
func (r *KeyRing) verifyCMS(payload []byte, armored string, t Times) (Verified, error) {
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
		return r.verifyKeyless(s, issuer, t.Claimed)
	}
	return r.verifyX509(s, t)
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

// certIdentity is the one identity a Fulcio certificate is issued to: its
// email, URI or other-name SAN.
func certIdentity(c *x509.Certificate) (string, error) {
	sans := cryptoutils.GetSubjectAlternateNames(c)
	if len(sans) != 1 {
		return "", fmt.Errorf("%w: certificate %s names %d identities in its subject alternative names, want exactly one", ErrUntrustedCertificate, describeCert(c), len(sans))
	}
	return sans[0], nil
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
