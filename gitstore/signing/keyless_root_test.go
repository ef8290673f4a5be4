package signing

import (
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/github/smimesign/ietf-cms/protocol"
	"github.com/writ-dev/writ/gitstore/signing/sigstoretest"
	"github.com/writ-dev/writ/schemas"
)

// BenchmarkVerifyKeyless verifies one gitsign signature through
// sigstore-go: with a Rekor entry (signed entry timestamp and inclusion
// proof) and an RFC 3161 timestamp, and at the committer time alone.
func BenchmarkVerifyKeyless(b *testing.B) {
	f := keylessFixture(b)
	dated := f.sign(b, ci, cmsOpts{unsigned: func(si *protocol.SignerInfo, leaf *x509.Certificate) protocol.Attributes {
		return append(f.tsa.token(b, tSign, false)(si, leaf), f.rekor.entry(b, rekorOpts{proof: true})(si, leaf)...)
	}})
	claimed := f.sign(b, alice, cmsOpts{})
	for _, bb := range []struct {
		name string
		sig  string
		ring *KeyRing
		at   time.Time
	}{
		{"rekor and timestamp", dated, f.ring(b, schemas.Trust{}), time.Time{}},
		{"committer time", claimed, f.ring(b, schemas.Trust{AcceptCommitterTime: true}), tSign},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := VerifyPayloadAt(payload, bb.sig, bb.ring, bb.at); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestTrustedRootValidityPeriods: each key of the trusted root counts only
// in its validity period: a CT log key retired before the SCT, a Rekor key
// retired before the entry was integrated, a timestamp authority retired
// before the timestamp, a Fulcio CA retired before the signing time.
func TestTrustedRootValidityPeriods(t *testing.T) {
	f := keylessFixture(t)
	retired := tSign.Add(-time.Hour)
	fulcio := []*x509.Certificate{f.inter.cert, f.root.cert}
	rekorSig := cmsOpts{unsigned: f.rekor.entry(t, rekorOpts{})}
	tsaSig := cmsOpts{unsigned: f.tsa.token(t, tSign, false)}
	tests := []struct {
		name  string
		root  sigstoretest.TrustedRoot
		id    fulcioOpts
		sig   cmsOpts
		trust schemas.Trust
		want  error
		msg   string
	}{
		{"CT log key retired", sigstoretest.TrustedRoot{CTLogs: []sigstoretest.Log{{Key: &f.ct.Key.PublicKey, Start: tLong, End: retired}}},
			alice, cmsOpts{}, schemas.Trust{AcceptCommitterTime: true}, ErrUntrustedCertificate, "signed certificate timestamp"},
		{"Rekor key retired", sigstoretest.TrustedRoot{Rekor: []sigstoretest.Log{{Key: &f.rekor.key.PublicKey, Start: tLong, End: retired}}},
			ci, rekorSig, schemas.Trust{}, ErrTransparencyLog, "not valid at payload integrated time"},
		{"timestamp authority retired", sigstoretest.TrustedRoot{TSAs: []sigstoretest.CA{{Chain: []*x509.Certificate{f.tsa.ca.cert}, Start: tLong, End: retired}}},
			alice, tsaSig, schemas.Trust{}, ErrNoTrustedTime, "after the validity period end"},
		{"Fulcio CA retired, with a Rekor entry", sigstoretest.TrustedRoot{Fulcio: []sigstoretest.CA{{Chain: fulcio, Start: tLong, End: retired}}},
			ci, rekorSig, schemas.Trust{}, ErrUntrustedCertificate, "not trusted at the Rekor integrated time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := trustFiles{}.add("trust/root.json", f.trustedRoot(t, tt.root))
			trust := tt.trust
			trust.TrustedRoot = "trust/root.json"
			ring := newTrustRing(t, keylessIDs(), &trust, files)
			sig := f.sign(t, tt.id, tt.sig)
			if _, err := VerifyPayloadAt(payload, sig, ring, tSign); !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %v containing %q", err, tt.want, tt.msg)
			}
			// The same signature verifies under the fixture's trusted root.
			if _, err := VerifyPayloadAt(payload, sig, f.ring(t, tt.trust), tSign); err != nil {
				t.Fatalf("under the fixture's trusted root: %v", err)
			}
		})
	}
}
