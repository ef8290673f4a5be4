package signing

import (
	"context"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"fmt"

	"github.com/go-openapi/strfmt"
	"github.com/go-openapi/swag/conv"
	rekorpb "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/rekor/pkg/types"
	hashedrekord "github.com/sigstore/rekor/pkg/types/hashedrekord/v0.0.1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"google.golang.org/protobuf/proto"
)

// oidRekorEntry is the unsigned CMS attribute in which gitsign stores the
// Rekor TransparencyLogEntry (protobuf-specs rekor.v1) of a signature,
// without its canonicalized body, which the verifier rebuilds.
var oidRekorEntry = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 3, 1}

// cmsEntity is a gitsign CMS signature seen as what sigstore-go verifies
// (verify.SignedEntity), as gitsign's own bundle conversion makes it: the
// signed artifact is the DER of the CMS signed attributes, whose SHA-256
// is the message digest and over which the signature value is made; the
// verification material is the signer's certificate alone (intermediates
// and roots come from the trusted root); the Rekor entry and RFC 3161
// timestamp come from the unsigned attributes. That the signed attributes
// bind the commit (their message digest is the commit's) is checked by
// cmsSignature.verifyOver, not here.
type cmsEntity struct {
	artifact   []byte // DER signed attributes
	sig        *bundle.MessageSignature
	cert       *bundle.Certificate
	entries    []*tlog.Entry
	timestamps [][]byte // TimeStampResp DER, as sigstore-go reads them
}

var _ verify.SignedEntity = (*cmsEntity)(nil)

// newCMSEntity extracts from s what sigstore-go verifies. A Rekor entry
// or timestamp that cannot be read is refused here: errors wrap
// ErrTransparencyLog, ErrNoTrustedTime or ErrMalformedSignature.
func newCMSEntity(s *cmsSignature) (*cmsEntity, error) {
	msg, err := s.si.SignedAttrs.MarshaledForVerification()
	if err != nil {
		return nil, fmt.Errorf("%w: cms: signed attributes: %v", ErrMalformedSignature, err)
	}
	digest := sha256.Sum256(msg)
	e := &cmsEntity{artifact: msg, sig: bundle.NewMessageSignature(digest[:], "SHA2_256", s.si.Signature), cert: bundle.NewCertificate(s.leaf)}
	if e.entries, err = rekorEntries(s, msg); err != nil {
		return nil, err
	}
	if e.timestamps, err = timestampResponses(s); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *cmsEntity) HasInclusionPromise() bool {
	for _, t := range e.entries {
		if t.HasInclusionPromise() {
			return true
		}
	}
	return false
}

func (e *cmsEntity) HasInclusionProof() bool {
	for _, t := range e.entries {
		if t.HasInclusionProof() {
			return true
		}
	}
	return false
}

func (e *cmsEntity) SignatureContent() (verify.SignatureContent, error)       { return e.sig, nil }
func (e *cmsEntity) VerificationContent() (verify.VerificationContent, error) { return e.cert, nil }
func (e *cmsEntity) Timestamps() ([][]byte, error)                            { return e.timestamps, nil }
func (e *cmsEntity) TlogEntries() ([]*tlog.Entry, error)                      { return e.entries, nil }

// Version is the bundle version gitsign's conversion declares.
func (e *cmsEntity) Version() (string, error) { return "v0.3", nil }

// hasObserverTime reports whether the signature carries evidence of when
// it existed that sigstore-go can verify: an RFC 3161 timestamp, or a Rekor
// entry with a signed entry timestamp (integrated time).
func (e *cmsEntity) hasObserverTime() bool {
	return len(e.timestamps) > 0 || e.HasInclusionPromise()
}

