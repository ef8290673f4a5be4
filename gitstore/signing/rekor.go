package signing

import (
	"bytes"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	rekorpb "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/writ-dev/writ/schemas"
	"google.golang.org/protobuf/proto"
)

// oidRekorEntry is the unsigned CMS attribute in which gitsign's offline
// mode stores the Rekor TransparencyLogEntry (protobuf-specs rekor.v1),
// without its canonicalized body, which the verifier rebuilds.
var oidRekorEntry = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 3, 1}

// Limits on a Rekor entry.
const (
	maxProofHashes = 64
	maxNoteSigs    = 8
)

// rekorResult is what a verified Rekor entry proves. timed is set when
// the signed entry timestamp verified, which signs integratedTime.
type rekorResult struct {
	verified       bool
	timed          bool
	integratedTime time.Time
	logIndex       int64
}

// checkRekor verifies the Rekor entry a keyless signature carries against
// the repo's Rekor key: the entry must be for this signature (the
// hashedrekord body is rebuilt from it), come from that log, and carry a
// signed entry timestamp or an inclusion proof with a signed checkpoint;
// every one present must verify. It returns nil without an entry, or when
// the ring has no Rekor key (the entry cannot be checked and proves
// nothing). Errors wrap ErrTransparencyLog or ErrMalformedSignature.
func (r *KeyRing) checkRekor(s *cmsSignature) (*rekorResult, error) {
	rv, ok, err := s.unsignedAttr(oidRekorEntry)
	if err != nil || !ok || r.rekor == nil {
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
	if kv := tle.GetKindVersion(); kv != nil && (kv.GetKind() != "hashedrekord" || kv.GetVersion() != "0.0.1") {
		return nil, fmt.Errorf("%w: Rekor entry of kind %s %s, want hashedrekord 0.0.1", ErrTransparencyLog, kv.GetKind(), kv.GetVersion())
	}
	if id := tle.GetLogId().GetKeyId(); !bytes.Equal(id, r.rekor.logID) {
		return nil, fmt.Errorf("%w: Rekor entry is from log %x, not the log of trust.rekor_public_key (%x)", ErrTransparencyLog, id, r.rekor.logID)
	}
	body, err := hashedRekordBody(s)
	if err != nil {
		return nil, err
	}
	if cb := tle.GetCanonicalizedBody(); len(cb) > 0 && !bytes.Equal(cb, body) {
		return nil, fmt.Errorf("%w: Rekor entry body is not this signature's", ErrTransparencyLog)
	}
	res := &rekorResult{logIndex: tle.GetLogIndex()}
	if set := tle.GetInclusionPromise().GetSignedEntryTimestamp(); len(set) > 0 {
		payload, err := schemas.CanonicalJSON(map[string]any{
			"body":           base64.StdEncoding.EncodeToString(body),
			"integratedTime": tle.GetIntegratedTime(),
			"logID":          hex.EncodeToString(r.rekor.logID),
			"logIndex":       tle.GetLogIndex(),
		})
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrTransparencyLog, err)
		}
		if err := r.rekor.verifier.VerifySignature(bytes.NewReader(set), bytes.NewReader(payload)); err != nil {
			return nil, fmt.Errorf("%w: signed entry timestamp of entry %d does not verify: %v", ErrTransparencyLog, tle.GetLogIndex(), err)
		}
		res.verified, res.timed = true, true
		res.integratedTime = time.Unix(tle.GetIntegratedTime(), 0).UTC()
	}
	if p := tle.GetInclusionProof(); p != nil {
		if err := r.verifyInclusionProof(body, p); err != nil {
			return nil, fmt.Errorf("%w: inclusion proof of entry %d: %v", ErrTransparencyLog, tle.GetLogIndex(), err)
		}
		res.verified = true
	}
	if !res.verified {
		return nil, fmt.Errorf("%w: Rekor entry %d has neither a signed entry timestamp nor an inclusion proof", ErrTransparencyLog, tle.GetLogIndex())
	}
	return res, nil
}

// hashedRekordBody rebuilds the canonical hashedrekord v0.0.1 body gitsign
// records for a signature: the SHA-256 of the DER signed attributes, the
// signature, and the signer's certificate in PEM.
func hashedRekordBody(s *cmsSignature) ([]byte, error) {
	msg, err := s.si.SignedAttrs.MarshaledForVerification()
	if err != nil {
		return nil, fmt.Errorf("%w: cms: signed attributes: %v", ErrMalformedSignature, err)
	}
	digest := sha256.Sum256(msg)
	certPEM, err := cryptoutils.MarshalCertificateToPEM(s.leaf)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedSignature, err)
	}
	return schemas.CanonicalJSON(map[string]any{
		"apiVersion": "0.0.1",
		"kind":       "hashedrekord",
		"spec": map[string]any{
			"data": map[string]any{"hash": map[string]any{"algorithm": "sha256", "value": hex.EncodeToString(digest[:])}},
			"signature": map[string]any{
				"content":   base64.StdEncoding.EncodeToString(s.si.Signature),
				"publicKey": map[string]any{"content": base64.StdEncoding.EncodeToString(certPEM)},
			},
		},
	})
}

