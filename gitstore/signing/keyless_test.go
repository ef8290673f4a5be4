package signing

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/github/smimesign/ietf-cms/protocol"
	"github.com/writ-dev/writ/gitstore/signing/sigstoretest"
	"github.com/writ-dev/writ/schemas"
)

const (
	issuerGoogle = "https://accounts.google.com"
	issuerGitHub = "https://token.actions.githubusercontent.com"
	ciWorkflow   = "https://github.com/writ-dev/writ/.github/workflows/release.yml@refs/heads/main"
)

var payload = []byte("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@example.com> 1772366400 +0000\ncommitter A <a@example.com> 1772366400 +0000\n\nsigned\n")

// keylessFx is a Fulcio-style PKI (root, intermediate) whose certificates
// carry an SCT from a CT log, a Rekor log and a timestamp authority, with
// a control repo holding their trusted root (trust/trusted_root.json).
type keylessFx struct {
	root, inter *testCA
	ct          *sigstoretest.CTLog
	rekor       *testRekor
	tsa         *testTSA
	files       trustFiles
}

var (
	kfxOnce sync.Once
	kfx     *keylessFx
)

func keylessFixture(t testing.TB) *keylessFx {
	kfxOnce.Do(func() {
		root := newRoot(t, "Test Fulcio Root")
		ct, err := sigstoretest.NewCTLog()
		if err != nil {
			t.Fatal(err)
		}
		inter := root.intermediate(t, "Test Fulcio Intermediate")
		inter.ct = ct
		f := &keylessFx{root: root, inter: inter, ct: ct, rekor: newTestRekor(t), tsa: newTestTSA(t)}
		f.files = trustFiles{}.add("trust/trusted_root.json", f.trustedRoot(t, sigstoretest.TrustedRoot{}))
		kfx = f
	})
	return kfx
}

