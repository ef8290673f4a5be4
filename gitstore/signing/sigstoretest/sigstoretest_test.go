package sigstoretest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// TestIssueEmbedsAnSCT: a certificate Issue makes carries an SCT that
// sigstore-go verifies against the trusted root JSON renders, and a forged
// one does not.
func TestIssueEmbedsAnSCT(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caT := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "CA"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, caT, caT, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	log, err := NewCTLog()
	if err != nil {
		t.Fatal(err)
	}
	js, err := TrustedRoot{Fulcio: []CA{{Chain: []*x509.Certificate{ca}, Start: ca.NotBefore}},
		CTLogs: []Log{{Key: &log.Key.PublicKey, Start: ca.NotBefore}}}.JSON()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := root.NewTrustedRootFromJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	for _, forge := range []bool{false, true} {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		leaf, err := log.Issue(&x509.Certificate{SerialNumber: big.NewInt(2), NotBefore: now, NotAfter: now.Add(10 * time.Minute),
			EmailAddresses: []string{"a@example.com"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}},
			&key.PublicKey, ca, caKey, SCTOpts{Forge: forge})
		if err != nil {
			t.Fatal(err)
		}
		chains, err := verify.VerifyLeafCertificate(now, leaf, tr)
		if err != nil {
			t.Fatal(err)
		}
		err = verify.VerifySignedCertificateTimestamp(chains, 1, tr)
		if (err == nil) == forge {
			t.Errorf("forge=%v: SCT verification err = %v", forge, err)
		}
	}
}