// verifyInclusionProof checks an RFC 9162 inclusion proof of body's leaf in
// the tree the proof names, and that a signed checkpoint by the Rekor key
// commits to that tree.
func (r *KeyRing) verifyInclusionProof(body []byte, p *rekorpb.InclusionProof) error {
	if len(p.GetHashes()) > maxProofHashes {
		return fmt.Errorf("%d hashes exceeds the limit of %d", len(p.GetHashes()), maxProofHashes)
	}
	leaf := sha256.Sum256(append([]byte{0}, body...))
	if err := verifyInclusion(leaf[:], p.GetLogIndex(), p.GetTreeSize(), p.GetHashes(), p.GetRootHash()); err != nil {
		return err
	}
	note := p.GetCheckpoint().GetEnvelope()
	if note == "" {
		return fmt.Errorf("no signed checkpoint")
	}
	size, root, err := r.verifyCheckpoint(note)
	if err != nil {
		return fmt.Errorf("checkpoint: %v", err)
	}
	if size != p.GetTreeSize() || !bytes.Equal(root, p.GetRootHash()) {
		return fmt.Errorf("checkpoint is for tree size %d root %x, not the proof's %d %x", size, root, p.GetTreeSize(), p.GetRootHash())
	}
	return nil
}

// verifyInclusion is RFC 9162 section 2.1.3.2.
func verifyInclusion(leafHash []byte, index, size int64, proof [][]byte, root []byte) error {
	if index < 0 || size <= 0 || index >= size {
		return fmt.Errorf("index %d is outside a tree of size %d", index, size)
	}
	fn, sn := index, size-1
	h := leafHash
	node := func(l, r []byte) []byte {
		sum := sha256.Sum256(append(append([]byte{1}, l...), r...))
		return sum[:]
	}
	for _, p := range proof {
		if sn == 0 {
			return fmt.Errorf("proof is longer than the tree is deep")
		}
		if fn&1 == 1 || fn == sn {
			h = node(p, h)
			for fn&1 == 0 && fn != 0 {
				fn, sn = fn>>1, sn>>1
			}
		} else {
			h = node(h, p)
		}
		fn, sn = fn>>1, sn>>1
	}
	if sn != 0 || !bytes.Equal(h, root) {
		return fmt.Errorf("the leaf does not hash to root %x", root)
	}
	return nil
}

// verifyCheckpoint checks a signed note ("origin\nsize\nroot\n[more]\n\n—
// name base64(hint||sig)\n") against the Rekor key and returns the tree
// size and root it commits to.
func (r *KeyRing) verifyCheckpoint(note string) (int64, []byte, error) {
	text, sigs, ok := strings.Cut(note, "\n\n")
	if !ok {
		return 0, nil, fmt.Errorf("no blank line before the signatures")
	}
	text += "\n"
	lines := strings.Split(text, "\n")
	if len(lines) < 4 {
		return 0, nil, fmt.Errorf("want origin, size and root hash lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size <= 0 {
		return 0, nil, fmt.Errorf("bad tree size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != sha256.Size {
		return 0, nil, fmt.Errorf("bad root hash %q", lines[2])
	}
	sigLines := strings.Split(strings.TrimSuffix(sigs, "\n"), "\n")
	if len(sigLines) > maxNoteSigs {
		return 0, nil, fmt.Errorf("%d signatures exceeds the limit of %d", len(sigLines), maxNoteSigs)
	}
	for _, l := range sigLines {
		rest, ok := strings.CutPrefix(l, "\u2014 ")
		if !ok {
			return 0, nil, fmt.Errorf("signature line %q does not start with an em dash", l)
		}
		_, b64, ok := strings.Cut(rest, " ")
		sig, err := base64.StdEncoding.DecodeString(b64)
		if !ok || err != nil || len(sig) < 5 {
			return 0, nil, fmt.Errorf("bad signature line %q", l)
		}
		if r.rekor.verifier.VerifySignature(bytes.NewReader(sig[4:]), strings.NewReader(text)) == nil {
			return size, root, nil
		}
	}
	return 0, nil, fmt.Errorf("no signature by the Rekor key")
}
