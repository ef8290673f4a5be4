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
	files := map[string]string{"trust/root.pem": root, "trust/rekor.pub": testPubPEM(t, &ec.PublicKey)}
	trust := "trust:\n  fulcio_roots: [trust/root.pem]\n  rekor_public_key: trust/rekor.pub\n  accept_committer_time: true\n"
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
		{"keyless without roots", keyless, "", nil,
			want{w, 19, 11, "identities[1].signers[0].keyless", "needs trust.fulcio_roots"}},
		{"rekor without key", "      - keyless:\n          identity: a\n          issuer: i\n          rekor: true\n", "trust:\n  fulcio_roots: [trust/root.pem]\n", files,
			want{w, 21, 18, "identities[1].signers[0].keyless.rekor", "rekor: true needs trust.rekor_public_key"}},
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
		{"root path escapes", keyless, "trust:\n  fulcio_roots: [../root.pem]\n", files,
			want{w, 0, 0, "trust.fulcio_roots[0]", "a relative path inside the control repo"}},
		{"root outside trust/", keyless, "trust:\n  fulcio_roots: [certs/root.pem]\n", map[string]string{"certs/root.pem": root},
			want{w, 0, 0, "trust.fulcio_roots[0]", "certs/root.pem is outside trust/"}},
		{"x509 ca outside trust/", "      - x509:\n          email: b@example.com\n          ca: root.pem\n", trust, map[string]string{"trust/root.pem": root, "trust/rekor.pub": files["trust/rekor.pub"], "root.pem": root},
			want{w, 20, 15, "identities[1].signers[0].x509.ca", "root.pem is outside trust/"}},
		{"root missing", keyless, "trust:\n  fulcio_roots: [trust/missing.pem]\n", files,
			want{w, 0, 0, "trust.fulcio_roots[0]", "file is missing"}},
		{"truncated root", keyless, "trust:\n  fulcio_roots: [trust/cut.pem]\n", map[string]string{"trust/cut.pem": root[:len(root)/2]},
			want{w, 0, 0, "trust.fulcio_roots[0]", "trust/cut.pem:"}},
		{"rekor key is a cert", keyless, "trust:\n  fulcio_roots: [trust/root.pem]\n  rekor_public_key: trust/root.pem\n", files,
			want{w, 0, 0, "trust.rekor_public_key", `want one PEM "PUBLIC KEY" block`}},
		{"unknown trust field", keyless, "trust:\n  fulcio_root: [trust/root.pem]\n", files,
			want{w, 0, 0, "trust.fulcio_root", `unknown field "fulcio_root" (did you mean "fulcio_roots"?)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := ValidateRepo(repo(signersRepo(tt.signers, tt.trust, tt.files)))
			checkInvariants(t, ps)
			expectProblem(t, ps, tt.want)
		})
	}
}
