package sigstoretest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"time"

	ct "github.com/google/certificate-transparency-go"
	cttls "github.com/google/certificate-transparency-go/tls"
	ctx509 "github.com/google/certificate-transparency-go/x509"
)

// CTLog is a fake RFC 6962 certificate-transparency log: its key signs the
// SCTs that Issue embeds in certificates.
type CTLog struct {
	Key   *ecdsa.PrivateKey
	logID [sha256.Size]byte
}

// NewCTLog makes a log with a fresh ECDSA P-256 key.
func NewCTLog() (*CTLog, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return CTLogWithKey(k)
}

// CTLogWithKey makes a log that signs with k: the same log as the one
// that made k, in another process (a signing program a test runs).
func CTLogWithKey(k *ecdsa.PrivateKey) (*CTLog, error) {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return nil, err
	}
	return &CTLog{Key: k, logID: sha256.Sum256(der)}, nil
}

// SCTOpts shapes the SCT Issue embeds.
type SCTOpts struct {
	// At is the SCT's timestamp; zero means the template's NotBefore.
	At time.Time
	// Forge makes the SCT's signature cover another timestamp than the one
	// it states, so it does not verify.
	Forge bool
}

// Issue creates a certificate from tmpl for pub, signed by issuer with
// issuerKey, carrying an embedded SCT by the log (extension
// 1.3.6.1.4.1.11129.2.4.2) over the precertificate as RFC 6962 s3.2
// defines it: the certificate's TBS without the SCT list, and the hash of
// the issuer's public key. tmpl must not be reused.
func (l *CTLog) Issue(tmpl *x509.Certificate, pub crypto.PublicKey, issuer *x509.Certificate, issuerKey crypto.Signer, o SCTOpts) (*x509.Certificate, error) {
	if tmpl.SerialNumber == nil {
		return nil, fmt.Errorf("sigstoretest: the template needs a serial number")
	}
	at := o.At
	if at.IsZero() {
		at = tmpl.NotBefore
	}
	extra := tmpl.ExtraExtensions
	// A placeholder list fixes everything the SCT signs: the precertificate
	// TBS is the certificate's TBS with the list removed.
	withList := func(list []byte) (*x509.Certificate, error) {
		val, err := asn1.Marshal(list)
		if err != nil {
			return nil, err
		}
		tmpl.ExtraExtensions = append(append([]pkix.Extension(nil), extra...), pkix.Extension{Id: asn1.ObjectIdentifier(ctx509.OIDExtensionCTSCT), Value: val})
		der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, pub, issuerKey)
		if err != nil {
			return nil, err
		}
		return x509.ParseCertificate(der)
	}
	placeholder, err := encodeList(ct.SignedCertificateTimestamp{SCTVersion: ct.V1, LogID: ct.LogID{KeyID: l.logID},
		Signature: ct.DigitallySigned{Algorithm: sha256ECDSA, Signature: []byte{0}}})
	if err != nil {
		return nil, err
	}
	draft, err := withList(placeholder)
	if err != nil {
		return nil, err
	}
	list, err := l.sctList(draft, issuer, at, o.Forge)
	if err != nil {
		return nil, err
	}
	return withList(list)
}

// sctList signs an SCT for the precertificate of cert and returns the
// TLS-encoded SignedCertificateTimestampList holding it.
func (l *CTLog) sctList(cert, issuer *x509.Certificate, at time.Time, forge bool) ([]byte, error) {
	chain, err := ctx509.ParseCertificates(append(append([]byte(nil), cert.Raw...), issuer.Raw...))
	if err != nil {
		return nil, err
	}
	ts := uint64(at.UnixMilli())
	leaf, err := ct.MerkleTreeLeafForEmbeddedSCT(chain, ts)
	if err != nil {
		return nil, err
	}
	sct := ct.SignedCertificateTimestamp{SCTVersion: ct.V1, LogID: ct.LogID{KeyID: l.logID}, Timestamp: ts}
	input, err := ct.SerializeSCTSignatureInput(sct, ct.LogEntry{Leaf: *leaf})
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(input)
	sig, err := ecdsa.SignASN1(rand.Reader, l.Key, digest[:])
	if err != nil {
		return nil, err
	}
	if forge {
		sct.Timestamp++
	}
	sct.Signature = ct.DigitallySigned{Algorithm: sha256ECDSA, Signature: sig}
	return encodeList(sct)
}

var sha256ECDSA = cttls.SignatureAndHashAlgorithm{Hash: cttls.SHA256, Signature: cttls.ECDSA}

// encodeList is the TLS encoding of a SignedCertificateTimestampList
// holding sct.
func encodeList(sct ct.SignedCertificateTimestamp) ([]byte, error) {
	raw, err := cttls.Marshal(sct)
	if err != nil {
		return nil, err
	}
	return cttls.Marshal(ctx509.SignedCertificateTimestampList{SCTList: []ctx509.SerializedSCT{{Val: raw}}})
}
