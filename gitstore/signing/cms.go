package signing

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"github.com/github/smimesign/ietf-cms/oid"
	"github.com/github/smimesign/ietf-cms/protocol"
	"github.com/writ-dev/writ/schemas"
)

// Limits on what a CMS signature may carry.
const (
	maxCMSCerts = 16 // certificates bundled in one signature
	maxChainLen = 5  // leaf, intermediates and root
)

// cmsSignature is a parsed CMS SignedData with exactly one signer.
type cmsSignature struct {
	psd         *protocol.SignedData
	si          protocol.SignerInfo
	certs       []*x509.Certificate // every certificate bundled
	leaf        *x509.Certificate   // the signer's
	hash        crypto.Hash
	algo        x509.SignatureAlgorithm
	signingTime time.Time // the signing-time attribute, zero when absent
}

// parseCMS strictly decodes the armoured detached CMS signature that gitsign
// and gpgsm write into a commit ("SIGNED MESSAGE" armour). It never panics.
// Errors wrap ErrMalformedSignature or ErrUnsupportedSignature.
func parseCMS(armored string) (*cmsSignature, error) {
	der, err := dearmorBlock(armored, cmsBegin, cmsEnd)
	if err != nil {
		return nil, err
	}
	s, err := parseSignedData(der, false)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// parseSignedData decodes a BER ContentInfo holding SignedData with one
// signer whose certificate is bundled. attached says whether the content
// must be inside (timestamp tokens) or absent (detached commit signatures).
func parseSignedData(ber []byte, attached bool) (s *cmsSignature, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("%w: cms: %v", ErrMalformedSignature, r)
		}
	}()
	end, err := berEnd(ber, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: cms: %v", ErrMalformedSignature, err)
	}
	if end != len(ber) {
		return nil, fmt.Errorf("%w: cms: %d bytes of trailing data", ErrMalformedSignature, len(ber)-end)
	}
	ci, err := protocol.ParseContentInfo(ber)
	if err != nil {
		return nil, fmt.Errorf("%w: cms: %v", ErrMalformedSignature, err)
	}
	psd, err := ci.SignedDataContent()
	if err != nil {
		return nil, fmt.Errorf("%w: cms: not SignedData: %v", ErrMalformedSignature, err)
	}
	if n := len(psd.SignerInfos); n != 1 {
		return nil, fmt.Errorf("%w: cms: %d signers, want exactly one", ErrMalformedSignature, n)
	}
	hasContent := psd.EncapContentInfo.EContent.Bytes != nil
	switch {
	case attached && !hasContent:
		return nil, fmt.Errorf("%w: cms: no encapsulated content", ErrMalformedSignature)
	case !attached && hasContent:
		return nil, fmt.Errorf("%w: cms: the signature is not detached", ErrMalformedSignature)
	case !attached && !psd.EncapContentInfo.IsTypeData():
		return nil, fmt.Errorf("%w: cms: content type %v is not data", ErrUnsupportedSignature, psd.EncapContentInfo.EContentType)
	}
	if n := len(psd.Certificates); n > maxCMSCerts {
		return nil, fmt.Errorf("%w: cms: %d certificates exceeds the limit of %d", ErrMalformedSignature, n, maxCMSCerts)
	}
	certs, err := psd.X509Certificates()
	if err != nil {
		return nil, fmt.Errorf("%w: cms: certificates: %v", ErrMalformedSignature, err)
	}
	si := psd.SignerInfos[0]
	leaf, err := si.FindCertificate(certs)
	if err != nil {
		return nil, fmt.Errorf("%w: cms: the signer's certificate is not included: %v", ErrMalformedSignature, err)
	}
	if si.SignedAttrs == nil {
		return nil, fmt.Errorf("%w: cms: no signed attributes", ErrUnsupportedSignature)
	}
	hash, err := si.Hash()
	if err != nil {
		return nil, fmt.Errorf("%w: cms: digest algorithm %v", ErrUnsupportedSignature, si.DigestAlgorithm.Algorithm)
	}
	if hash != crypto.SHA256 && hash != crypto.SHA384 && hash != crypto.SHA512 {
		return nil, fmt.Errorf("%w: cms: digest %v (want SHA-256 or stronger)", ErrUnsupportedSignature, hash)
	}
	algo := si.X509SignatureAlgorithm()
	if algo == x509.UnknownSignatureAlgorithm {
		return nil, fmt.Errorf("%w: cms: signature algorithm %v", ErrUnsupportedSignature, si.SignatureAlgorithm.Algorithm)
	}
	st, err := si.GetSigningTimeAttribute()
	if err != nil {
		return nil, fmt.Errorf("%w: cms: signing-time attribute: %v", ErrMalformedSignature, err)
	}
	return &cmsSignature{psd: psd, si: si, certs: certs, leaf: leaf, hash: hash, algo: algo, signingTime: st}, nil
}

