package signing

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/github/smimesign/ietf-cms/oid"
	"github.com/github/smimesign/ietf-cms/protocol"
	"github.com/writ-dev/writ/gitstore/signing/sigstoretest"
	"github.com/writ-dev/writ/schemas"
)

func TestNewTrustErrors(t *testing.T) {
	f := keylessFixture(t)
	root := certPEM(f.root.cert)
	files := trustFiles{}.add("trust/root.pem", root).add("trust/trusted_root.json", f.files["trust/trusted_root.json"].Data).
		add("trust/cut.pem", root[:len(root)/2]).add("trust/empty.pem", nil).add("trust/key.pem", []byte(pubPEM(t, &f.rekor.key.PublicKey))).
		add("trust/no-rekor.json", f.trustedRoot(t, sigstoretest.TrustedRoot{Rekor: []sigstoretest.Log{}})).
		add("trust/no-ct.json", f.trustedRoot(t, sigstoretest.TrustedRoot{CTLogs: []sigstoretest.Log{}})).
		add("trust/no-fulcio.json", f.trustedRoot(t, sigstoretest.TrustedRoot{Fulcio: []sigstoretest.CA{}})).
		add("trust/cut.json", f.files["trust/trusted_root.json"].Data[:100])
	alice := keylessIDs()[:1]
	ci := keylessIDs()[1:2]
	tests := []struct {
		name  string
		ids   []schemas.Identity
		trust *schemas.Trust
		want  string
	}{
		{"keyless without a trusted root", alice, nil, "a keyless signer needs trust.trusted_root"},
		{"rekor without a rekor log", ci, &schemas.Trust{TrustedRoot: "trust/no-rekor.json"}, "lists no Rekor log (tlogs)"},
		{"keyless without a CT log", alice, &schemas.Trust{TrustedRoot: "trust/no-ct.json"}, "lists no certificate-transparency log (ctlogs)"},
		{"keyless without a Fulcio CA", alice, &schemas.Trust{TrustedRoot: "trust/no-fulcio.json"}, "lists no Fulcio certificate authority"},
		{"missing trusted root", alice, &schemas.Trust{TrustedRoot: "trust/nope.json"}, "trust: trusted_root: trust/nope.json: open trust/nope.json: file does not exist"},
		{"truncated trusted root", alice, &schemas.Trust{TrustedRoot: "trust/cut.json"}, "trust/cut.json: not a sigstore trusted root"},
		{"PEM where the trusted root belongs", alice, &schemas.Trust{TrustedRoot: "trust/root.pem"}, "not a sigstore trusted root"},
		{"truncated pem", nil, &schemas.Trust{TSARoots: []string{"trust/cut.pem"}}, "trust/cut.pem: "},
		{"empty file", nil, &schemas.Trust{TSARoots: []string{"trust/empty.pem"}}, "no PEM CERTIFICATE block"},
		{"key where certificates belong", nil, &schemas.Trust{TSARoots: []string{"trust/key.pem"}}, `PEM block "PUBLIC KEY" is not a CERTIFICATE`},
		{"path escapes", alice, &schemas.Trust{TrustedRoot: "../trusted_root.json"}, "not a relative path"},
		{"absolute path", alice, &schemas.Trust{TrustedRoot: "/etc/trusted_root.json"}, "not a relative path"},
		{"x509 ca missing", []schemas.Identity{x509ID("carol", "c@example.com", "", "trust/ca.pem")}, nil, `identity "carol" signer "smime": ca: trust/ca.pem`},
		{"bad pattern", []schemas.Identity{signerID("x", schemas.Signer{Keyless: &schemas.KeylessSigner{IdentityPattern: "(", Issuer: "i"}})}, nil, "identity_pattern"},
		{"identity and pattern", []schemas.Identity{signerID("x", schemas.Signer{Keyless: &schemas.KeylessSigner{Identity: "a", IdentityPattern: "a", Issuer: "i"}})}, nil, "exactly one of identity and identity_pattern"},
		{"bad revoked_at", []schemas.Identity{signerID("x", schemas.Signer{Keyless: &schemas.KeylessSigner{Identity: "a", Issuer: "i"}, RevokedAt: "soon"})}, nil, `revoked_at "soon"`},
		{"bad pgp key", []schemas.Identity{signerID("x", schemas.Signer{PGP: "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n"})}, nil, "openpgp key"},
		{"bad public key", []schemas.Identity{signerID("x", schemas.Signer{Key: "nope"})}, nil, "invalid public key"},
		{"same public key twice", []schemas.Identity{keyID(t, "a", &f.rekor.key.PublicKey, ""), keyID(t, "b", &f.rekor.key.PublicKey, "")}, nil, `already belongs to identity "a"`},
		{"x509 without email or subject", []schemas.Identity{x509ID("x", "", "", "trust/root.pem")}, nil, "needs an email or a subject"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewTrust(&schemas.Config{Identities: tt.ids, Trust: tt.trust}, ReadFromFS(fstestFS(files)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want containing %q", err, tt.want)
			}
		})
	}
	if _, err := NewTrust(nil, nil); err == nil {
		t.Error("NewTrust(nil) succeeded")
	}
	if _, err := NewTrust(&schemas.Config{Identities: alice, Trust: &schemas.Trust{TrustedRoot: "trust/trusted_root.json"}}, nil); err == nil || !strings.Contains(err.Error(), "no file reader") {
		t.Errorf("nil reader: err = %v", err)
	}
	// Every kind counts in Len; files are read once each.
	reads := map[string]int{}
	read := func(p string) ([]byte, error) { reads[p]++; return fs.ReadFile(fstestFS(files), p) }
	ids := append(keylessIDs(), x509ID("carol", "c@example.com", "", "trust/root.pem"), x509ID("dan", "d@example.com", "", "trust/root.pem"))
	r, err := NewTrust(&schemas.Config{Identities: ids, Trust: &schemas.Trust{TrustedRoot: "trust/trusted_root.json"}}, read)
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 5 || reads["trust/root.pem"] != 1 {
		t.Errorf("Len = %d, reads = %v", r.Len(), reads)
	}
}