// rekorEntries reads the Rekor entry gitsign stores in the unsigned
// attribute 1.3.6.1.4.1.57264.3.1 and gives it back its body, the
// canonical hashedrekord v0.0.1 entry rebuilt from the signature as gitsign
// does (SHA-256 of the signed attributes, the signature, the certificate
// in PEM). None when the attribute is absent.
func rekorEntries(s *cmsSignature, msg []byte) ([]*tlog.Entry, error) {
	rv, ok, err := s.unsignedAttr(oidRekorEntry)
	if err != nil || !ok {
		return nil, err
	}
	var raw []byte
	if rest, err := asn1.Unmarshal(rv.FullBytes, &raw); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("%w: Rekor entry attribute is not one OCTET STRING", ErrTransparencyLog)
	}
	var tle rekorpb.TransparencyLogEntry
	if err := proto.Unmarshal(raw, &tle); err != nil {
		return nil, fmt.Errorf("%w: Rekor entry: %v", ErrTransparencyLog, err)
	}
	// The body is rebuilt as a hashedrekord; an entry that says it is of
	// another kind is not gitsign's.
	if kv := tle.GetKindVersion(); kv != nil && (kv.GetKind() != "hashedrekord" || kv.GetVersion() != "0.0.1") {
		return nil, fmt.Errorf("%w: Rekor entry of kind %s %s, want hashedrekord 0.0.1", ErrTransparencyLog, kv.GetKind(), kv.GetVersion())
	}
	// Any stored body is replaced: what the log signed must be this
	// signature's entry.
	if tle.CanonicalizedBody, err = hashedRekordBody(msg, s); err != nil {
		return nil, err
	}
	entry, err := tlog.ParseTransparencyLogEntry(&tle)
	if err != nil {
		return nil, fmt.Errorf("%w: Rekor entry %d: %v", ErrTransparencyLog, tle.GetLogIndex(), err)
	}
	return []*tlog.Entry{entry}, nil
}

// hashedRekordBody is the canonical hashedrekord v0.0.1 body of a gitsign
// signature, made by Rekor's own types as gitsign makes it.
func hashedRekordBody(msg []byte, s *cmsSignature) ([]byte, error) {
	digest := sha256.Sum256(msg)
	certPEM, err := cryptoutils.MarshalCertificateToPEM(s.leaf)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedSignature, err)
	}
	re := &hashedrekord.V001Entry{HashedRekordObj: models.HashedrekordV001Schema{
		Data: &models.HashedrekordV001SchemaData{Hash: &models.HashedrekordV001SchemaDataHash{
			Algorithm: conv.Pointer("sha256"), Value: conv.Pointer(hex.EncodeToString(digest[:]))}},
		Signature: &models.HashedrekordV001SchemaSignature{Content: strfmt.Base64(s.si.Signature),
			PublicKey: &models.HashedrekordV001SchemaSignaturePublicKey{Content: strfmt.Base64(certPEM)}},
	}}
	body, err := types.CanonicalizeEntry(context.Background(), re)
	if err != nil {
		return nil, fmt.Errorf("%w: hashedrekord body: %v", ErrTransparencyLog, err)
	}
	return body, nil
}

// timestampResponses returns the RFC 3161 tokens of the unsigned attribute
// id-aa-timeStampToken, each wrapped in a granted TimeStampResp, which is
// what sigstore-go verifies.
func timestampResponses(s *cmsSignature) ([][]byte, error) {
	if !s.si.UnsignedAttrs.HasAttribute(oidTimeStampToken) {
		return nil, nil
	}
	vals, err := s.si.UnsignedAttrs.GetValues(oidTimeStampToken)
	if err != nil {
		return nil, fmt.Errorf("%w: timestamp attribute: %v", ErrMalformedSignature, err)
	}
	type statusInfo struct{ Status int }
	var out [][]byte
	for _, v := range vals {
		for _, tok := range v.Elements {
			resp, err := asn1.Marshal(struct {
				Status statusInfo
				Token  asn1.RawValue
			}{Token: asn1.RawValue{FullBytes: tok.FullBytes}})
			if err != nil {
				return nil, fmt.Errorf("%w: timestamp token: %v", ErrNoTrustedTime, err)
			}
			out = append(out, resp)
		}
	}
	return out, nil
}
