package schemas

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/writ-dev/writ/gitstore/signing/sigstoretest"
	"golang.org/x/crypto/ssh"
)

// Public material generated once per test run.
func testCertPEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Root"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<33, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func testPubPEM(t *testing.T, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// testTrustedRoot renders a trusted_root.json whose Fulcio CA is the
// certificate in rootPEM, with a CT log and, when rekor is set, a Rekor
// log.
func testTrustedRoot(t *testing.T, rootPEM string, ct, rekor bool) string {
	t.Helper()
	blk, _ := pem.Decode([]byte(rootPEM))
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tr := sigstoretest.TrustedRoot{Fulcio: []sigstoretest.CA{{Chain: []*x509.Certificate{c}, Start: c.NotBefore}}}
	if ct {
		tr.CTLogs = []sigstoretest.Log{{Key: &k.PublicKey, Start: c.NotBefore}}
	}
	if rekor {
		tr.Rekor = []sigstoretest.Log{{Key: &k.PublicKey, Start: c.NotBefore}}
	}
	data, err := tr.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func testPGPKey(t *testing.T, name string) string {
	t.Helper()
	e, err := openpgp.NewEntity(name, "", name+"@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Serialize(w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return buf.String()
}

func weakSSH(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

// indent indents every line of s by n spaces, for a YAML block scalar.
func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pad) + "\n"
}

// signersRepo is miniRepo whose bob has the given signers YAML (at 6
// spaces) and whose writ.yaml ends with trust (top level).
func signersRepo(signers, trust string, files map[string]string) map[string]string {
	cfg := strings.Replace(miniRepo["writ.yaml"], "    signers:\n      - ssh: "+keyBob+"\n", "    signers:\n"+signers, 1)
	out := map[string]string{"writ.yaml": cfg + trust}
	for k, v := range files {
		out[k] = v
	}
	return out
}

func TestSignerKinds(t *testing.T) {
	root := testCertPEM(t)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	pgpKey := testPGPKey(t, "bob")
	files := map[string]string{"trust/root.pem": root, "trust/rekor.pub": testPubPEM(t, &ec.PublicKey),
		"trust/trusted_root.json": testTrustedRoot(t, root, true, true), "trust/no-rekor.json": testTrustedRoot(t, root, true, false),
		"trust/no-ct.json": testTrustedRoot(t, root, false, false)}
	trust := "trust:\n  trusted_root: trust/trusted_root.json\n  accept_committer_time: true\n"
	keyless := "      - keyless:\n          identity: bob@example.com\n          issuer: https://issuer.example\n"

	// Every kind together is valid.
	all := "      - ssh: " + keyBob + "\n" +
		"      - pgp: |\n" + indent(pgpKey, 10) +
		"      - x509:\n          email: bob@example.com\n          ca: trust/root.pem\n" +
		keyless +
		"      - keyless:\n          identity_pattern: '.*@example\\.com'\n          issuer_pattern: 'https://.*'\n          rekor: true\n" +
		"      - key: |\n" + indent(testPubPEM(t, &ec.PublicKey), 10) +
		"        revoked_at: 2026-01-02T00:00:00Z\n"
	if ps := ValidateRepo(repo(signersRepo(all, trust, files))); len(ps) > 0 {
		t.Fatal(ps)
	}
	b, ps := LoadBundle(repo(signersRepo(all, trust, files)))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	bob, _ := b.Identity("bob")
	var kinds []string
	for _, s := range bob.Signers {
		kinds = append(kinds, string(s.Kind()))
	}
	if got := strings.Join(kinds, ","); got != "ssh,pgp,x509,keyless,keyless,key" {
		t.Errorf("kinds = %s", got)
	}
	if bob.Signers[5].RevokedAt != "2026-01-02T00:00:00Z" || b.Config.Trust == nil || !b.Config.Trust.AcceptCommitterTime {
		t.Errorf("decoded %+v, trust %+v", bob.Signers[5], b.Config.Trust)
	}

	const w = "writ.yaml"
	tests := []struct {
		name           string
		signers, trust string
		files          map[string]string
		want           want
	}{
		{"two kinds", "      - ssh: " + keyBob + "\n        key: x\n", "", nil,
			want{w, 18, 9, "identities[1].signers[0]", "set exactly one of ssh, pgp, x509, keyless, key (found ssh and key)"}},
		{"no kind", "      - name: nothing\n", "", nil,
			want{w, 18, 9, "identities[1].signers[0]", "set exactly one of ssh, pgp, x509, keyless, key"}},
		{"keyless identity and pattern", "      - keyless:\n          identity: a\n          identity_pattern: a\n          issuer: i\n", trust, files,
			want{w, 19, 11, "identities[1].signers[0].keyless", "set exactly one of identity, identity_pattern (found identity and identity_pattern)"}},
		{"keyless no issuer", "      - keyless:\n          identity: a\n", trust, files,
			want{w, 19, 11, "identities[1].signers[0].keyless", "set exactly one of issuer, issuer_pattern"}},
		{"keyless bad pattern", "      - keyless:\n          identity_pattern: '('\n          issuer: i\n", trust, files,
			want{w, 19, 29, "identities[1].signers[0].keyless.identity_pattern", "signer 0: invalid pattern"}},
		{"keyless without a trusted root", keyless, "", nil,
			want{w, 19, 11, "identities[1].signers[0].keyless", "needs trust.trusted_root"}},
		{"rekor without a rekor log", "      - keyless:\n          identity: a\n          issuer: i\n          rekor: true\n", "trust:\n  trusted_root: trust/no-rekor.json\n", files,
			want{w, 0, 0, "trust.trusted_root", "lists no Rekor log (tlogs), which keyless signers with rekor: true need"}},
		{"keyless without a CT log", keyless, "trust:\n  trusted_root: trust/no-ct.json\n", files,
			want{w, 0, 0, "trust.trusted_root", "lists no certificate-transparency log (ctlogs)"}},
		{"same keyless twice", keyless + keyless, trust, files,
			want{w, 22, 11, "identities[1].signers[1].keyless", "same keyless identity and issuer as signer 0"}},
		{"bad revoked_at", "      - ssh: " + keyBob + "\n        revoked_at: yesterday\n", "", nil,
			want{w, 19, 21, "identities[1].signers[0].revoked_at", `invalid time "yesterday" (want RFC 3339`}},
		{"short rsa ssh key", "      - ssh: " + weakSSH(t) + "\n", "", nil,
			want{w, 18, 14, "identities[1].signers[0].ssh", "signer 0: unsupported key type: RSA key of 1024 bits"}},
		{"bad pgp", "      - pgp: not a key\n", "", nil,
			want{w, 18, 14, "identities[1].signers[0].pgp", "invalid OpenPGP public key"}},
		{"shared pgp", "      - pgp: |\n" + indent(pgpKey, 10) + "      - pgp: |\n" + indent(pgpKey, 10), "", nil,
			want{w, 0, 14, "identities[1].signers[1].pgp", "same OpenPGP key as signer 0"}},
		{"bad key pem", "      - key: nope\n", "", nil,
			want{w, 18, 14, "identities[1].signers[0].key", `want one PEM "PUBLIC KEY" block`}},
		{"small rsa key", "      - key: |\n" + indent(testPubPEM(t, &small.PublicKey), 10), "", nil,
			want{w, 18, 14, "identities[1].signers[0].key", "RSA key of 1024 bits"}},
		{"x509 without email or subject", "      - x509:\n          ca: trust/root.pem\n", trust, files,
			want{w, 19, 11, "identities[1].signers[0].x509", "set at least one of email, subject"}},
		{"x509 missing ca file", "      - x509:\n          email: b@example.com\n          ca: trust/nope.pem\n", trust, files,
			want{w, 20, 15, "identities[1].signers[0].x509.ca", "cannot read trust/nope.pem: file is missing"}},
		{"x509 ca is not a cert", "      - x509:\n          email: b@example.com\n          ca: trust/rekor.pub\n", trust, files,
			want{w, 20, 15, "identities[1].signers[0].x509.ca", `trust/rekor.pub: PEM block "PUBLIC KEY" is not a CERTIFICATE`}},
		{"trusted root path escapes", keyless, "trust:\n  trusted_root: ../trusted_root.json\n", files,
			want{w, 0, 0, "trust.trusted_root", "a relative path inside the control repo"}},
		{"trusted root missing", keyless, "trust:\n  trusted_root: trust/missing.json\n", files,
			want{w, 0, 0, "trust.trusted_root", "file is missing"}},
		{"truncated trusted root", keyless, "trust:\n  trusted_root: trust/cut.json\n", map[string]string{"trust/cut.json": files["trust/trusted_root.json"][:80]},
			want{w, 0, 0, "trust.trusted_root", "trust/cut.json: not a sigstore trusted root"}},
		{"PEM where the trusted root belongs", keyless, "trust:\n  trusted_root: trust/root.pem\n", files,
			want{w, 0, 0, "trust.trusted_root", "trust/root.pem: not a sigstore trusted root"}},
		{"truncated tsa root", keyless, "trust:\n  trusted_root: trust/trusted_root.json\n  tsa_roots: [trust/cut.pem]\n", map[string]string{"trust/cut.pem": root[:len(root)/2], "trust/trusted_root.json": files["trust/trusted_root.json"]},
			want{w, 0, 0, "trust.tsa_roots[0]", "trust/cut.pem:"}},
		{"the old fulcio_roots", keyless, "trust:\n  fulcio_roots: [trust/root.pem]\n", files,
			want{w, 0, 0, "trust.fulcio_roots", `unknown field "fulcio_roots" (replaced by trusted_root: a sigstore trusted_root.json`}},
		{"unknown trust field", keyless, "trust:\n  trusted_roots: trust/trusted_root.json\n", files,
			want{w, 0, 0, "trust.trusted_roots", `unknown field "trusted_roots" (did you mean "trusted_root"?)`}},
		{"trusted root outside trust/", keyless, "trust:\n  trusted_root: certs/trusted_root.json\n", map[string]string{"certs/trusted_root.json": files["trust/trusted_root.json"]},
			want{w, 0, 0, "trust.trusted_root", "certs/trusted_root.json is outside trust/"}},
		{"x509 ca outside trust/", "      - x509:\n          email: b@example.com\n          ca: root.pem\n", trust, map[string]string{"trust/root.pem": root, "trust/rekor.pub": files["trust/rekor.pub"], "root.pem": root},
			want{w, 20, 15, "identities[1].signers[0].x509.ca", "root.pem is outside trust/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := ValidateRepo(repo(signersRepo(tt.signers, tt.trust, tt.files)))
			checkInvariants(t, ps)
			expectProblem(t, ps, tt.want)
		})
	}
}
