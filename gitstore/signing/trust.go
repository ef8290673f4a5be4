package signing

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
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
// (certificates for tsa_roots and x509 CAs, a sigstore trusted root for
// trusted_root, listing a Fulcio CA and a CT log when there are keyless
// signers and a Rekor log when one has rekor: true), when a keyless signer
// has no trusted_root, or for any reason NewKeyRing fails. The result is
// immutable and safe for concurrent use.
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
	needs := schemas.TrustedRootNeeds{}
	for _, e := range r.keyless {
		needs.Keyless = true
		needs.Rekor = needs.Rekor || e.rekor
	}
	if t.TrustedRoot != "" {
		data, err := l.file(t.TrustedRoot)
		if err != nil {
			return nil, fmt.Errorf("trust: trusted_root: %w", err)
		}
		tr, err := schemas.ParseTrustedRoot(data, needs)
		if err != nil {
			return nil, fmt.Errorf("trust: trusted_root %s: %w", t.TrustedRoot, err)
		}
		r.sigstore = &keylessTrust{root: tr, path: t.TrustedRoot}
	} else if len(r.keyless) > 0 {
		e := r.keyless[0]
		return nil, fmt.Errorf("trust: identity %q signer %q: a keyless signer needs trust.trusted_root (a sigstore trusted_root.json in the control repo)", e.identity, e.signer)
	}
	if len(t.TSARoots) > 0 {
		if r.tsa, err = l.pool(t.TSARoots...); err != nil {
			return nil, fmt.Errorf("trust: tsa_roots: %w", err)
		}
	}
	r.acceptCommitterTime = t.AcceptCommitterTime
	for i := range r.x509 {
		e := &r.x509[i]
		if e.ca, err = l.pool(e.caPath); err != nil {
			return nil, fmt.Errorf("trust: identity %q signer %q: ca: %w", e.identity, e.signer, err)
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