// trustedRoot renders tr, with the fixture's Fulcio CA, CT log, Rekor log
// and timestamp authority for whichever of them tr leaves empty.
func (f *keylessFx) trustedRoot(t testing.TB, tr sigstoretest.TrustedRoot) []byte {
	t.Helper()
	if tr.Fulcio == nil {
		tr.Fulcio = []sigstoretest.CA{{Chain: []*x509.Certificate{f.inter.cert, f.root.cert}, Start: tLong}}
	}
	if tr.CTLogs == nil {
		tr.CTLogs = []sigstoretest.Log{{Key: &f.ct.Key.PublicKey, Start: tLong}}
	}
	if tr.Rekor == nil {
		tr.Rekor = []sigstoretest.Log{{Key: &f.rekor.key.PublicKey, Start: tLong, BaseURL: "https://rekor.test"}}
	}
	if tr.TSAs == nil {
		tr.TSAs = []sigstoretest.CA{{Chain: []*x509.Certificate{f.tsa.ca.cert}, Start: tLong}}
	}
	data, err := tr.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// keylessIDs: alice by exact email and issuer; ci by workflow URI pattern,
// with Rekor; bob revoked at tSign.
func keylessIDs() []schemas.Identity {
	return []schemas.Identity{
		signerID("alice", schemas.Signer{Name: "google", Keyless: &schemas.KeylessSigner{Identity: "alice@example.com", Issuer: issuerGoogle}}),
		signerID("ci", schemas.Signer{Name: "release", Keyless: &schemas.KeylessSigner{
			IdentityPattern: `https://github\.com/writ-dev/writ/\.github/workflows/[a-z]+\.yml@refs/heads/main`, IssuerPattern: `https://token\.actions\.githubusercontent\.com`, Rekor: true}}),
		signerID("bob", schemas.Signer{Keyless: &schemas.KeylessSigner{Identity: "bob@example.com", Issuer: issuerGoogle}, RevokedAt: tSign.Format(time.RFC3339)}),
	}
}

// ring builds a ring of keylessIDs and ids under trust, whose trusted
// root is the fixture's unless trust names another.
func (f *keylessFx) ring(t testing.TB, trust schemas.Trust, ids ...schemas.Identity) *KeyRing {
	if trust.TrustedRoot == "" {
		trust.TrustedRoot = "trust/trusted_root.json"
	}
	return newTrustRing(t, append(keylessIDs(), ids...), &trust, f.files)
}

// sign issues a Fulcio leaf under the intermediate and signs payload.
func (f *keylessFx) sign(t testing.TB, o fulcioOpts, c cmsOpts) string {
	leaf, key := f.inter.fulcioLeaf(t, o)
	return signCMS(t, payload, key, []*x509.Certificate{leaf}, c)
}

var (
	alice = fulcioOpts{email: "alice@example.com", issuerV2: issuerGoogle}
	ci    = fulcioOpts{uri: ciWorkflow, issuerV2: issuerGitHub}
)

func TestKeyless(t *testing.T) {
	f := keylessFixture(t)
	accept := schemas.Trust{AcceptCommitterTime: true}
	strict := schemas.Trust{}
	other := newRoot(t, "Other Root")
	otherCT, err := sigstoretest.NewCTLog()
	if err != nil {
		t.Fatal(err)
	}
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	with := func(o fulcioOpts, mod func(*fulcioOpts)) fulcioOpts { mod(&o); return o }
	rekorSig := func(o rekorOpts) cmsOpts { return cmsOpts{unsigned: f.rekor.entry(t, o)} }
	both := func(si *protocol.SignerInfo, leaf *x509.Certificate) protocol.Attributes {
		return append(f.tsa.token(t, tSign, false)(si, leaf), f.rekor.entry(t, rekorOpts{})(si, leaf)...)
	}

	tests := []struct {
		name     string
		sig      func() string
		trust    schemas.Trust
		at       time.Time
		want     error
		wantID   string
		wantTime TimeSource
		contains string
	}{
		{"email and issuer, committer time", func() string { return f.sign(t, alice, cmsOpts{}) }, accept, tSign, nil, "alice", TimeClaimed, ""},
		{"issuer v1 extension only", func() string {
			return f.sign(t, fulcioOpts{email: "alice@example.com", issuerV1: issuerGoogle}, cmsOpts{})
		}, accept, tSign, nil, "alice", TimeClaimed, ""},
		{"both issuer extensions", func() string {
			return f.sign(t, with(alice, func(o *fulcioOpts) { o.issuerV1 = issuerGoogle }), cmsOpts{})
		}, accept, tSign, nil, "alice", TimeClaimed, ""},
		{"no time given: signing-time attribute", func() string { return f.sign(t, alice, cmsOpts{}) }, accept, time.Time{}, nil, "alice", TimeClaimed, ""},
		{"uri pattern with rekor signed entry timestamp", func() string { return f.sign(t, ci, rekorSig(rekorOpts{})) }, strict, time.Time{}, nil, "ci", TimeRekor, ""},
		{"rekor set and inclusion proof", func() string { return f.sign(t, ci, rekorSig(rekorOpts{proof: true})) }, strict, time.Time{}, nil, "ci", TimeRekor, ""},
		{"rfc 3161 timestamp", func() string {
			return f.sign(t, alice, cmsOpts{unsigned: f.tsa.token(t, tSign, false)})
		}, strict, time.Time{}, nil, "alice", TimeTimestamp, ""},
		{"timestamp and rekor entry: the timestamp dates it", func() string { return f.sign(t, ci, cmsOpts{unsigned: both}) }, strict, time.Time{}, nil, "ci", TimeTimestamp, ""},
		{"revoked after signing", func() string {
			return f.sign(t, with(alice, func(o *fulcioOpts) { o.email = "bob@example.com" }), cmsOpts{signingTime: tSign.Add(-time.Second)})
		}, accept, tSign.Add(-time.Second), nil, "bob", TimeClaimed, ""},
		{"inclusion proof with committer time", func() string { return f.sign(t, ci, rekorSig(rekorOpts{noSET: true, proof: true})) }, accept, tSign, nil, "ci", TimeClaimed, ""},

		// Refusals: time.
		{"no trusted time", func() string { return f.sign(t, alice, cmsOpts{}) }, strict, tSign, ErrNoTrustedTime, "", "", "accept_committer_time is false"},
		{"inclusion proof gives no time", func() string { return f.sign(t, ci, rekorSig(rekorOpts{noSET: true, proof: true})) }, strict, tSign, ErrNoTrustedTime, "", "", ""},
		{"expired at committer time", func() string { return f.sign(t, alice, cmsOpts{}) }, accept, tSign.Add(20 * time.Minute), ErrExpired, "", "", "had expired at the claimed signing time"},
		{"not yet valid at committer time", func() string { return f.sign(t, alice, cmsOpts{}) }, accept, tSign.Add(-time.Hour), ErrExpired, "", "", "is not yet valid at the claimed signing time"},
		{"rekor time outside validity", func() string {
			return f.sign(t, ci, rekorSig(rekorOpts{integrated: tSign.Add(time.Hour)}))
		}, strict, time.Time{}, ErrExpired, "", "", "had expired at the Rekor integrated time"},
		{"timestamp outside validity", func() string {
			return f.sign(t, alice, cmsOpts{unsigned: f.tsa.token(t, tSign.Add(time.Hour), false)})
		}, strict, time.Time{}, ErrExpired, "", "", "had expired at the RFC 3161 timestamp"},
		{"timestamp of another signature", func() string {
			return f.sign(t, alice, cmsOpts{unsigned: f.tsa.token(t, tSign, true)})
		}, strict, time.Time{}, ErrNoTrustedTime, "", "", "hashed messages don't match"},
		{"timestamp from an authority the trusted root does not list", func() string {
			return f.sign(t, alice, cmsOpts{unsigned: newTestTSA(t).token(t, tSign, false)})
		}, accept, tSign, ErrNoTrustedTime, "", "", "timestamp authority of trust/trusted_root.json"},

		// Refusals: identity.
		{"wrong identity", func() string {
			return f.sign(t, with(alice, func(o *fulcioOpts) { o.email = "mallory@example.com" }), cmsOpts{})
		}, accept, tSign, ErrUnknownSigner, "", "", `no keyless signer for identity "mallory@example.com"`},
		{"wrong identity with a rekor entry", func() string {
			return f.sign(t, with(alice, func(o *fulcioOpts) { o.email = "mallory@example.com" }), rekorSig(rekorOpts{}))
		}, strict, tSign, ErrUnknownSigner, "", "", `no keyless signer for identity "mallory@example.com"`},
		{"wrong issuer", func() string {
			return f.sign(t, with(alice, func(o *fulcioOpts) { o.issuerV2 = "https://evil.example" }), cmsOpts{})
		}, accept, tSign, ErrUnknownSigner, "", "", `issuer "https://evil.example" is not the one signer alice/google accepts`},
		{"pattern is anchored", func() string {
			return f.sign(t, with(ci, func(o *fulcioOpts) { o.uri = "https://evil.example/" + ciWorkflow }), rekorSig(rekorOpts{}))
		}, accept, tSign, ErrUnknownSigner, "", "", ""},
		{"issuer extensions disagree", func() string {
			return f.sign(t, with(alice, func(o *fulcioOpts) { o.issuerV1 = "https://evil.example" }), cmsOpts{})
		}, accept, tSign, ErrUntrustedCertificate, "", "", "issuer extensions disagree"},
		{"two identities in one certificate", func() string {
			return f.sign(t, with(alice, func(o *fulcioOpts) { o.uri = ciWorkflow }), cmsOpts{})
		}, accept, tSign, ErrUntrustedCertificate, "", "", "names 2 identities"},
		{"revoked at signing time", func() string {
			return f.sign(t, with(alice, func(o *fulcioOpts) { o.email = "bob@example.com" }), cmsOpts{})
		}, accept, tSign, ErrRevoked, "", "", `identity "bob" signer "0" was revoked at 2026-03-01T12:00:00Z`},

		// Refusals: the certificate.
		{"chain to an unknown root", func() string {
			leaf, key := other.fulcioLeaf(t, with(alice, func(o *fulcioOpts) { o.ct = f.ct }))
			return signCMS(t, payload, key, []*x509.Certificate{leaf}, cmsOpts{})
		}, accept, tSign, ErrUntrustedCertificate, "", "", "does not chain to a Fulcio certificate authority in trust/trusted_root.json"},
		{"chain to an unknown root, with a rekor entry", func() string {
			leaf, key := other.fulcioLeaf(t, with(ci, func(o *fulcioOpts) { o.ct = f.ct }))
			return signCMS(t, payload, key, []*x509.Certificate{leaf}, rekorSig(rekorOpts{}))
		}, strict, time.Time{}, ErrUntrustedCertificate, "", "", "does not chain to a Fulcio certificate authority"},
		{"missing SCT", func() string { return f.sign(t, with(alice, func(o *fulcioOpts) { o.noSCT = true }), cmsOpts{}) }, accept, tSign, ErrUntrustedCertificate, "", "", "signed certificate timestamp"},
		{"missing SCT, with a rekor entry", func() string {
			return f.sign(t, with(ci, func(o *fulcioOpts) { o.noSCT = true }), rekorSig(rekorOpts{}))
		}, strict, time.Time{}, ErrUntrustedCertificate, "", "", "signed certificate timestamp"},
		{"forged SCT", func() string { return f.sign(t, with(alice, func(o *fulcioOpts) { o.forgeSCT = true }), cmsOpts{}) }, accept, tSign, ErrUntrustedCertificate, "", "", "signed certificate timestamp"},
		{"forged SCT, with a timestamp", func() string {
			return f.sign(t, with(alice, func(o *fulcioOpts) { o.forgeSCT = true }), cmsOpts{unsigned: f.tsa.token(t, tSign, false)})
		}, strict, time.Time{}, ErrUntrustedCertificate, "", "", "signed certificate timestamp"},
		{"SCT from a log the trusted root does not list", func() string {
			return f.sign(t, with(alice, func(o *fulcioOpts) { o.ct = otherCT }), cmsOpts{})
		}, accept, tSign, ErrUntrustedCertificate, "", "", "signed certificate timestamp"},
		{"unknown critical extension", func() string {
			return f.sign(t, with(alice, func(o *fulcioOpts) {
				o.extra = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4, 5}, Critical: true, Value: []byte{5, 0}}}
			}), cmsOpts{})
		}, accept, tSign, ErrUntrustedCertificate, "", "", "unknown critical extension"},
		{"server-auth certificate", func() string {
			return f.sign(t, with(alice, func(o *fulcioOpts) { o.eku = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} }), cmsOpts{})
		}, accept, tSign, ErrUntrustedCertificate, "", "", "extended key usage"},
		{"weak rsa key", func() string {
			return f.sign(t, with(alice, func(o *fulcioOpts) { o.key = rsa1024 }), cmsOpts{})
		}, accept, tSign, ErrUnsupportedSignature, "", "", "RSA key of 1024 bits"},
		{"signed by another key", func() string {
			leaf, _ := f.inter.fulcioLeaf(t, alice)
			return signCMS(t, payload, ecKey(t), []*x509.Certificate{leaf}, cmsOpts{})
		}, accept, tSign, ErrBadSignature, "", "", ""},

		// Refusals: the transparency log.
		{"rekor required but absent", func() string { return f.sign(t, ci, cmsOpts{}) }, accept, tSign, ErrTransparencyLog, "", "", "requires a Rekor entry"},
		{"bad signed entry timestamp", func() string { return f.sign(t, ci, rekorSig(rekorOpts{badSET: true})) }, strict, time.Time{}, ErrTransparencyLog, "", "", "signed entry timestamp of Rekor entry 3 does not verify"},
		{"rekor entry for another signature", func() string { return f.sign(t, ci, rekorSig(rekorOpts{body: []byte(`{"kind":"hashedrekord"}`)})) }, strict, time.Time{}, ErrTransparencyLog, "", "", ""},
		{"rekor entry from a log the trusted root does not list", func() string { return f.sign(t, alice, rekorSig(rekorOpts{logID: make([]byte, 32)})) }, accept, tSign, ErrTransparencyLog, "", "", "which trust/trusted_root.json does not list"},
		{"rekor entry of another kind", func() string { return f.sign(t, ci, rekorSig(rekorOpts{kind: "intoto", version: "0.0.2"})) }, strict, time.Time{}, ErrTransparencyLog, "", "", "kind"},
		{"tampered inclusion proof", func() string { return f.sign(t, ci, rekorSig(rekorOpts{noSET: true, proof: true, tamperProof: true})) }, accept, tSign, ErrTransparencyLog, "", "", "Rekor"},
		{"tampered inclusion proof beside a good SET", func() string { return f.sign(t, ci, rekorSig(rekorOpts{proof: true, tamperProof: true})) }, strict, time.Time{}, ErrTransparencyLog, "", "", "Rekor"},
		{"checkpoint by another key", func() string { return f.sign(t, ci, rekorSig(rekorOpts{noSET: true, proof: true, otherCkptKey: true})) }, accept, tSign, ErrTransparencyLog, "", "", "checkpoint"},
		{"checkpoint naming another key", func() string { return f.sign(t, ci, rekorSig(rekorOpts{noSET: true, proof: true, badHint: true})) }, accept, tSign, ErrTransparencyLog, "", "", "checkpoint"},
		{"empty rekor entry", func() string {
			return f.sign(t, ci, cmsOpts{unsigned: func(*protocol.SignerInfo, *x509.Certificate) protocol.Attributes {
				a, _ := protocol.NewAttribute(oidRekorEntry, []byte{})
				return protocol.Attributes{a}
			}})
		}, strict, time.Time{}, ErrTransparencyLog, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ring := f.ring(t, tt.trust)
			v, err := VerifyPayloadAt(payload, tt.sig(), ring, tt.at)
			if tt.want != nil {
				if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.contains) {
					t.Fatalf("err = %v, want %v containing %q", err, tt.want, tt.contains)
				}
				if v != (Verified{}) {
					t.Errorf("refusal returned %+v", v)
				}
				return
			}
			if err != nil {
				t.Fatalf("VerifyPayloadAt: %v", err)
			}
			if v.Identity != tt.wantID || v.TimeSource != tt.wantTime || v.Format != FormatKeyless || v.Issuer == "" || v.Subject == "" || v.SignedAt.IsZero() {
				t.Errorf("Verified = %+v, want identity %s, time from %q", v, tt.wantID, tt.wantTime)
			}
		})
	}
}