func fstestFS(f trustFiles) fs.FS { return fstest.MapFS(f) }

// TestSSHRevocation: revoked_at refuses SSH signatures made at or after it
// and keeps earlier ones, at the committer time or the time given.
func TestSSHRevocation(t *testing.T) {
	k := newKey(t, "alice")
	c := commitWith(t, k.signer, tSign)
	ring := func(revoked string) *KeyRing {
		return mustRing(t, signerID("alice", schemas.Signer{SSH: k.line, RevokedAt: revoked}))
	}
	tests := []struct {
		name    string
		revoked string
		at      *time.Time
		want    error
	}{
		{"not revoked", "", nil, nil},
		{"revoked later", "2026-03-02T00:00:00Z", nil, nil},
		{"revoked at the signing time", tSign.Format(time.RFC3339), nil, ErrRevoked},
		{"revoked earlier", "2026-01-01T00:00:00Z", nil, ErrRevoked},
		{"caller's time after revocation", "2026-03-02T00:00:00Z", ptr(tSign.Add(48 * time.Hour)), ErrRevoked},
		{"caller's time before revocation", "2026-01-01T00:00:00Z", ptr(tSign.Add(-90 * 24 * time.Hour)), nil},
		{"time unknown", "2026-03-02T00:00:00Z", &time.Time{}, ErrRevoked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v Verified
			var err error
			if tt.at == nil {
				v, err = VerifyCommit(c, ring(tt.revoked))
			} else {
				v, err = VerifyCommitAt(c, ring(tt.revoked), *tt.at)
			}
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err == nil && (v.Identity != "alice" || v.TimeSource != TimeClaimed) {
				t.Errorf("Verified = %+v", v)
			}
			if err != nil && !strings.Contains(err.Error(), `identity "alice" signer "0" was revoked at`) {
				t.Errorf("reason = %v", err)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestMalformedCMS: every way a CMS signature can be broken is a refusal
// that names the reason, never a panic or an accept.
func TestMalformedCMS(t *testing.T) {
	f := keylessFixture(t)
	ring := f.ring(t, schemas.Trust{AcceptCommitterTime: true})
	leaf, key := f.inter.fulcioLeaf(t, alice)
	good := signCMS(t, payload, key, []*x509.Certificate{leaf}, cmsOpts{})
	blk, _ := pem.Decode([]byte(good))
	arm := func(der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: "SIGNED MESSAGE", Bytes: der}))
	}
	// build edits the SignedData before encoding.
	build := func(edit func(sd *protocol.SignedData)) string {
		der, err := buildCMS(payload, key, []*x509.Certificate{leaf}, cmsOpts{})
		if err != nil {
			t.Fatal(err)
		}
		ci, _ := protocol.ParseContentInfo(der)
		sd, _ := ci.SignedDataContent()
		edit(sd)
		out, err := sd.ContentInfoDER()
		if err != nil {
			t.Fatal(err)
		}
		return arm(out)
	}
	lines := strings.Split(strings.TrimSpace(good), "\n")
	tests := []struct {
		name, sig string
		want      error
		reason    string
	}{
		{"truncated armour", strings.Join(lines[:len(lines)-1], "\n"), ErrMalformedSignature, "armour must be"},
		{"truncated der", arm(blk.Bytes[:len(blk.Bytes)/2]), ErrMalformedSignature, "cms"},
		{"trailing der", arm(append(append([]byte{}, blk.Bytes...), 5, 0)), ErrMalformedSignature, "cms"},
		{"not base64", lines[0] + "\n" + strings.Repeat("*", 64) + "\n" + cmsEnd + "\n", ErrMalformedSignature, "not base64"},
		{"header line", strings.Replace(good, cmsBegin+"\n", cmsBegin+"\nVersion: 1\n\n", 1), ErrMalformedSignature, ""},
		{"two blocks", good + good, ErrMalformedSignature, ""},
		{"not signed data", arm(mustDER(t, protocol.ContentInfo{ContentType: oid.ContentTypeData, Content: asn1.RawValue{Class: 2, Tag: 0, IsCompound: true, Bytes: []byte{4, 0}}})), ErrMalformedSignature, "not SignedData"},
		{"two signers", build(func(sd *protocol.SignedData) { sd.SignerInfos = append(sd.SignerInfos, sd.SignerInfos[0]) }), ErrMalformedSignature, "2 signers"},
		{"no signers", build(func(sd *protocol.SignedData) { sd.SignerInfos = nil }), ErrMalformedSignature, "0 signers"},
		{"attached content", build(func(sd *protocol.SignedData) {
			eci, _ := protocol.NewDataEncapsulatedContentInfo(payload)
			sd.EncapContentInfo = eci
		}), ErrMalformedSignature, "not detached"},
		{"no certificates", build(func(sd *protocol.SignedData) { sd.Certificates = nil }), ErrMalformedSignature, "certificate is not included"},
		{"garbage certificate", build(func(sd *protocol.SignedData) {
			sd.Certificates[0] = asn1.RawValue{FullBytes: []byte{0x30, 0x03, 2, 1, 1}}
		}), ErrMalformedSignature, "certificates"},
		{"sha1 digest", build(func(sd *protocol.SignedData) { sd.SignerInfos[0].DigestAlgorithm.Algorithm = oid.DigestAlgorithmSHA1 }), ErrUnsupportedSignature, "digest"},
		{"unknown digest", build(func(sd *protocol.SignedData) {
			sd.SignerInfos[0].DigestAlgorithm.Algorithm = asn1.ObjectIdentifier{1, 2, 3}
		}), ErrUnsupportedSignature, "digest algorithm"},
		{"unknown signature algorithm", build(func(sd *protocol.SignedData) {
			sd.SignerInfos[0].SignatureAlgorithm.Algorithm = asn1.ObjectIdentifier{1, 2, 3}
		}), ErrUnsupportedSignature, "signature algorithm"},
		{"rsa algorithm for an ecdsa key", build(func(sd *protocol.SignedData) {
			sd.SignerInfos[0].SignatureAlgorithm.Algorithm = oid.SignatureAlgorithmSHA256WithRSA
		}), ErrUnsupportedSignature, "does not fit"},
		{"no signed attributes", build(func(sd *protocol.SignedData) { sd.SignerInfos[0].SignedAttrs = nil }), ErrUnsupportedSignature, "signed attributes"},
		{"no message digest", build(func(sd *protocol.SignedData) {
			sd.SignerInfos[0].SignedAttrs = dropAttr(sd.SignerInfos[0].SignedAttrs, oid.AttributeMessageDigest)
		}), ErrMalformedSignature, "message-digest"},
		{"no content type", build(func(sd *protocol.SignedData) {
			sd.SignerInfos[0].SignedAttrs = dropAttr(sd.SignerInfos[0].SignedAttrs, oid.AttributeContentType)
		}), ErrMalformedSignature, "content-type"},
		{"changed signature", build(func(sd *protocol.SignedData) { sd.SignerInfos[0].Signature[10] ^= 1 }), ErrBadSignature, ""},
		{"signer version 7", build(func(sd *protocol.SignedData) { sd.SignerInfos[0].Version = 7 }), ErrMalformedSignature, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := VerifyPayloadAt(payload, tt.sig, ring, tSign)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("err = %v, want %v with %q", err, tt.want, tt.reason)
			}
			if v != (Verified{}) {
				t.Errorf("refusal returned %+v", v)
			}
		})
	}
	if _, err := VerifyPayloadAt(payload, good, ring, tSign); err != nil {
		t.Fatalf("untouched signature: %v", err)
	}
}

