package signing

// Test PKI: CAs, Fulcio-style certificates, a gitsign-format CMS signer,
// Rekor entries and RFC 3161 timestamps, all generated at test time.

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"io"
	"math/big"
	"net/url"
	"sort"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/github/smimesign/ietf-cms/oid"
	"github.com/github/smimesign/ietf-cms/protocol"
	"github.com/writ-dev/writ/gitstore/signing/sigstoretest"
	"github.com/writ-dev/writ/schemas"
)

// Fixed times of the test PKI. tSign is when test signatures are made.
var (
	tSign   = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tLong   = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	tLongTo = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
)

var (
	oidFulcioIssuerV1 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	oidFulcioIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
)

// testCA is a certificate with its key, able to issue certificates. A CA
// with a CT log embeds an SCT by it in the Fulcio certificates it issues,
// as Fulcio does.
type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
	ct   *sigstoretest.CTLog
}

var serial int64 = 100

var serialMu sync.Mutex

func nextSerial() *big.Int {
	serialMu.Lock()
	defer serialMu.Unlock()
	serial++
	return big.NewInt(serial)
}

func ecKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var (
	rsaOnce sync.Once
	rsaK    *rsa.PrivateKey
)

// rsaKey is one RSA-2048 key shared by the tests (generation is slow).
func rsaKey(t testing.TB) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		var err error
		if rsaK, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return rsaK
}

func issue(t testing.TB, tmpl *x509.Certificate, pub crypto.PublicKey, parent *testCA) *x509.Certificate {
	t.Helper()
	if tmpl.SerialNumber == nil {
		tmpl.SerialNumber = nextSerial()
	}
	issuerCert, signer := tmpl, crypto.Signer(nil)
	if parent != nil {
		issuerCert, signer = parent.cert, parent.key
	}
	if signer == nil {
		t.Fatal("self-signed certificates need newRoot")
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuerCert, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newRoot makes a self-signed CA valid 2020-2040.
func newRoot(t testing.TB, cn string) *testCA {
	t.Helper()
	k := ecKey(t)
	tmpl := caTemplate(cn)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &testCA{cert: c, key: k}
}

func caTemplate(cn string) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: cn},
		NotBefore: tLong, NotAfter: tLongTo, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
}

// intermediate issues a CA certificate under parent.
func (ca *testCA) intermediate(t testing.TB, cn string) *testCA {
	t.Helper()
	k := ecKey(t)
	return &testCA{cert: issue(t, caTemplate(cn), &k.PublicKey, ca), key: k}
}

func certPEM(certs ...*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

func pubPEM(t testing.TB, pub crypto.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// fulcioOpts shapes a Fulcio-style leaf certificate.
type fulcioOpts struct {
	email, uri         string
	issuerV1, issuerV2 string
	notBefore          time.Time // default tSign - 1m; valid 10 minutes
	key                crypto.Signer
	extra              []pkix.Extension
	eku                []x509.ExtKeyUsage
	noSCT, forgeSCT    bool                // leave out the SCT, or forge its signature
	ct                 *sigstoretest.CTLog // the log that signs the SCT; default the CA's
}

// fulcioLeaf issues a short-lived code-signing certificate as Fulcio does:
// empty subject, one SAN, the OIDC issuer extensions, and an embedded SCT
// when the CA (or o.ct) has a CT log.
func (ca *testCA) fulcioLeaf(t testing.TB, o fulcioOpts) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	if o.key == nil {
		o.key = ecKey(t)
	}
	if o.notBefore.IsZero() {
		o.notBefore = tSign.Add(-time.Minute)
	}
	if o.eku == nil {
		o.eku = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
	}
	tmpl := &x509.Certificate{
		NotBefore: o.notBefore, NotAfter: o.notBefore.Add(10 * time.Minute),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: o.eku, ExtraExtensions: o.extra,
	}
	if o.email != "" {
		tmpl.EmailAddresses = []string{o.email}
	}
	if o.uri != "" {
		u, err := url.Parse(o.uri)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.URIs = []*url.URL{u}
	}
	if o.issuerV1 != "" {
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidFulcioIssuerV1, Value: []byte(o.issuerV1)})
	}
	if o.issuerV2 != "" {
		v, err := asn1.MarshalWithParams(o.issuerV2, "utf8")
		if err != nil {
			t.Fatal(err)
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidFulcioIssuerV2, Value: v})
	}
	log := o.ct
	if log == nil {
		log = ca.ct
	}
	if o.noSCT {
		log = nil
	}
	return ca.issueLeaf(t, tmpl, o.key.Public(), log, o.forgeSCT), o.key
}

// issueLeaf issues tmpl for pub, with an SCT by log embedded unless log is
// nil (forged when forge is set).
func (ca *testCA) issueLeaf(t testing.TB, tmpl *x509.Certificate, pub crypto.PublicKey, log *sigstoretest.CTLog, forge bool) *x509.Certificate {
	t.Helper()
	if log == nil {
		return issue(t, tmpl, pub, ca)
	}
	tmpl.SerialNumber = nextSerial()
	c, err := log.Issue(tmpl, pub, ca.cert, ca.key, sigstoretest.SCTOpts{Forge: forge})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// x509Leaf issues a long-lived S/MIME-style certificate as a company CA
// would for gpgsm: subject with CN and emailAddress, email SAN.
func (ca *testCA) x509Leaf(t testing.TB, cn, email string, key crypto.Signer, notBefore, notAfter time.Time) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		Subject: pkix.Name{CommonName: cn, ExtraNames: []pkix.AttributeTypeAndValue{
			{Type: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, Value: email}}},
		EmailAddresses: []string{email}, NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection, x509.ExtKeyUsageCodeSigning},
	}
	return issue(t, tmpl, key.Public(), ca)
}