func TestKeylessRefusesTamperedPayload(t *testing.T) {
	f := keylessFixture(t)
	sig := f.sign(t, alice, cmsOpts{})
	ring := f.ring(t, schemas.Trust{AcceptCommitterTime: true})
	if _, err := VerifyPayloadAt(append([]byte("x"), payload...), sig, ring, tSign); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("err = %v, want ErrBadSignature", err)
	}
	// The same with a Rekor entry and a timestamp, which sigstore-go would
	// accept: they cover the signed attributes, whose message digest is
	// the commit's, and the commit changed.
	strict := f.ring(t, schemas.Trust{})
	dated := f.sign(t, ci, cmsOpts{unsigned: func(si *protocol.SignerInfo, leaf *x509.Certificate) protocol.Attributes {
		return append(f.tsa.token(t, tSign, false)(si, leaf), f.rekor.entry(t, rekorOpts{proof: true})(si, leaf)...)
	}})
	if _, err := VerifyPayloadAt(payload, dated, strict, time.Time{}); err != nil {
		t.Fatalf("untampered, with Rekor entry and timestamp: %v", err)
	}
	if _, err := VerifyPayloadAt(append(payload, '\n'), dated, strict, time.Time{}); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("tampered, with Rekor entry and timestamp: err = %v, want ErrBadSignature", err)
	}
	// A ring built without trust files knows the signer but no root.
	plain, err := NewKeyRing(keylessIDs())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyPayloadAt(payload, sig, plain, tSign); !errors.Is(err, ErrUntrustedCertificate) {
		t.Fatalf("NewKeyRing ring: err = %v, want a refusal", err)
	}
	if _, err := VerifyPayloadAt(payload, sig, nil, tSign); !errors.Is(err, ErrUnknownSigner) {
		t.Fatalf("nil ring: err = %v, want ErrUnknownSigner", err)
	}
}