func mustDER(t *testing.T, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dropAttr(attrs protocol.Attributes, id asn1.ObjectIdentifier) protocol.Attributes {
	var out protocol.Attributes
	for _, a := range attrs {
		if !a.Type.Equal(id) {
			out = append(out, a)
		}
	}
	return out
}

// TestSigningFixtureLoads: NewTrust reads the example control repo under
// fixtures/signing, every signer kind and trust file included.
func TestSigningFixtureLoads(t *testing.T) {
	fsys := os.DirFS("../../fixtures/signing/controlrepo")
	b, ps := schemas.LoadBundle(fsys)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	r, err := NewTrust(&b.Config, ReadFromFS(fsys))
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 7 || r.sigstore == nil || r.tsa == nil || r.acceptCommitterTime {
		t.Fatalf("ring: %d signers, trusted root %v, tsa %v", r.Len(), r.sigstore != nil, r.tsa != nil)
	}
	tr := r.sigstore.root
	if len(tr.FulcioCertificateAuthorities()) != 1 || len(tr.CTLogs()) != 1 || len(tr.RekorLogs()) != 1 || len(tr.TimestampingAuthorities()) != 1 {
		t.Errorf("trusted root: %d Fulcio CAs, %d CT logs, %d Rekor logs, %d TSAs", len(tr.FulcioCertificateAuthorities()),
			len(tr.CTLogs()), len(tr.RekorLogs()), len(tr.TimestampingAuthorities()))
	}
}
