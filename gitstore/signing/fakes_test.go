package signing

// Fakes of the sigstore services a keyless signature can carry evidence
// from: a Rekor log (signed entry timestamps, inclusion proofs, signed
// checkpoints) and an RFC 3161 timestamp authority.

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/github/smimesign/ietf-cms/oid"
	"github.com/github/smimesign/ietf-cms/protocol"
	"github.com/github/smimesign/ietf-cms/timestamp"
	commonpb "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	rekorpb "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"google.golang.org/protobuf/proto"
)

// testRekor is a fake Rekor log: its key signs entry timestamps and
// checkpoints.
type testRekor struct {
	key   *ecdsa.PrivateKey
	logID []byte
}

func newTestRekor(t testing.TB) *testRekor {
	k := ecKey(t)
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	id := sha256.Sum256(der)
	return &testRekor{key: k, logID: id[:]}
}

func (r *testRekor) sign(t testing.TB, msg []byte) []byte {
	h := sha256.Sum256(msg)
	sig, err := ecdsa.SignASN1(rand.Reader, r.key, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// hashedRekord builds the hashedrekord body independently of the verifier:
// nested structs whose fields are in sorted order, as Rekor canonicalises.
func hashedRekord(si *protocol.SignerInfo, leaf *x509.Certificate) []byte {
	msg, _ := si.SignedAttrs.MarshaledForVerification()
	d := sha256.Sum256(msg)
	type hash struct {
		Algorithm string `json:"algorithm"`
		Value     string `json:"value"`
	}
	type pk struct {
		Content string `json:"content"`
	}
	body := struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Spec       struct {
			Data struct {
				Hash hash `json:"hash"`
			} `json:"data"`
			Signature struct {
				Content   string `json:"content"`
				PublicKey pk     `json:"publicKey"`
			} `json:"signature"`
		} `json:"spec"`
	}{APIVersion: "0.0.1", Kind: "hashedrekord"}
	body.Spec.Data.Hash = hash{"sha256", hex.EncodeToString(d[:])}
	body.Spec.Signature.Content = base64.StdEncoding.EncodeToString(si.Signature)
	body.Spec.Signature.PublicKey.Content = base64.StdEncoding.EncodeToString(certPEM(leaf))
	b, _ := json.Marshal(body)
	return b
}

// rekorOpts shapes a Rekor entry.
type rekorOpts struct {
	integrated    time.Time // default tSign
	noSET, proof  bool
	badSET        bool
	logID         []byte
	body          []byte // overrides the rebuilt body
	tamperProof   bool
	otherCkptKey  bool
	badHint       bool // the checkpoint signature names another key
	kind, version string
}

// entry returns the unsigned attribute gitsign's offline mode adds: the
// TransparencyLogEntry proto without its body, as one OCTET STRING.
func (r *testRekor) entry(t testing.TB, o rekorOpts) func(*protocol.SignerInfo, *x509.Certificate) protocol.Attributes {
	return func(si *protocol.SignerInfo, leaf *x509.Certificate) protocol.Attributes {
		body := hashedRekord(si, leaf)
		if o.body != nil {
			body = o.body
		}
		integrated := o.integrated
		if integrated.IsZero() {
			integrated = tSign
		}
		logID := r.logID
		if o.logID != nil {
			logID = o.logID
		}
		kind, version := "hashedrekord", "0.0.1"
		if o.kind != "" {
			kind, version = o.kind, o.version
		}
		const index = 3
		tle := &rekorpb.TransparencyLogEntry{
			LogIndex: index, LogId: &commonpb.LogId{KeyId: logID},
			KindVersion:    &rekorpb.KindVersion{Kind: kind, Version: version},
			IntegratedTime: integrated.Unix(),
		}
		if !o.noSET {
			payload := []byte(`{"body":"` + base64.StdEncoding.EncodeToString(body) + `","integratedTime":` +
				itoa(integrated.Unix()) + `,"logID":"` + hex.EncodeToString(logID) + `","logIndex":` + itoa(index) + `}`)
			set := r.sign(t, payload)
			if o.badSET {
				set = r.sign(t, append(payload, ' '))
			}
			tle.InclusionPromise = &rekorpb.InclusionPromise{SignedEntryTimestamp: set}
		}
		if o.proof {
			leaves := [][]byte{[]byte("a"), []byte("b"), []byte("c"), body, []byte("e")}
			root := merkleRoot(leaves)
			path := merklePath(index, leaves)
			if o.tamperProof {
				path[0] = bytes.Repeat([]byte{7}, 32)
			}
			text := "rekor.test - 1\n5\n" + base64.StdEncoding.EncodeToString(root) + "\n"
			signer := r
			if o.otherCkptKey {
				signer = newTestRekor(t)
			}
			hint := signer.logID[:4]
			if o.badHint {
				hint = []byte{1, 2, 3, 4}
			}
			sig := append(append([]byte(nil), hint...), signer.sign(t, []byte(text))...)
			tle.InclusionProof = &rekorpb.InclusionProof{LogIndex: index, TreeSize: 5, RootHash: root, Hashes: path,
				Checkpoint: &rekorpb.Checkpoint{Envelope: text + "\n\u2014 rekor.test " + base64.StdEncoding.EncodeToString(sig) + "\n"}}
		}
		raw, err := proto.Marshal(tle)
		if err != nil {
			t.Fatal(err)
		}
		attr, err := protocol.NewAttribute(oidRekorEntry, raw)
		if err != nil {
			t.Fatal(err)
		}
		return protocol.Attributes{attr}
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// RFC 6962 Merkle tree hashing, written independently of the verifier.
func leafHash(b []byte) []byte { s := sha256.Sum256(append([]byte{0}, b...)); return s[:] }

func nodeHash(l, r []byte) []byte {
	s := sha256.Sum256(append(append([]byte{1}, l...), r...))
	return s[:]
}

func split(n int) int {
	k := 1
	for k*2 < n {
		k *= 2
	}
	return k
}

func merkleRoot(leaves [][]byte) []byte {
	if len(leaves) == 1 {
		return leafHash(leaves[0])
	}
	k := split(len(leaves))
	return nodeHash(merkleRoot(leaves[:k]), merkleRoot(leaves[k:]))
}

func merklePath(m int, leaves [][]byte) [][]byte {
	if len(leaves) == 1 {
		return nil
	}
	k := split(len(leaves))
	if m < k {
		return append(merklePath(m, leaves[:k]), merkleRoot(leaves[k:]))
	}
	return append(merklePath(m-k, leaves[k:]), merkleRoot(leaves[:k]))
}

// testTSA is a fake RFC 3161 timestamp authority.
type testTSA struct {
	ca   *testCA
	cert *x509.Certificate
	key  crypto.Signer
}

func newTestTSA(t testing.TB) *testTSA {
	ca := newRoot(t, "Test TSA Root")
	k := ecKey(t)
	// RFC 3161 2.3: the one extended key usage, time stamping, critical.
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		t.Fatal(err)
	}
	c := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Test TSA"}, NotBefore: tLong, NotAfter: tLongTo,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}}},
		&k.PublicKey, ca)
	return &testTSA{ca: ca, cert: c, key: k}
}

// token returns an unsigned-attribute builder adding a timestamp of the
// signature at genTime (for another signature when wrong is set).
func (a *testTSA) token(t testing.TB, genTime time.Time, wrong bool) func(*protocol.SignerInfo, *x509.Certificate) protocol.Attributes {
	return func(si *protocol.SignerInfo, _ *x509.Certificate) protocol.Attributes {
		d := sha256.Sum256(si.Signature)
		if wrong {
			d = sha256.Sum256([]byte("another signature"))
		}
		info := timestamp.Info{Version: 1, Policy: asn1.ObjectIdentifier{1, 2, 3, 4},
			MessageImprint: timestamp.MessageImprint{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oid.DigestAlgorithmSHA256}, HashedMessage: d[:]},
			SerialNumber:   nextSerial(), GenTime: genTime.UTC()}
		der, err := asn1.Marshal(info)
		if err != nil {
			t.Fatal(err)
		}
		eci, err := protocol.NewEncapsulatedContentInfo(oid.ContentTypeTSTInfo, der)
		if err != nil {
			t.Fatal(err)
		}
		sd, err := protocol.NewSignedData(eci)
		if err != nil {
			t.Fatal(err)
		}
		if err := sd.AddSignerInfo([]*x509.Certificate{a.cert}, a.key); err != nil {
			t.Fatal(err)
		}
		tok, err := sd.ContentInfoDER()
		if err != nil {
			t.Fatal(err)
		}
		attr, err := protocol.NewAttribute(oid.AttributeTimeStampToken, asn1.RawValue{FullBytes: tok})
		if err != nil {
			t.Fatal(err)
		}
		return protocol.Attributes{attr}
	}
}
