package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/gitstore/signing/sigstoretest"
)

// fakeGitsignEnv, when set in the environment of this test binary, makes
// it act as gitsign (see runFakeGitsign) instead of running tests; its
// value is the directory with the fake Fulcio's material.
const fakeGitsignEnv = "WRIT_TEST_FAKE_GITSIGN"

// fakeFulcio is a local certificate authority made as the keyless tests
// make theirs (adapters/keyless miniFulcio): a root certificate, a
// certificate-transparency log from sigstoretest whose SCT every leaf
// carries, and the trusted_root.json naming both, which a control repo's
// trust.trusted_root points at.
type fakeFulcio struct {
	dir         string // the CA's material, for the fake gitsign
	trustedRoot []byte
}

// newFakeFulcio makes the CA and writes its key, certificate and CT log
// key to a directory of their own.
func newFakeFulcio(t *testing.T) *fakeFulcio {
	t.Helper()
	ct, err := sigstoretest.NewCTLog()
	if err != nil {
		t.Fatal(err)
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fake fulcio"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(der)
	trusted, err := sigstoretest.TrustedRoot{Fulcio: []sigstoretest.CA{{Chain: []*x509.Certificate{root}, Start: root.NotBefore}},
		CTLogs: []sigstoretest.Log{{Key: &ct.Key.PublicKey, Start: root.NotBefore}}}.JSON()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, typ string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	caDER, _ := x509.MarshalECPrivateKey(caKey)
	ctDER, _ := x509.MarshalECPrivateKey(ct.Key)
	write("ca.pem", "CERTIFICATE", root.Raw)
	write("ca.key", "EC PRIVATE KEY", caDER)
	write("ct.key", "EC PRIVATE KEY", ctDER)
	return &fakeFulcio{dir: dir, trustedRoot: trusted}
}

// gitsign writes a gitsign-like program for identity (an email) at the
// OIDC issuer: a script that runs this test binary as runFakeGitsign, to
// be named by git's gpg.x509.program as gitsign is.
func (f *fakeFulcio) gitsign(t *testing.T, identity, issuer string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, "identity"), []byte(identity+"\n"+issuer+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "gitsign")
	body := fmt.Sprintf("#!/bin/sh\n%s='%s' exec '%s' \"$@\"\n", fakeGitsignEnv, f.dir, self)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return script
}

// runFakeGitsign is gitsign's signing path as git calls it (`gitsign
// --status-fd=2 -bsau KEY`, the commit on stdin): it makes an ephemeral
// P-256 key, has the fake Fulcio in dir certify it for the identity and
// issuer written there (email SAN, OIDC issuer extensions .1.1 and .1.8,
// code signing, ten minutes, an embedded SCT), signs the commit with a
// detached CMS signature carrying the leaf certificate, prints it armoured
// as SIGNED MESSAGE on stdout, and reports SIG_CREATED on the status fd.
// KEY is ignored, as gitsign ignores it. Unlike Fulcio, the certificate is
// valid from a minute before it is issued, so that the commit time git or
// writ stamped just before signing falls inside it; the control repo
// judges keyless signatures at that time (trust.accept_committer_time),
// since this fake writes no Rekor entry and has no timestamp authority.
func runFakeGitsign(dir string, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 || args[0] != "--status-fd=2" || !strings.HasPrefix(args[1], "-bsau") {
		return fmt.Errorf("fake gitsign: only signing (--status-fd=2 -bsau KEY) is supported, got %q", args)
	}
	read := func(name string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if blk, _ := pem.Decode(b); blk != nil {
			return blk.Bytes, nil
		}
		return b, nil
	}
	caDER, err := read("ca.pem")
	if err != nil {
		return err
	}
	root, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	caKeyDER, err := read("ca.key")
	if err != nil {
		return err
	}
	caKey, err := x509.ParseECPrivateKey(caKeyDER)
	if err != nil {
		return err
	}
	ctKeyDER, err := read("ct.key")
	if err != nil {
		return err
	}
	ctKey, err := x509.ParseECPrivateKey(ctKeyDER)
	if err != nil {
		return err
	}
	who, err := read("identity")
	if err != nil {
		return err
	}
	identity, issuer, ok := strings.Cut(strings.TrimSpace(string(who)), "\n")
	if !ok {
		return errors.New("fake gitsign: no issuer")
	}
	payload, err := io.ReadAll(stdin)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now().Truncate(time.Second)
	issV2, _ := asn1.MarshalWithParams(issuer, "utf8")
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), NotBefore: now.Add(-time.Minute), NotAfter: now.Add(10 * time.Minute),
		EmailAddresses: []string{identity}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		ExtraExtensions: []pkix.Extension{
			{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}, Value: []byte(issuer)},
			{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}, Value: issV2},
		}}
	ct, err := sigstoretest.CTLogWithKey(ctKey)
	if err != nil {
		return err
	}
	leaf, err := ct.Issue(tmpl, &key.PublicKey, root, caKey, sigstoretest.SCTOpts{At: now})
	if err != nil {
		return err
	}
	sig, err := signing.SignDetachedCMS(payload, key, []*x509.Certificate{leaf}, now, nil)
	if err != nil {
		return err
	}
	if _, err := stdout.Write(sig); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stderr, "[GNUPG:] BEGIN_SIGNING\n[GNUPG:] SIG_CREATED D 19 8 00 %d fake-gitsign\n", now.Unix())
	return err
}
