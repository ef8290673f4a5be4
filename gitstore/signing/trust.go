package signing

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/writ-dev/writ/schemas"
)

// maxTrustFile caps the size of one trust file read through NewTrust.
const maxTrustFile = 1 << 20

// NewTrust builds a KeyRing from writ.yaml: every signer of every identity,
// as NewKeyRing does, plus the trust roots of cfg.Trust and each x509
// signer's CA, read through readFile. readFile gets a slash-separated path
// relative to the control repo's root, as written in writ.yaml (for example
// the blob at that path in the rules commit's tree; ReadFromFS adapts an
// fs.FS). It is called at most once per path, and only during NewTrust.
//
// It fails when a file is missing or does not hold what it should
// (certificates for fulcio_roots, tsa_roots and x509 CAs, a PEM public key
// for rekor_public_key), when a keyless signer has no fulcio_roots or
// asks for Rekor without a rekor_public_key, or for any reason NewKeyRing
// fails. The result is immutable and safe for concurrent use.
func NewTrust(cfg *schemas.Config, readFile func(path string) ([]byte, error)) (*KeyRing, error) {
	if cfg == nil {
		return nil, errors.New("trust: nil config")
	}
	r, err := newRing(cfg.Identities)
	if err != nil {
		return nil, err
	}
	l := &trustLoader{read: readFile, pools: map[string]*certPool{}, files: map[string][]byte{}}
	t := cfg.Trust
	if t == nil {
		t = &schemas.Trust{}
	}
	if len(t.FulcioRoots) > 0 {
		if r.fulcio, err = l.pool(t.FulcioRoots...); err != nil {
			return nil, fmt.Errorf("trust: fulcio_roots: %w", err)
		}
	}
	if len(t.TSARoots) > 0 {
		if r.tsa, err = l.pool(t.TSARoots...); err != nil {
			return nil, fmt.Errorf("trust: tsa_roots: %w", err)
		}
	}
	if t.RekorPublicKey != "" {
		data, err := l.file(t.RekorPublicKey)
		if err != nil {
			return nil, fmt.Errorf("trust: rekor_public_key: %w", err)
		}
		if r.rekor, err = newRekorKey(data); err != nil {
			return nil, fmt.Errorf("trust: rekor_public_key %s: %w", t.RekorPublicKey, err)
		}
	}
	r.acceptCommitterTime = t.AcceptCommitterTime
	for i := range r.x509 {
		e := &r.x509[i]
		if e.ca, err = l.pool(e.caPath); err != nil {
			return nil, fmt.Errorf("trust: identity %q signer %q: ca: %w", e.identity, e.signer, err)
		}
	}
	for _, e := range r.keyless {
		if r.fulcio == nil {
			return nil, fmt.Errorf("trust: identity %q signer %q: a keyless signer needs trust.fulcio_roots", e.identity, e.signer)
		}
		if e.rekor && r.rekor == nil {
			return nil, fmt.Errorf("trust: identity %q signer %q: rekor: true needs trust.rekor_public_key", e.identity, e.signer)
		}
	}
	return r, nil
}

// ReadFromFS adapts an fs.FS (a checkout, an fstest.MapFS, a git tree) to
// the readFile argument of NewTrust.
func ReadFromFS(fsys fs.FS) func(path string) ([]byte, error) {
	return func(path string) ([]byte, error) { return fs.ReadFile(fsys, path) }
}

// trustLoader reads trust files once each and builds certificate pools.
type trustLoader struct {
	read  func(string) ([]byte, error)
	pools map[string]*certPool
	files map[string][]byte
}

func (l *trustLoader) file(path string) ([]byte, error) {
	if data, ok := l.files[path]; ok {
		return data, nil
	}
	if !fs.ValidPath(path) || path == "." {
		return nil, fmt.Errorf("%q is not a relative path inside the control repo", path)
	}
	if l.read == nil {
		return nil, fmt.Errorf("%s: no file reader given", path)
	}
	data, err := l.read(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxTrustFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxTrustFile)
	}
	l.files[path] = data
	return data, nil
}

// pool loads the certificates of paths into one pool. Self-signed
// certificates become roots and the others intermediates; when no file
// holds a self-signed certificate, every certificate is a trust anchor.
func (l *trustLoader) pool(paths ...string) (*certPool, error) {
	key := strings.Join(paths, "\x00")
	if p, ok := l.pools[key]; ok {
		return p, nil
	}
	var certs []*x509.Certificate
	for _, path := range paths {
		data, err := l.file(path)
		if err != nil {
			return nil, err
		}
		cs, err := schemas.ParseCertificatesPEM(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		certs = append(certs, cs...)
	}
	p := newCertPool(strings.Join(paths, ", "), certs)
	l.pools[key] = p
	return p, nil
}

// certPool is a set of trust anchors and the intermediates that go with
// them, named by the files they came from.
type certPool struct {
	name          string
	roots         *x509.CertPool
	intermediates []*x509.Certificate
}

func newCertPool(name string, certs []*x509.Certificate) *certPool {
	p := &certPool{name: name, roots: x509.NewCertPool()}
	var selfSigned int
	for _, c := range certs {
		if isSelfSigned(c) {
			p.roots.AddCert(c)
			selfSigned++
		} else {
			p.intermediates = append(p.intermediates, c)
		}
	}
	if selfSigned == 0 {
		for _, c := range p.intermediates {
			p.roots.AddCert(c)
		}
		p.intermediates = nil
	}
	return p
}

func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil
}

// rekorKey is the Rekor log's public key and its log ID (SHA-256 of the
// PKIX DER).
type rekorKey struct {
	verifier signature.Verifier
	logID    []byte
}

func newRekorKey(pemData []byte) (*rekorKey, error) {
	der, err := schemas.ParsePublicKeyPEM(string(pemData))
	if err != nil {
		return nil, err
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, err
	}
	v, err := signature.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	id := sha256.Sum256(der)
	return &rekorKey{verifier: v, logID: id[:]}, nil
}

// keyFingerprint names a PKIX public key: "sha256:" and the hex SHA-256 of
// its DER.
func keyFingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// pgpFingerprint is an OpenPGP key's primary fingerprint in upper-case hex.
func pgpFingerprint(e *openpgp.Entity) string {
	return strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))
}