// berEnd returns the length of the first BER element of b, following
// indefinite lengths (as gpgsm writes) to their end-of-contents octets.
// The CMS decoder ignores what follows the element; writ refuses it.
func berEnd(b []byte, depth int) (int, error) {
	if depth > 64 {
		return 0, errors.New("BER nested too deeply")
	}
	if len(b) < 2 {
		return 0, errors.New("truncated BER element")
	}
	i := 1
	if b[0]&0x1f == 0x1f { // high tag number form
		for i < len(b) && b[i]&0x80 != 0 {
			i++
		}
		i++
	}
	if i >= len(b) {
		return 0, errors.New("truncated BER tag")
	}
	l := int(b[i])
	i++
	switch {
	case l < 0x80:
		if i+l > len(b) {
			return 0, errors.New("truncated BER content")
		}
		return i + l, nil
	case l == 0x80:
		if b[0]&0x20 == 0 {
			return 0, errors.New("indefinite length on a primitive BER element")
		}
		for {
			if i+2 > len(b) {
				return 0, errors.New("missing BER end-of-contents")
			}
			if b[i] == 0 && b[i+1] == 0 {
				return i + 2, nil
			}
			n, err := berEnd(b[i:], depth+1)
			if err != nil {
				return 0, err
			}
			i += n
		}
	default:
		n := l & 0x7f
		if n > 4 || i+n > len(b) {
			return 0, errors.New("bad BER length")
		}
		length := 0
		for _, c := range b[i : i+n] {
			length = length<<8 | int(c)
		}
		i += n
		if length < 0 || i+length > len(b) {
			return 0, errors.New("truncated BER content")
		}
		return i + length, nil
	}
}

// keyAlgorithm is the public key algorithm each accepted signature
// algorithm needs.
var keyAlgorithm = map[x509.SignatureAlgorithm]x509.PublicKeyAlgorithm{
	x509.SHA256WithRSA: x509.RSA, x509.SHA384WithRSA: x509.RSA, x509.SHA512WithRSA: x509.RSA,
	x509.SHA256WithRSAPSS: x509.RSA, x509.SHA384WithRSAPSS: x509.RSA, x509.SHA512WithRSAPSS: x509.RSA,
	x509.ECDSAWithSHA256: x509.ECDSA, x509.ECDSAWithSHA384: x509.ECDSA, x509.ECDSAWithSHA512: x509.ECDSA,
	x509.PureEd25519: x509.Ed25519,
}

// verifyOver checks the signature over content: the content-type and
// message-digest attributes, and the signer's signature over the signed
// attributes with the certificate's key, which must be of an accepted type.
func (s *cmsSignature) verifyOver(content []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: cms: %v", ErrMalformedSignature, r)
		}
	}()
	if err := checkKeyType(s.leaf); err != nil {
		return err
	}
	if want, ok := keyAlgorithm[s.algo]; !ok || want != s.leaf.PublicKeyAlgorithm {
		return fmt.Errorf("%w: cms: signature algorithm %v does not fit the certificate's %v key", ErrUnsupportedSignature, s.algo, s.leaf.PublicKeyAlgorithm)
	}
	ct, err := s.si.GetContentTypeAttribute()
	if err != nil {
		return fmt.Errorf("%w: cms: content-type attribute: %v", ErrMalformedSignature, err)
	}
	if !ct.Equal(s.psd.EncapContentInfo.EContentType) {
		return fmt.Errorf("%w: cms: content-type attribute %v does not match the content", ErrBadSignature, ct)
	}
	md, err := s.si.GetMessageDigestAttribute()
	if err != nil {
		return fmt.Errorf("%w: cms: message-digest attribute: %v", ErrMalformedSignature, err)
	}
	h := s.hash.New()
	h.Write(content)
	if !bytes.Equal(md, h.Sum(nil)) {
		return fmt.Errorf("%w: message digest does not match the signed bytes", ErrBadSignature)
	}
	signed, err := s.si.SignedAttrs.MarshaledForVerification()
	if err != nil {
		return fmt.Errorf("%w: cms: signed attributes: %v", ErrMalformedSignature, err)
	}
	if err := s.leaf.CheckSignature(s.algo, signed, s.si.Signature); err != nil {
		return fmt.Errorf("%w: certificate %s: %v", ErrBadSignature, describeCert(s.leaf), err)
	}
	return nil
}

// checkKeyType refuses certificates with keys writ does not accept.
func checkKeyType(c *x509.Certificate) error {
	if err := schemas.CheckPublicKeyType(c.PublicKey); err != nil {
		return fmt.Errorf("%w: certificate %s: %v", ErrUnsupportedSignature, describeCert(c), err)
	}
	return nil
}