// cmsOpts shapes a CMS signature.
type cmsOpts struct {
	signingTime time.Time // default tSign; zero attribute when noTime
	noTime      bool
	// unsigned adds unsigned attributes once the signature exists.
	unsigned func(si *protocol.SignerInfo, leaf *x509.Certificate) protocol.Attributes
}

// signCMS makes a detached CMS signature over payload as gitsign writes it:
// SignedData, one SignerInfo (issuer and serial), SHA-256, signed
// attributes content-type, message-digest and signing-time, the given
// certificates, armoured as "SIGNED MESSAGE".
func signCMS(t testing.TB, payload []byte, key crypto.Signer, chain []*x509.Certificate, o cmsOpts) string {
	t.Helper()
	der, err := buildCMS(payload, key, chain, o)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "SIGNED MESSAGE", Bytes: der}))
}

func buildCMS(payload []byte, key crypto.Signer, chain []*x509.Certificate, o cmsOpts) ([]byte, error) {
	eci, err := protocol.NewDataEncapsulatedContentInfo(payload)
	if err != nil {
		return nil, err
	}
	sd, err := protocol.NewSignedData(eci)
	if err != nil {
		return nil, err
	}
	for _, c := range chain {
		if err := sd.AddCertificate(c); err != nil {
			return nil, err
		}
	}
	leaf := chain[0]
	sid, err := protocol.NewIssuerAndSerialNumber(leaf)
	if err != nil {
		return nil, err
	}
	digestAlg := pkix.AlgorithmIdentifier{Algorithm: oid.DigestAlgorithmSHA256}
	sigAlg := oid.X509PublicKeyAndDigestAlgorithmToSignatureAlgorithm[leaf.PublicKeyAlgorithm][oid.DigestAlgorithmSHA256.String()]
	md := sha256.Sum256(payload)
	attrs := []protocol.Attribute{}
	for _, a := range []struct {
		id  asn1.ObjectIdentifier
		val any
	}{{oid.AttributeContentType, oid.ContentTypeData}, {oid.AttributeMessageDigest, md[:]}} {
		attr, err := protocol.NewAttribute(a.id, a.val)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, attr)
	}
	if !o.noTime {
		st := o.signingTime
		if st.IsZero() {
			st = tSign
		}
		attr, err := protocol.NewAttribute(oid.AttributeSigningTime, st.UTC())
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, attr)
	}
	sort.Slice(attrs, func(i, j int) bool {
		return bytes.Compare(attrs[i].RawValue.FullBytes, attrs[j].RawValue.FullBytes) < 0
	})
	si := protocol.SignerInfo{Version: 1, SID: sid, DigestAlgorithm: digestAlg, SignedAttrs: attrs,
		SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: sigAlg}}
	sm, err := si.SignedAttrs.MarshaledForSigning()
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(sm)
	if si.Signature, err = key.Sign(rand.Reader, h[:], crypto.SHA256); err != nil {
		return nil, err
	}
	if o.unsigned != nil {
		si.UnsignedAttrs = o.unsigned(&si, leaf)
	}
	sd.DigestAlgorithms = []pkix.AlgorithmIdentifier{digestAlg}
	sd.SignerInfos = append(sd.SignerInfos, si)
	sd.EncapContentInfo.EContent = asn1.RawValue{}
	return sd.ContentInfoDER()
}

// cmsGitSigner is a gitsign-format git.Signer for go-git commits.
type cmsGitSigner struct {
	t     testing.TB
	key   crypto.Signer
	chain []*x509.Certificate
	opts  cmsOpts
}

func (s cmsGitSigner) Sign(message io.Reader) ([]byte, error) {
	payload, err := io.ReadAll(message)
	if err != nil {
		return nil, err
	}
	return []byte(signCMS(s.t, payload, s.key, s.chain, s.opts)), nil
}

// trustFiles is an in-memory control repo holding trust files.
type trustFiles fstest.MapFS

func (f trustFiles) add(path string, data []byte) trustFiles {
	f[path] = &fstest.MapFile{Data: data}
	return f
}

// newTrustRing builds a ring with NewTrust from identities, trust and files.
func newTrustRing(t testing.TB, ids []schemas.Identity, trust *schemas.Trust, files trustFiles) *KeyRing {
	t.Helper()
	r, err := NewTrust(&schemas.Config{Identities: ids, Trust: trust}, ReadFromFS(fstest.MapFS(files)))
	if err != nil {
		t.Fatalf("NewTrust: %v", err)
	}
	return r
}

// signer builds one identity with one signer.
func signerID(name string, s schemas.Signer) schemas.Identity {
	return schemas.Identity{Name: name, Kind: schemas.IdentityHuman, Signers: []schemas.Signer{s}}
}