func TestKeylessAmbiguousPatterns(t *testing.T) {
	f := keylessFixture(t)
	greedy := signerID("greedy", schemas.Signer{Keyless: &schemas.KeylessSigner{IdentityPattern: `.*@example\.com`, Issuer: issuerGoogle}})
	ring := f.ring(t, schemas.Trust{AcceptCommitterTime: true}, greedy)
	_, err := VerifyPayloadAt(payload, f.sign(t, alice, cmsOpts{}), ring, tSign)
	if !errors.Is(err, ErrUnknownSigner) || !strings.Contains(err.Error(), "ambiguous: identities alice, greedy") {
		t.Fatalf("err = %v, want an ambiguity refusal", err)
	}
}

func TestCertificateChains(t *testing.T) {
	f := keylessFixture(t)
	ring := f.ring(t, schemas.Trust{AcceptCommitterTime: true})

	// As in a sigstore bundle, only the leaf counts: intermediates come from
	// the trusted root, and one the signature alone carries is not trusted.
	rootOnly := trustFiles{}.add("trust/root.json", f.trustedRoot(t, sigstoretest.TrustedRoot{
		Fulcio: []sigstoretest.CA{{Chain: []*x509.Certificate{f.root.cert}, Start: tLong}}}))
	ring2 := newTrustRing(t, keylessIDs()[:1], &schemas.Trust{TrustedRoot: "trust/root.json", AcceptCommitterTime: true}, rootOnly)
	leaf, key := f.inter.fulcioLeaf(t, alice)
	bundled := signCMS(t, payload, key, []*x509.Certificate{leaf, f.inter.cert}, cmsOpts{})
	if _, err := VerifyPayloadAt(payload, bundled, ring2, tSign); !errors.Is(err, ErrUntrustedCertificate) {
		t.Fatalf("intermediate only in the signature: err = %v", err)
	}
	if _, err := VerifyPayloadAt(payload, bundled, ring, tSign); err != nil {
		t.Fatalf("intermediate in the trusted root and the signature: %v", err)
	}

	// A deeper chain than the trusted root's is not trusted, whatever the
	// signature bundles.
	ca := f.root
	var chain []*x509.Certificate
	for i := 0; i < maxChainLen; i++ {
		ca = ca.intermediate(t, "Deep "+string(rune('A'+i)))
		chain = append([]*x509.Certificate{ca.cert}, chain...)
	}
	ca.ct = f.ct
	deep, dkey := ca.fulcioLeaf(t, alice)
	sig := signCMS(t, payload, dkey, append([]*x509.Certificate{deep}, chain...), cmsOpts{})
	if _, err := VerifyPayloadAt(payload, sig, ring, tSign); !errors.Is(err, ErrUntrustedCertificate) || !strings.Contains(err.Error(), "does not chain") {
		t.Fatalf("long chain: err = %v", err)
	}

	// A Fulcio CA is trusted only in its validity period in the trusted
	// root, whatever its certificate says.
	retired := trustFiles{}.add("trust/retired.json", f.trustedRoot(t, sigstoretest.TrustedRoot{
		Fulcio: []sigstoretest.CA{{Chain: []*x509.Certificate{f.inter.cert, f.root.cert}, Start: tLong, End: tSign.Add(-time.Hour)}}}))
	ring3 := newTrustRing(t, keylessIDs()[:1], &schemas.Trust{TrustedRoot: "trust/retired.json", AcceptCommitterTime: true}, retired)
	if _, err := VerifyPayloadAt(payload, bundled, ring3, tSign); !errors.Is(err, ErrUntrustedCertificate) || !strings.Contains(err.Error(), "not trusted at the claimed signing time") {
		t.Fatalf("CA outside its validity period: err = %v", err)
	}

	// Two CAs that certify each other form a loop that never reaches a root.
	ka, kb := ecKey(t), ecKey(t)
	ta, tb := caTemplate("Loop A"), caTemplate("Loop B")
	a := issue(t, ta, &ka.PublicKey, &testCA{cert: tb, key: kb})
	b := issue(t, tb, &kb.PublicKey, &testCA{cert: ta, key: ka})
	looped, lkey := (&testCA{cert: a, key: ka, ct: f.ct}).fulcioLeaf(t, alice)
	sig = signCMS(t, payload, lkey, []*x509.Certificate{looped, a, b}, cmsOpts{})
	if _, err := VerifyPayloadAt(payload, sig, ring, tSign); !errors.Is(err, ErrUntrustedCertificate) {
		t.Fatalf("loop: err = %v", err)
	}

	// Too many certificates in one signature.
	many := []*x509.Certificate{leaf}
	for len(many) <= maxCMSCerts {
		many = append(many, f.inter.cert)
	}
	if _, err := VerifyPayloadAt(payload, signCMS(t, payload, key, many, cmsOpts{}), ring, tSign); !errors.Is(err, ErrMalformedSignature) {
		t.Fatalf("too many certificates: err = %v", err)
	}
}

