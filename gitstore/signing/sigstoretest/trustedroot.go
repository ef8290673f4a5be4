package sigstoretest

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// CA is a certificate authority of a trusted root: its chain from the
// first intermediate down to the root, which comes last, and the period
// in which it issues (zero End: open).
type CA struct {
	Chain      []*x509.Certificate
	Start, End time.Time
	URI        string
}

// Log is a transparency log of a trusted root (a Rekor log or a CT log):
// its public key and the period its key signs in (zero End: open).
type Log struct {
	Key        crypto.PublicKey
	Start, End time.Time
	BaseURL    string
}

// TrustedRoot is what a trusted_root.json lists.
type TrustedRoot struct {
	Fulcio []CA
	CTLogs []Log
	Rekor  []Log
	TSAs   []CA
}

// JSON renders the trusted root in sigstore's trusted_root.json format
// (media type application/vnd.dev.sigstore.trustedroot+json;version=0.1),
// through sigstore-go's own encoder.
func (t TrustedRoot) JSON() ([]byte, error) {
	var cas []root.CertificateAuthority
	for _, ca := range t.Fulcio {
		n := len(ca.Chain)
		cas = append(cas, &root.FulcioCertificateAuthority{Root: ca.Chain[n-1], Intermediates: ca.Chain[:n-1],
			ValidityPeriodStart: ca.Start, ValidityPeriodEnd: ca.End, URI: ca.URI})
	}
	var tsas []root.TimestampingAuthority
	for _, ca := range t.TSAs {
		n := len(ca.Chain)
		tsas = append(tsas, &root.SigstoreTimestampingAuthority{Root: ca.Chain[n-1], Intermediates: ca.Chain[:n-1],
			ValidityPeriodStart: ca.Start, ValidityPeriodEnd: ca.End, URI: ca.URI})
	}
	ctlogs, err := logs(t.CTLogs)
	if err != nil {
		return nil, err
	}
	rekor, err := logs(t.Rekor)
	if err != nil {
		return nil, err
	}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, cas, ctlogs, tsas, rekor)
	if err != nil {
		return nil, err
	}
	return tr.MarshalJSON()
}

// LogID is a log's ID: the SHA-256 of its PKIX public key.
func LogID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	id := sha256.Sum256(der)
	return id[:], nil
}

func logs(ls []Log) (map[string]*root.TransparencyLog, error) {
	out := map[string]*root.TransparencyLog{}
	for _, l := range ls {
		id, err := LogID(l.Key)
		if err != nil {
			return nil, err
		}
		out[string(id)] = &root.TransparencyLog{BaseURL: l.BaseURL, ID: id, ValidityPeriodStart: l.Start, ValidityPeriodEnd: l.End,
			HashFunc: crypto.SHA256, PublicKey: l.Key, SignatureHashFunc: crypto.SHA256}
	}
	return out, nil
}