// unsignedAttr returns the single value of an unsigned attribute, or
// ok=false when the attribute is absent.
func (s *cmsSignature) unsignedAttr(id asn1.ObjectIdentifier) (asn1.RawValue, bool, error) {
	if !s.si.UnsignedAttrs.HasAttribute(id) {
		return asn1.RawValue{}, false, nil
	}
	rv, err := s.si.UnsignedAttrs.GetOnlyAttributeValueBytes(id)
	if err != nil {
		return asn1.RawValue{}, true, fmt.Errorf("%w: cms: unsigned attribute %v: %v", ErrMalformedSignature, id, err)
	}
	return rv, true, nil
}

// verifyChain checks that leaf chains to pool at time at, using the
// certificates the signature bundles as intermediates, for one of usages.
// It returns the shortest chain. Errors wrap ErrUntrustedCertificate or,
// when a certificate is outside its validity at at, ErrExpired (or
// ErrNotYetValid).
func verifyChain(leaf *x509.Certificate, bundled []*x509.Certificate, pool *certPool, at time.Time, usages ...x509.ExtKeyUsage) ([]*x509.Certificate, error) {
	if pool == nil {
		return nil, fmt.Errorf("%w: no trust roots are loaded for this kind of certificate (build the ring with NewTrust and declare them in writ.yaml)", ErrUntrustedCertificate)
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nil, fmt.Errorf("%w: certificate %s: key usage does not allow digital signatures", ErrUntrustedCertificate, describeCert(leaf))
	}
	inter := x509.NewCertPool()
	for _, c := range pool.intermediates {
		inter.AddCert(c)
	}
	for _, c := range bundled {
		if c != leaf {
			inter.AddCert(c)
		}
	}
	chains, err := leaf.Verify(x509.VerifyOptions{Roots: pool.roots, Intermediates: inter, CurrentTime: at, KeyUsages: usages})
	if err != nil {
		return nil, chainError(leaf, pool, at, err)
	}
	best := chains[0]
	for _, c := range chains[1:] {
		if len(c) < len(best) {
			best = c
		}
	}
	if len(best) > maxChainLen {
		return nil, fmt.Errorf("%w: certificate %s: chain of %d certificates exceeds the limit of %d", ErrUntrustedCertificate, describeCert(leaf), len(best), maxChainLen)
	}
	return best, nil
}

// chainError explains a failed chain verification.
func chainError(leaf *x509.Certificate, pool *certPool, at time.Time, err error) error {
	name := describeCert(leaf)
	var inv x509.CertificateInvalidError
	var unk x509.UnknownAuthorityError
	var crit x509.UnhandledCriticalExtension
	switch {
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		c := inv.Cert
		if c == nil {
			c = leaf
		}
		return validityError(c, at)
	case errors.As(err, &inv) && inv.Reason == x509.IncompatibleUsage:
		return fmt.Errorf("%w: certificate %s: extended key usage does not allow signing: %v", ErrUntrustedCertificate, name, err)
	case errors.As(err, &crit):
		return fmt.Errorf("%w: certificate %s has an unknown critical extension", ErrUntrustedCertificate, name)
	case errors.As(err, &unk):
		return fmt.Errorf("%w: certificate %s does not chain to a root in %s", ErrUntrustedCertificate, name, pool.name)
	default:
		return fmt.Errorf("%w: certificate %s: %v", ErrUntrustedCertificate, name, err)
	}
}

// validityError explains why certificate c is not valid at time at: not
// yet valid (wrapping ErrNotYetValid) or expired (ErrExpired), with its
// validity period.
func validityError(c *x509.Certificate, at time.Time) error {
	from, to, when := c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339)
	if at.Before(c.NotBefore) {
		return fmt.Errorf("%w: certificate %s is not yet valid before %s (valid %s to %s), judged at %s",
			ErrNotYetValid, describeCert(c), from, from, to, when)
	}
	return fmt.Errorf("%w: certificate %s expired at %s (valid %s to %s), judged at %s",
		ErrExpired, describeCert(c), to, from, to, when)
}

// describeCert names a certificate in messages: its subject, or its first
// SAN when the subject is empty (as in Fulcio certificates).
func describeCert(c *x509.Certificate) string {
	if s := c.Subject.String(); s != "" {
		return fmt.Sprintf("%q", s)
	}
	if len(c.EmailAddresses) > 0 {
		return fmt.Sprintf("for %q", c.EmailAddresses[0])
	}
	if len(c.URIs) > 0 {
		return fmt.Sprintf("for %q", c.URIs[0].String())
	}
	return fmt.Sprintf("serial %s", c.SerialNumber)
}

// oidTimeStampToken is the unsigned attribute holding an RFC 3161 token.
var oidTimeStampToken = oid.AttributeTimeStampToken