// TestGitsignCommit: a commit written by go-git with the gitsign-format
// signer verifies through VerifyCommit at its committer time, and passes
// git fsck.
func TestGitsignCommit(t *testing.T) {
	f := keylessFixture(t)
	leaf, key := f.inter.fulcioLeaf(t, alice)
	signer := cmsGitSigner{t: t, key: key, chain: []*x509.Certificate{leaf}}
	c := commitWith(t, signer, tSign.Add(2*time.Minute))
	ring := f.ring(t, schemas.Trust{AcceptCommitterTime: true})
	v, err := VerifyCommit(c, ring)
	if err != nil {
		t.Fatalf("VerifyCommit: %v", err)
	}
	if v.Identity != "alice" || v.Subject != "alice@example.com" || v.Issuer != issuerGoogle || !v.SignedAt.Equal(tSign.Add(2*time.Minute)) {
		t.Errorf("Verified = %+v", v)
	}
	// The same signature on a commit claiming a later time is refused.
	late := commitWith(t, signer, tSign.Add(time.Hour))
	if _, err := VerifyCommit(late, ring); !errors.Is(err, ErrExpired) {
		t.Errorf("late commit: err = %v, want ErrExpired", err)
	}
	if _, err := VerifyCommit(c, f.ring(t, schemas.Trust{})); !errors.Is(err, ErrNoTrustedTime) {
		t.Errorf("policy without committer time: err = %v", err)
	}

	// With a Rekor entry the committer date does not matter: the
	// certificate is judged at the integrated time the log signed.
	logged := cmsGitSigner{t: t, key: key, chain: []*x509.Certificate{leaf}, opts: cmsOpts{unsigned: f.rekor.entry(t, rekorOpts{proof: true})}}
	strict := f.ring(t, schemas.Trust{})
	backdated := commitWith(t, logged, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	v, err = VerifyCommit(backdated, strict)
	if err != nil || v.TimeSource != TimeRekor || !v.SignedAt.Equal(tSign) {
		t.Errorf("backdated commit with a Rekor entry: %+v, %v", v, err)
	}
	late = commitWith(t, cmsGitSigner{t: t, key: key, chain: []*x509.Certificate{leaf},
		opts: cmsOpts{unsigned: f.rekor.entry(t, rekorOpts{integrated: tSign.Add(time.Hour)})}}, tSign)
	if _, err := VerifyCommit(late, strict); !errors.Is(err, ErrExpired) {
		t.Errorf("logged after the certificate expired, committer date inside it: err = %v, want ErrExpired", err)
	}
}

var _ crypto.Signer = (*rsa.PrivateKey)(nil)
