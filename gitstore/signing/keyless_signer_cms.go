package signing

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/github/smimesign/ietf-cms/oid"
	"github.com/github/smimesign/ietf-cms/protocol"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// SignDetachedCMS signs payload (a commit or tag encoded without its
// signature) as sigstore's gitsign does, and returns the armoured signature
// for the gpgsig header: a detached CMS SignedData with one SignerInfo
// (issuer and serial number), SHA-256, the signed attributes content-type,
// message-digest and signing-time, every certificate of chain (leaf first),
// armoured as "-----BEGIN SIGNED MESSAGE-----".
//
// key must be the private key of chain[0], ECDSA or RSA. signingTime is
// recorded in the signing-time attribute. When timestamp is not nil, it is
// called with the signature value and must return an RFC 3161
// TimeStampToken (DER ContentInfo) over it, which is added as the unsigned
// attribute id-aa-timeStampToken. ECDSA signatures are randomised: the
// same inputs give different bytes.
func SignDetachedCMS(payload []byte, key crypto.Signer, chain []*x509.Certificate, signingTime time.Time,
	timestamp func(signature []byte) ([]byte, error)) ([]byte, error) {
	if len(chain) == 0 {
		return nil, errors.New("cms: no certificate")
	}
	if len(chain) > maxCMSCerts {
		return nil, fmt.Errorf("cms: %d certificates exceeds the limit of %d", len(chain), maxCMSCerts)
	}
	leaf := chain[0]
	if err := cryptoutils.EqualKeys(leaf.PublicKey, key.Public()); err != nil {
		return nil, fmt.Errorf("cms: the key is not the certificate's: %w", err)
	}
	sigAlg, ok := oid.X509PublicKeyAndDigestAlgorithmToSignatureAlgorithm[leaf.PublicKeyAlgorithm][oid.DigestAlgorithmSHA256.String()]
	if !ok {
		return nil, fmt.Errorf("cms: %v keys are not supported (want ECDSA or RSA)", leaf.PublicKeyAlgorithm)
	}
	eci, err := protocol.NewDataEncapsulatedContentInfo(payload)
	if err != nil {
		return nil, fmt.Errorf("cms: %w", err)
	}
	sd, err := protocol.NewSignedData(eci)
	if err != nil {
		return nil, fmt.Errorf("cms: %w", err)
	}
	for _, c := range chain {
		if err := sd.AddCertificate(c); err != nil {
			return nil, fmt.Errorf("cms: %w", err)
		}
	}
	sid, err := protocol.NewIssuerAndSerialNumber(leaf)
	if err != nil {
		return nil, fmt.Errorf("cms: %w", err)
	}
	md := sha256.Sum256(payload)
	var attrs protocol.Attributes
	for _, a := range []struct {
		id  asn1.ObjectIdentifier
		val any
	}{
		{oid.AttributeContentType, oid.ContentTypeData},
		{oid.AttributeMessageDigest, md[:]},
		{oid.AttributeSigningTime, signingTime.UTC().Truncate(time.Second)},
	} {
		attr, err := protocol.NewAttribute(a.id, a.val)
		if err != nil {
			return nil, fmt.Errorf("cms: attribute %v: %w", a.id, err)
		}
		attrs = append(attrs, attr)
	}
	// DER orders the members of a SET OF by their encodings.
	sort.Slice(attrs, func(i, j int) bool {
		return bytes.Compare(attrs[i].RawValue.FullBytes, attrs[j].RawValue.FullBytes) < 0
	})
	digestAlg := pkix.AlgorithmIdentifier{Algorithm: oid.DigestAlgorithmSHA256}
	si := protocol.SignerInfo{Version: 1, SID: sid, DigestAlgorithm: digestAlg, SignedAttrs: attrs,
		SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: sigAlg}}
	signed, err := si.SignedAttrs.MarshaledForSigning()
	if err != nil {
		return nil, fmt.Errorf("cms: signed attributes: %w", err)
	}
	h := sha256.Sum256(signed)
	if si.Signature, err = key.Sign(rand.Reader, h[:], crypto.SHA256); err != nil {
		return nil, fmt.Errorf("cms: sign: %w", err)
	}
	if timestamp != nil {
		tok, err := timestamp(si.Signature)
		if err != nil {
			return nil, err
		}
		if tok, err = protocol.BER2DER(tok); err != nil {
			return nil, fmt.Errorf("%w: token is not BER: %v", ErrTimestamp, err)
		}
		attr, err := protocol.NewAttribute(oid.AttributeTimeStampToken, asn1.RawValue{FullBytes: tok})
		if err != nil {
			return nil, fmt.Errorf("cms: timestamp attribute: %w", err)
		}
		si.UnsignedAttrs = protocol.Attributes{attr}
	}
	sd.DigestAlgorithms = []pkix.AlgorithmIdentifier{digestAlg}
	sd.SignerInfos = append(sd.SignerInfos, si)
	sd.EncapContentInfo.EContent = asn1.RawValue{} // detached
	der, err := sd.ContentInfoDER()
	if err != nil {
		return nil, fmt.Errorf("cms: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "SIGNED MESSAGE", Bytes: der}), nil
}
